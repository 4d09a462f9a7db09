#include "core/shorteners.hpp"

#include <algorithm>
#include <array>

namespace vigil::core {
namespace {

// Services that redirect to an arbitrary, user-chosen target. Left out on purpose: single-site
// short links whose target is always the same service (youtu.be, t.me, wa.me, m.me, amzn.to,
// aka.ms, 1drv.ms, g.co, spoti.fi, maps.app.goo.gl): resolving them reveals nothing about a
// third-party destination. IP-logger services that hand out short links (grabify, iplogger) are
// included: targeted attacks use them to learn a victim's address before the real redirect.
// Keep sorted (byte order) and unique: lookups are a binary search, and a test checks it.
constexpr std::array<std::string_view, 80> kShortenerHosts = {
    "0rz.tw",  "1url.com", "2no.co",    "adf.ly",       "adfoc.us",     "bc.vc",
    "bit.do",  "bit.ly",   "bitly.com", "bl.ink",       "buff.ly",      "clck.ru",
    "cli.gs",  "cutt.ly",  "cutt.us",   "da.gd",        "db.tt",        "dlvr.it",
    "dwz.cn",  "fb.me",    "gg.gg",     "goo.gl",       "goo.su",       "grabify.link",
    "hubs.la", "hubs.ly",  "ift.tt",    "iplogger.com", "iplogger.org", "is.gd",
    "j.mp",    "kutt.it",  "lnkd.in",   "mcaf.ee",      "me2.do",       "naver.me",
    "ouo.io",  "ow.ly",    "po.st",     "ppt.cc",       "pse.is",       "qr.ae",
    "qr.net",  "qrco.de",  "rb.gy",     "rebrand.ly",   "reurl.cc",     "s.id",
    "sh.st",   "short.gy", "shorte.st", "shorturl.at",  "smarturl.it",  "snip.ly",
    "soo.gd",  "su.pr",    "surl.li",   "t.cn",         "t.co",         "t.ly",
    "t2m.io",  "tiny.cc",  "tiny.one",  "tiny.pl",      "tinyurl.com",  "tny.im",
    "tr.im",   "trib.al",  "u.nu",      "u.to",         "ur1.ca",       "url.cn",
    "url.kr",  "urlz.fr",  "v.gd",      "vk.cc",        "wp.me",        "x.co",
    "yip.su",  "zpr.io",
};
static_assert(std::is_sorted(kShortenerHosts.begin(), kShortenerHosts.end()));
static_assert(std::adjacent_find(kShortenerHosts.begin(), kShortenerHosts.end()) ==
              kShortenerHosts.end());

}  // namespace

std::span<const std::string_view> url_shortener_hosts() noexcept { return kShortenerHosts; }

bool is_url_shortener_host(std::string_view host) noexcept {
  return std::binary_search(kShortenerHosts.begin(), kShortenerHosts.end(), host);
}

bool is_url_shortener(const Url& url) {
  if (url.host.kind != HostKind::domain) return false;
  if (!is_url_shortener_host(url.host.name)) return false;
  // Google Maps share links ("goo.gl/maps/…") only ever lead to Google Maps.
  if (url.host.name == "goo.gl" && (url.path == "/maps" || url.path.starts_with("/maps/")))
    return false;
  return true;
}

}  // namespace vigil::core
