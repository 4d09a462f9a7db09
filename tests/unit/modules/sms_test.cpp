// SMS and SMSAttachments: MVT's real test backup (spec §8.3, §8.6) and sms.db fixtures built at
// run time (own group-chat messages without a handle, threat notifications, attributedBody-only
// bodies, near-miss links, /var/tmp attachments, file-name indicators, broken databases).
#include <gtest/gtest.h>

#include "unit/modules/messaging_fixture.hpp"

namespace vigil::test {
namespace {

using indicators::IocType;
using messaging::q;
using modules::Level;

constexpr std::string_view kSmsDomain = "HomeDomain";
constexpr std::string_view kSmsPath = "Library/SMS/sms.db";

TEST(Sms, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("sms", mvt_backup());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  const auto& r = run.records[0];
  EXPECT_EQ(r["ROWID"], 3);
  EXPECT_EQ(r["guid"], "FDC6EC94-9D5A-434D-90FA-BF170E10A311");
  EXPECT_EQ(r["phone_number"], "apple");
  EXPECT_EQ(r["direction"], "received");
  EXPECT_EQ(r["text"], "Please click here https://badbadbad.example.org/");
  EXPECT_EQ(r["links"], Json::array({"https://badbadbad.example.org/"}));
  EXPECT_EQ(r["date"], 588813210539788032);
  // 18-digit nanoseconds: vigil keeps the microseconds MVT drops ("…23:13:30.000000").
  EXPECT_EQ(r["isodate"], "2019-08-29 23:13:30.539788");
  EXPECT_EQ(r["isodate_read"], "2019-08-29 23:13:30.539900");
  EXPECT_TRUE(r["service"].is_null());

  ASSERT_EQ(run.events.size(), 2u);
  const std::string data =
      "None: FDC6EC94-9D5A-434D-90FA-BF170E10A311 \"Please click here "
      "https://badbadbad.example.org/\" from apple (None)";
  EXPECT_TRUE(messaging::has_event(run, "sms_received", data));
  EXPECT_TRUE(messaging::has_event(run, "sms_read", data));

  ASSERT_EQ(run.urls.size(), 1u);
  EXPECT_EQ(run.urls[0].url, "https://badbadbad.example.org/");
  EXPECT_FALSE(run.urls[0].expanded_url);
  EXPECT_EQ(run.urls[0].source, "sms");
  EXPECT_FALSE(run.urls[0].shortened);
  ASSERT_TRUE(run.urls[0].timestamp);
  EXPECT_EQ(messaging::iso(*run.urls[0].timestamp), "2019-08-29 23:13:30.539788");
}

TEST(Sms, MvtBackupGeneratedIndicators) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs();
  auto run = run_module("sms", mvt_backup(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  const auto& a = run.alerts[0];
  EXPECT_EQ(a.level, Level::critical);
  EXPECT_EQ(a.module, "sms");
  EXPECT_EQ(a.message,
            "Found a sub-domain with a suspicious top level https://badbadbad.example.org/ "
            "matching indicator \"example.org\" from \"TestMalware\"");
  EXPECT_EQ(a.event["guid"], "FDC6EC94-9D5A-434D-90FA-BF170E10A311");
  EXPECT_EQ(a.matched_indicator["value"], "example.org");
}

TEST(Sms, MvtBackupExactDomainIndicator) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs({{IocType::domain, "badbadbad.example.org"}});
  auto run = run_module("sms", mvt_backup(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].message,
            "Found a known suspicious domain https://badbadbad.example.org/ matching indicator "
            "\"badbadbad.example.org\" from \"TestMalware\"");
}

// sms.db with the real message/handle/attachment schema.
std::string sms_schema() {
  return R"(
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
  service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service));
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
  replace INTEGER DEFAULT 0, handle_id INTEGER DEFAULT 0, attributedBody BLOB, service TEXT,
  account TEXT, date INTEGER, date_read INTEGER, is_from_me INTEGER DEFAULT 0,
  cache_roomnames TEXT);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT,
  mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB,
  transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0,
  sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE
  CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE,
  UNIQUE(message_id, attachment_id));
INSERT INTO handle VALUES (1, '+15551230001', 'us', 'iMessage', NULL, NULL);
)";
}

