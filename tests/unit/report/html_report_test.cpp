#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string_view>

#include "report/alert_explanations.hpp"
#include "support/test_support.hpp"

namespace vigil::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kEvil =
    "</script><script>alert(1)</script><img src=x onerror=alert(2)><!-- & \xE2\x80\xA8";

std::size_t count(const std::string& text, std::string_view part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The JSON data block of a written report, parsed.
json data_block(const std::string& page) {
  constexpr std::string_view kOpen = "<script type=\"application/json\" id=\"vigil-data\">";
  auto begin = page.find(kOpen) + kOpen.size();
  return json::parse(page.substr(begin, page.find("</script>", begin) - begin));
}

void write_output(const fs::path& dir, std::size_t module_records) {
  test::write_file(dir / "info.json", json{{"vigil_version", "0.1.0"},
                                           {"command", "check-backup"},
                                           {"target_path", "/evidence"},
                                           {"ioc_files", json::array()},
                                           {"modules",
                                            {{{"module", "sms"},
                                              {"records", module_records},
                                              {"timeline_events", 2},
                                              {"alerts", 1},
                                              {"warnings", {"sms.db: malformed"}},
                                              {"not_present", json::array()}}}}}
                                          .dump());
  test::write_file(dir / "backup_info.json",
                   json{{"Device Name", kEvil},
                        {"Product Version", "17.1"},
                        {"Last Backup Date", "2024-01-02 03:04:05.000000"}}
                       .dump(4));
  json alert = {{"level", "CRITICAL"},
                {"module", "sms"},
                {"message", std::string("Found a known suspicious domain ") + kEvil},
                {"event_time", ""},
                {"event", {{"text", kEvil}}},
                {"matched_indicator", {{"value", "example.org"}, {"type", "domain"}}}};
  test::write_file(dir / "alerts.json", json::array({alert}).dump());
  std::string records = "[\n";
  for (std::size_t i = 0; i < module_records; ++i)
    records += json{{"text", kEvil}, {"n", i}}.dump() + (i + 1 < module_records ? ",\n" : "\n");
  test::write_file(dir / "sms.json", records + "]\n");
  std::string events;
  for (int i = 0; i < 2; ++i)
    events += json{{"message", kEvil},
                   {"datetime", "x"},
                   {"timestamp", 1700000000000000 + i},
                   {"timestamp_desc", i ? "sms_read" : "sms_received"},
                   {"data_type", "vigil:ios:sms"},
                   {"module", "SMS"}}
                  .dump() +
              "\n";
  test::write_file(dir / "timeline.jsonl", events);
}

TEST(HtmlReport, HostileEvidenceNeverLeavesTheDataBlock) {
  test::TempDir dir;
  write_output(dir.path(), 3);
  std::string error;
  HtmlReportStats stats;
  ASSERT_TRUE(write_html_report(dir.path(), error, &stats)) << error;
  EXPECT_EQ(stats.events, 2u);
  std::string page = test::read_file(dir.path() / "report.html");
  EXPECT_EQ(stats.bytes, page.size());
  // Only the report's own two script elements close; no evidence markup survives as markup.
  EXPECT_EQ(count(page, "</script>"), 2u);
  EXPECT_EQ(count(page, "<img"), 0u);
  EXPECT_EQ(count(page, "<!--"), 0u);
  EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(page.find("script-src 'sha256-"), std::string::npos);

  json data = data_block(page);
  EXPECT_EQ(data["device"]["Device Name"], kEvil);
  EXPECT_EQ(data["acquisition"]["date"], "2024-01-02 03:04:05.000000");
  ASSERT_EQ(data["alerts"].size(), 1u);
  EXPECT_EQ(data["alerts"][0]["kind"], "ioc-message-link");
  EXPECT_FALSE(data["explanations"]["ioc-message-link"]["not_proof"].get<std::string>().empty());
  EXPECT_EQ(data["modules"][0]["slug"], "sms");
  EXPECT_EQ(data["modules"][0]["rows"].size(), 3u);
  EXPECT_EQ(data["modules"][0]["rows"][2]["text"], kEvil);
  EXPECT_EQ(data["timeline"]["t"], json::array({1700000000000000, 1700000000000001}));
  EXPECT_EQ(data["timeline"]["kinds"], json::array({"sms_received", "sms_read"}));
  EXPECT_EQ(data["timeline"]["k"], json::array({0, 1}));
  EXPECT_EQ(data["timeline"]["d"][1], kEvil);
  EXPECT_EQ(data["timeline"]["modules"][0]["name"], "SMS");
}

TEST(HtmlReport, ModuleTablesAreCappedTheTimelineIsNot) {
  test::TempDir dir;
  write_output(dir.path(), 10005);
  std::string error;
  ASSERT_TRUE(write_html_report(dir.path(), error)) << error;
  json data = data_block(test::read_file(dir.path() / "report.html"));
  EXPECT_EQ(data["modules"][0]["records"], 10005);
  EXPECT_EQ(data["modules"][0]["rows"].size(), 10000u);
}

TEST(HtmlReport, WriterKeepsTheMostRecentEventsAndCountsThemAll) {
  test::TempDir dir;
  write_output(dir.path(), 1);
  HtmlReportWriter writer(3);
  ASSERT_TRUE(writer.open(dir.path(), 5));
  for (int i = 0; i < 5; ++i)
    writer.event(1700000000000000 + i, i % 2 ? "sms" : "calls", i % 2 ? "SMS" : "Calls",
                 i % 2 ? "sms_read" : "call", "event " + std::to_string(i));
  std::string error;
  HtmlReportStats stats;
  ASSERT_TRUE(writer.finish(5, error, &stats)) << error;
  EXPECT_EQ(stats.events, 3u);
  json timeline = data_block(test::read_file(dir.path() / "report.html"))["timeline"];
  EXPECT_EQ(timeline["d"], json::array({"event 2", "event 3", "event 4"}));
  EXPECT_EQ(timeline["t"], json::array({1700000000000002, 1700000000000003, 1700000000000004}));
  EXPECT_EQ(timeline["total"], 5);
  // Modules and kinds are numbered in the order they first appear among the kept events.
  EXPECT_EQ(timeline["modules"],
            json::parse(R"([{"slug":"calls","name":"Calls"},{"slug":"sms","name":"SMS"}])"));
  EXPECT_EQ(timeline["m"], json::array({0, 1, 0}));
  EXPECT_EQ(timeline["kinds"], json::array({"call", "sms_read"}));
  EXPECT_EQ(timeline["k"], json::array({0, 1, 0}));
}

TEST(HtmlReport, NeedsInfoJson) {
  test::TempDir dir;
  std::string error;
  EXPECT_FALSE(write_html_report(dir.path(), error));
  EXPECT_NE(error.find("info.json"), std::string::npos);
}

TEST(HtmlReport, SafeJsonEscapesMarkupOnly) {
  std::string out;
  append_html_safe_json(out, "{\"a\":\"</b>&\xE2\x80\xA9\xC3\xA9\"}");
  EXPECT_EQ(out, "{\"a\":\"\\u003c/b\\u003e\\u0026\\u2029\xC3\xA9\"}");
  EXPECT_EQ(json::parse(out)["a"], "</b>&\xE2\x80\xA9\xC3\xA9");
}

// The 16-byte scan against the rule itself, with the markup bytes (and U+2028/9, and an 0xE2
// that starts neither) at every position of a block.
TEST(HtmlReport, SafeJsonOnRandomTextEqualsTheByteRule) {
  auto rule = [](std::string_view in) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (in[i] == '<')
        out += "\\u003c";
      else if (in[i] == '>')
        out += "\\u003e";
      else if (in[i] == '&')
        out += "\\u0026";
      else if (in.substr(i, 3) == "\xE2\x80\xA8" || in.substr(i, 3) == "\xE2\x80\xA9") {
        out += in[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
        i += 2;
      } else
        out += in[i];
    }
    return out;
  };
  const std::string_view pieces[] = {
      "<", ">", "&", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x82\xAC", "\xE2"};
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const std::size_t length = rng() % 70;
    while (text.size() < length)
      if (rng() % static_cast<unsigned>(1 + i % 30) == 0)
        text += pieces[rng() % std::size(pieces)];
      else
        text += static_cast<char>('a' + rng() % 26);
    std::string out = "x";
    append_html_safe_json(out, text);
    ASSERT_EQ(out, "x" + rule(text)) << i;
  }
}

