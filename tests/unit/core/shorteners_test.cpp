#include "core/shorteners.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/url.hpp"

namespace vigil::core {
namespace {

bool shortened(const std::string& text) {
  auto url = parse_url(text);
  EXPECT_TRUE(url.has_value()) << text;
  return url && is_url_shortener(*url);
}

TEST(Shorteners, ListIsSortedUniqueAndCanonical) {
  auto hosts = url_shortener_hosts();
  ASSERT_GE(hosts.size(), 60u);
  EXPECT_TRUE(std::is_sorted(hosts.begin(), hosts.end()));
  EXPECT_EQ(std::adjacent_find(hosts.begin(), hosts.end()), hosts.end());
  for (std::string_view host : hosts) {
    auto normalised = normalize_host(host);
    ASSERT_TRUE(normalised.has_value()) << host;
    EXPECT_EQ(normalised->name, host);  // lower-case, no trailing dot: lookups are exact
    EXPECT_EQ(normalised->kind, HostKind::domain);
  }
}

TEST(Shorteners, MvtCases) {
  EXPECT_FALSE(shortened("goo.gl/maps/example"));
  EXPECT_FALSE(shortened("https://goo.gl/maps/example"));
  EXPECT_FALSE(shortened("http://goo.gl/maps/example?entry=message"));
  EXPECT_TRUE(shortened("https://goo.gl/example"));
}

TEST(Shorteners, KnownServices) {
  for (const char* url :
       {"https://bit.ly/3abcDEF", "http://t.co/xyz", "tinyurl.com/y6abc", "HTTPS://BIT.LY/x",
        "https://bit.ly./x", "https://is.gd/a", "https://cutt.ly/q", "rb.gy/abc", "https://t.ly/x",
        "https://s.id/y", "https://bitly.com/z", "https://j.mp/1", "https://goo.gl/",
        "https://goo.gl/mapsx", "https://goo.gl/Maps/x", "https://lnkd.in/e"})
    EXPECT_TRUE(shortened(url)) << url;
}

TEST(Shorteners, NotShortened) {
  for (const char* url :
       {"https://example.com/x", "https://www.bit.ly/x", "https://bit.ly.evil.com/x",
        "https://notbit.ly/x", "https://youtu.be/dQw4w9WgXcQ", "https://t.me/channel",
        "https://maps.app.goo.gl/abc", "https://goo.gl/maps", "https://goo.gl/maps/",
        "https://1.1.1.1/", "http://[::1]/", "https://wa.me/123"})
    EXPECT_FALSE(shortened(url)) << url;
}

}  // namespace
}  // namespace vigil::core