// An NSAttributedString typedstream as Messages writes it, holding `text`.
std::string attributed_body(std::string_view text) {
  static constexpr char kHead[] =
      "\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00\x84\x84"
      "\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+";
  std::string blob(kHead, sizeof kHead - 1);
  if (text.size() < 0x80) {
    blob += static_cast<char>(text.size());
  } else {
    blob += '\x81';
    blob += static_cast<char>(text.size() & 0xFF);
    blob += static_cast<char>(text.size() >> 8);
  }
  blob += text;
  blob += "\x86\x84\x02iI\x01";
  return blob;
}

constexpr std::string_view kThreatNew =
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. This attack "
    "is likely targeting you specifically because of who you are or what you do.";
constexpr std::string_view kThreatOld =
    "ALERT: State-sponsored attackers may be targeting your iPhone. Please visit "
    "https://support.apple.com/en-us/102174 for more information.";

struct SmsFixture {
  TempDir dir;
  std::filesystem::path backup;
  SmsFixture() {
    backup = messaging::copy_backup(dir);
    std::string long_text =
        "Your parcel is waiting, confirm delivery at https://sub.example.org/track/" +
        std::string(150, 'a');
    std::string sql = sms_schema();
    // ns and seconds dates (old iOS); handle_id 0 = own message in a group chat.
    sql +=
        "INSERT INTO message (ROWID, guid, text, handle_id, service, account, date, date_read, "
        "is_from_me, cache_roomnames, attributedBody) VALUES "
        "(1, 'G1', 'own group message https://cdn.example.org/own1', 0, 'iMessage', "
        "'E:me@icloud.com', 700000000000000000, 0, 1, 'chat123', NULL),"
        "(2, 'G2', " +
        q(kThreatNew) +
        ", 1, 'iMessage', 'E:me@icloud.com', "
        "700000100000000000, 700000200000000000, 0, NULL, NULL),"
        "(3, 'G3', " +
        q(kThreatOld) +
        ", 1, 'iMessage', NULL, 700000200, 0, 0, NULL, NULL),"
        "(4, 'G4', NULL, 1, 'iMessage', NULL, 700000300000000000, 0, 0, NULL, X'" +
        messaging::hex(attributed_body(long_text)) +
        "'),"
        "(5, 'G5', 'near misses https://notexample.org/a https://example.org.evil.net/b "
        "https://safe.example.net/out?to=example.org&t=1 http://198.51.100.10/x', 1, 'SMS', "
        "NULL, 700000400000000000, 0, 0, NULL, NULL),"
        "(6, 'G6', 'short https://bit.ly/3xYz and www.Example.NET/page\nsecond line', 1, "
        "'SMS', NULL, 700000500000000000, 0, 0, NULL, NULL),"
        "(7, 'G7', 'bare host mention: example.org is down', 1, 'SMS', NULL, "
        "700000600000000000, 0, 0, NULL, NULL);";
    sql +=
        "INSERT INTO attachment (ROWID, guid, created_date, start_date, filename, is_outgoing, "
        "user_info, transfer_name, total_bytes, is_sticker) VALUES "
        "(1, 'A1', 700000000, 0, '/var/tmp/com.apple.messages/3F2A9C1D-1', 0, X'00', "
        "'3F2A9C1D-1', 100, 0),"
        "(2, 'A2', 700000100, 0, '/var/tmp/com.apple.messages/3F2A9C1D-1', 1, NULL, "
        "'3F2A9C1D-1', 100, 0),"
        "(3, 'A3', 700000200000000000, 0, '~/Library/SMS/Attachments/ab/01/G/evil.plist', 0, "
        "NULL, 'evil.plist', 5, 0),"
        "(4, 'A4', 700000300, 0, '~/Library/SMS/Attachments/zz/99/G/photo.jpeg', 0, NULL, "
        "'photo.jpeg', 7, 1),"
        "(5, 'A5', 0, 0, NULL, 0, NULL, NULL, 0, 0),"
        "(6, 'A6', 700000400, 0, '/var/tmp/com.apple.messages/3F2A9C1D-12', 0, NULL, "
        "'3F2A9C1D-12', 1, 0);";
    sql += "INSERT INTO message_attachment_join VALUES (2, 1), (1, 2), (2, 3), (2, 4), (2, 6);";
    messaging::make_db(messaging::payload(backup, kSmsDomain, kSmsPath), sql);
  }
};

const Json* find_record(const ModuleRun& run, std::string_view key, const Json& value) {
  for (const auto& r : run.records)
    if (r.contains(key) && r[std::string(key)] == value) return &r;
  return nullptr;
}