TEST(HtmlReport, FeedDateIsTheNewestObjectDate) {
  EXPECT_EQ(stix2_feed_date(R"({"objects":[{"created": "2021-07-18T00:00:00Z",
      "modified":"2023-01-02T03:04:05Z"},{"created":"2022-05-05T00:00:00.000Z"}]})"),
            "2023-01-02");
  EXPECT_EQ(stix2_feed_date("{}"), "");
}

TEST(AlertExplanations, KindsFromIndicatorTypesAndMessages) {
  using modules::Json;
  auto kind = [](std::string module, std::string type, std::string message = "") {
    Json a = {{"module", module}, {"message", message}};
    a["matched_indicator"] = type.empty() ? Json(nullptr) : Json{{"type", type}};
    return std::string(alert_kind(a));
  };
  EXPECT_EQ(kind("safari_history", "domain"), "ioc-web-visit");
  EXPECT_EQ(kind("whatsapp", "domains"), "ioc-message-link");  // MVT's type names
  EXPECT_EQ(kind("tcc", "processes"), "ioc-process");
  EXPECT_EQ(kind("datausage", "process"), "ioc-process");
  EXPECT_EQ(kind("manifest", "file-path"), "ioc-file");
  EXPECT_EQ(kind("manifest", "domain"), "ioc-domain-in-path");
  EXPECT_EQ(kind("applications", "app-id"), "ioc-app");
  EXPECT_EQ(kind("datausage", "", "Missing process 5. Previous process at"), "missing-process");
  EXPECT_EQ(kind("global_preferences", "", "Lockdown mode enabled"), "lockdown-enabled");
  EXPECT_EQ(kind("sms", "", "Apple warning about state-sponsored attack received on"),
            "apple-threat-notification");
  EXPECT_EQ(kind("x", "", "anything else"), "other");
  for (const auto& e : alert_explanations()) {
    EXPECT_FALSE(e.what.empty() || e.why.empty() || e.not_proof.empty()) << e.kind;
    EXPECT_EQ(explain(e.kind).kind, e.kind);
  }
}

}  // namespace
}  // namespace vigil::report