TEST(Sms, FixtureRecordsAndHeuristics) {
  VIGIL_REQUIRE_SHARED();
  SmsFixture f;
  auto run = run_module("sms", f.backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 7u) << "messages without a handle are kept";

  const Json* own = find_record(run, "guid", "G1");
  ASSERT_NE(own, nullptr);
  EXPECT_TRUE((*own)["phone_number"].is_null());
  EXPECT_EQ((*own)["direction"], "sent");
  EXPECT_EQ((*own)["isodate"], "2023-03-08 20:26:40.000000");
  EXPECT_TRUE((*own)["isodate_read"].is_null());
  EXPECT_TRUE(messaging::has_event(
      run, "sms_received",
      "iMessage: G1 \"own group message https://cdn.example.org/own1\" from None "
      "(E:me@icloud.com)"));

  const Json* old_ios = find_record(run, "guid", "G3");
  ASSERT_NE(old_ios, nullptr);
  EXPECT_EQ((*old_ios)["isodate"], "2023-03-08 20:30:00.000000") << "seconds, not nanoseconds";

  const Json* body = find_record(run, "guid", "G4");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ((*body)["text"].get<std::string>().substr(0, 44),
            "Your parcel is waiting, confirm delivery at ");
  EXPECT_EQ((*body)["links"].size(), 1u) << "links of an attributedBody-only message";

  const Json* newline = find_record(run, "guid", "G6");
  ASSERT_NE(newline, nullptr);
  EXPECT_EQ((*newline)["links"], Json::array({"https://bit.ly/3xYz", "www.Example.NET/page"}));
  EXPECT_TRUE(
      messaging::has_event(run, "sms_received",
                           "SMS: G6 \"short https://bit.ly/3xYz and "
                           "www.Example.NET/page\\nsecond line\" from +15551230001 (None)"));
  const Json* bare = find_record(run, "guid", "G7");
  ASSERT_NE(bare, nullptr);
  EXPECT_EQ((*bare)["links"], Json::array()) << "bare host names are checked, not listed";

  // Two threat notifications (both wordings), HIGH, at the message time, without indicators.
  ASSERT_EQ(run.alerts.size(), 2u);
  for (const auto& a : run.alerts) {
    EXPECT_EQ(a.level, Level::high);
    ASSERT_TRUE(a.event_time);
    EXPECT_EQ(a.message, "Apple warning about state-sponsored attack received on " +
                             messaging::iso(*a.event_time));
  }
  EXPECT_EQ(run.alerts[0].event["guid"], "G2");
  EXPECT_EQ(run.alerts[0].message,
            "Apple warning about state-sponsored attack received on 2023-03-08 20:28:20.000000");
  EXPECT_EQ(run.alerts[1].event["guid"], "G3");

  // URL results: the shortener is flagged, the www. link listed, bare hosts not.
  std::size_t shortened = 0;
  bool www = false;
  for (const auto& u : run.urls) {
    shortened += u.shortened;
    www = www || u.url == "www.Example.NET/page";
    EXPECT_EQ(u.source, "sms");
  }
  EXPECT_EQ(shortened, 1u);
  EXPECT_TRUE(www);
}

TEST(Sms, FixtureIndicatorsHitsAndNearMisses) {
  VIGIL_REQUIRE_SHARED();
  SmsFixture f;
  auto iocs = test_iocs();  // example.org, 198.51.100.1, http://example.com/thisisbad …
  auto run = run_module("sms", f.backup, iocs.get());
  std::vector<std::string> hit_guids;
  for (const auto& a : run.alerts)
    if (a.level == Level::critical) hit_guids.push_back(a.event["guid"].get<std::string>());
  // G1: own message without handle (MVT drops it); G4: body only in attributedBody; G7: bare
  // host name. G5 holds only near misses (prefixed label, IOC as left labels, IOC in the query
  // string, IP superstring 198.51.100.10 of 198.51.100.1).
  EXPECT_EQ(hit_guids, (std::vector<std::string>{"G1", "G4", "G7"}));
  for (const auto& a : run.alerts) {
    if (a.level == Level::critical) {
      EXPECT_EQ(a.matched_indicator["value"], "example.org");
    }
  }
  EXPECT_EQ(run.alerts_at(Level::high), 2u);
}

TEST(Sms, MissingTableAndBrokenDatabase) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto path = messaging::payload(backup, kSmsDomain, kSmsPath);
  messaging::make_db(path, "CREATE TABLE other (x INTEGER); INSERT INTO other VALUES (1);");
  auto run = run_module("sms", backup);
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);

  write_file(path, std::string("SQLite format 3\0garbage", 23) + std::string(100, '\x7f'));
  run = run_module("sms", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);

  std::filesystem::remove(path);
  run = run_module("sms", backup);
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_EQ(run.missing.size(), 1u);
}

TEST(SmsAttachments, MvtBackupHasNoAttachmentTable) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("sms_attachments", mvt_backup(), test_iocs().get());
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.events.empty());
  EXPECT_TRUE(run.alerts.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("no attachment table"), std::string::npos);
}

TEST(SmsAttachments, FixtureRecordsAndHeuristic) {
  VIGIL_REQUIRE_SHARED();
  SmsFixture f;
  auto run = run_module("sms_attachments", f.backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 6u) << "attachments without a message row are kept";
  const Json* tmp = find_record(run, "attachment_id", 1);
  ASSERT_NE(tmp, nullptr);
  EXPECT_EQ((*tmp)["service"], "iMessage");
  EXPECT_EQ((*tmp)["phone_number"], "+15551230001");
  EXPECT_EQ((*tmp)["direction"], "received");
  EXPECT_EQ((*tmp)["has_user_info"], true);
  EXPECT_EQ((*tmp)["user_info"], "AA==");
  EXPECT_EQ((*tmp)["isodate"], "2023-03-08 20:26:40.000000");
  EXPECT_TRUE((*tmp)["start_date"].is_null());
  const Json* orphan = find_record(run, "attachment_id", 5);
  ASSERT_NE(orphan, nullptr);
  EXPECT_EQ((*orphan)["service"], "Unknown");
  EXPECT_EQ((*orphan)["filename"], "NULL");
  EXPECT_TRUE((*orphan)["phone_number"].is_null());
  const Json* ns = find_record(run, "attachment_id", 3);
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ((*ns)["isodate"], "2023-03-08 20:30:00.000000");

  EXPECT_EQ(run.events.size(), 5u) << "no event without a creation date";
  EXPECT_TRUE(messaging::has_event(run, "sms_attachment",
                                   "iMessage: Attachment '3F2A9C1D-1' received from +15551230001 "
                                   "with 100 bytes (is_sticker: 0, has_user_info: True)"));
  EXPECT_TRUE(messaging::has_event(run, "sms_attachment",
                                   "iMessage: Attachment '3F2A9C1D-1' sent from None with 100 "
                                   "bytes (is_sticker: 0, has_user_info: False)"));

  // Only the received /var/tmp/…-1 attachment (not the sent one, not …-12).
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::medium);
  EXPECT_EQ(run.alerts[0].message,
            "Suspicious iMessage attachment /var/tmp/com.apple.messages/3F2A9C1D-1 on "
            "2023-03-08 20:26:40.000000");
  ASSERT_TRUE(run.alerts[0].event_time);
  EXPECT_EQ(messaging::iso(*run.alerts[0].event_time), "2023-03-08 20:26:40.000000");
  EXPECT_EQ(run.alerts[0].event["attachment_id"], 1);
}

TEST(SmsAttachments, FixtureFileIndicators) {
  VIGIL_REQUIRE_SHARED();
  SmsFixture f;
  auto iocs = test_iocs({{IocType::file_name, "evil.plist"},
                         {IocType::file_name, "photo.jpe"},
                         {IocType::file_path, "/private/var/mobile/Library/SMS/Attachments/zz"}});
  auto run = run_module("sms_attachments", f.backup, iocs.get());
  std::vector<std::string> high;
  for (const auto& a : run.alerts)
    if (a.level == Level::high) high.push_back(a.message);
  ASSERT_EQ(high.size(), 2u);
  EXPECT_EQ(high[0],
            "Found a known suspicious file name \"~/Library/SMS/Attachments/ab/01/G/evil.plist\" "
            "matching indicators from \"TestMalware\"");
  EXPECT_EQ(high[1],
            "Found a known suspicious file path "
            "\"/private/var/mobile/Library/SMS/Attachments/zz/99/G/photo.jpeg\" matching "
            "indicators from \"TestMalware\"");
  EXPECT_EQ(run.alerts_at(Level::medium), 1u);
}

}  // namespace
}  // namespace vigil::test
