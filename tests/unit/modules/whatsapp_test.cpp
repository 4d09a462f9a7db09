// Whatsapp and WhatsappContacts: MVT's real test backup (spec §8.3, §8.6), the iLEAPP iOS 15
// ChatStorage.sqlite (WAL journal mode), a WAL holding rows the database file does not, WhatsApp
// Business's container, link previews and media URLs, schema variants and broken databases.
#include <gtest/gtest.h>

#include "unit/modules/messaging_fixture.hpp"

namespace vigil::test {
namespace {

using indicators::IocType;
using messaging::q;
using modules::Level;

constexpr std::string_view kDomain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";
constexpr std::string_view kBusiness = "AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared";

std::vector<Json> of_type(const ModuleRun& run, std::string_view type) {
  std::vector<Json> out;
  for (const auto& r : run.records) {
    if (type == "message" ? r.contains("ZTEXT") : r.value("record_type", "") == type)
      out.push_back(r);
  }
  return out;
}

TEST(Whatsapp, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("whatsapp", mvt_backup());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.alerts.empty());
  ASSERT_EQ(run.records.size(), 6u);
  auto messages = of_type(run, "message");
  auto sessions = of_type(run, "chat_session");
  auto pairs = of_type(run, "lid_phone_number_pair");
  ASSERT_EQ(messages.size(), 3u);
  ASSERT_EQ(sessions.size(), 2u);
  ASSERT_EQ(pairs.size(), 1u);

  EXPECT_EQ(pairs[0]["lid"], "100000000000001");
  EXPECT_EQ(pairs[0]["phone_number"], "14155550100");
  EXPECT_EQ(pairs[0]["pair_timestamp"], "2025-08-25 07:33:20.000000");

  EXPECT_FALSE(messages[0].contains("links")) << "no links and a non-blank text";
  EXPECT_EQ(messages[0]["isodate"], "2025-08-27 15:06:40.000000");
  EXPECT_EQ(messages[0]["app"], "WhatsApp");
  EXPECT_EQ(messages[1]["links"], Json::array({"https://example.org/news"}));
  EXPECT_TRUE(messages[1]["ZFROMJID"].is_null());
  EXPECT_TRUE(messages[1].contains("ZMATCHEDTEXT"));

  const Json& alice = sessions[0]["partner_name"] == "Alice Example" ? sessions[0] : sessions[1];
  const Json& group = sessions[0]["partner_name"] == "Alice Example" ? sessions[1] : sessions[0];
  EXPECT_EQ(alice["contact_jid"], "100000000000001@lid");
  EXPECT_EQ(alice["partner_resolved_phone_number"], "+14155550100");
  EXPECT_EQ(alice["first_stored_message_date"], "2025-08-27 15:06:40.000000");
  EXPECT_EQ(alice["last_message_date"], "2025-08-28 18:53:20.000000");
  EXPECT_TRUE(alice["group_creation_date"].is_null());
  EXPECT_EQ(alice["stored_message_count"], 2);
  EXPECT_EQ(group["partner_name"], "Example Group");
  EXPECT_EQ(group["group_creation_date"], "2025-08-21 20:13:20.000000");
  EXPECT_EQ(group["first_stored_message_date"], "2025-08-29 22:40:00.000000");
  EXPECT_EQ(group["last_stored_message_date"], "2025-08-29 22:40:00.000000");
  EXPECT_EQ(group["last_message_date"], "2025-08-31 02:26:40.000000");
  EXPECT_TRUE(group["partner_resolved_phone_number"].is_null());

  ASSERT_EQ(run.events.size(), 9u);
  auto at = [&](std::string_view time, std::string_view event, std::string_view data) {
    for (const auto& e : run.events)
      if (messaging::iso(e.timestamp) == time && e.event == event && e.data == data) return true;
    return false;
  };
  EXPECT_TRUE(at("2025-08-27 15:06:40.000000", "message", "'Hi' from 14155550100@s.whatsapp.net"));
  EXPECT_TRUE(at("2025-08-28 18:53:20.000000", "message",
                 "'Check https://example.org/news' from None - Embedded links: "
                 "https://example.org/news"));
  EXPECT_TRUE(
      at("2025-08-29 22:40:00.000000", "message", "'Welcome' from 14155550101@s.whatsapp.net"));
  EXPECT_TRUE(at("2025-08-27 15:06:40.000000", "chat_first_message",
                 "First stored message in WhatsApp chat with 'Alice Example' (+14155550100)"));
  EXPECT_TRUE(at("2025-08-28 18:53:20.000000", "chat_last_message",
                 "Last message in WhatsApp chat with 'Alice Example' (+14155550100)"));
  EXPECT_TRUE(at("2025-08-25 07:33:20.000000", "lid_pair_recorded",
                 "WhatsApp associated LID 100000000000001 with phone number 14155550100"));
  EXPECT_TRUE(at("2025-08-21 20:13:20.000000", "group_created",
                 "WhatsApp group chat 'Example Group' (120000000000000001@g.us) was created"));
  EXPECT_TRUE(at("2025-08-29 22:40:00.000000", "chat_first_message",
                 "First stored message in WhatsApp group chat 'Example Group' "
                 "(120000000000000001@g.us)"));
  EXPECT_TRUE(at("2025-08-31 02:26:40.000000", "chat_last_message",
                 "Last message in WhatsApp group chat 'Example Group' (120000000000000001@g.us)"));

  ASSERT_EQ(run.urls.size(), 1u);
  EXPECT_EQ(run.urls[0].url, "https://example.org/news");
  EXPECT_EQ(run.urls[0].source, "whatsapp");
  ASSERT_TRUE(run.urls[0].timestamp);
  EXPECT_EQ(messaging::iso(*run.urls[0].timestamp), "2025-08-28 18:53:20.000000");
}

TEST(Whatsapp, MvtBackupGeneratedIndicators) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs();
  auto run = run_module("whatsapp", mvt_backup(), iocs.get());
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].message,
            "Found a known suspicious domain https://example.org/news matching indicator "
            "\"example.org\" from \"TestMalware\"");
  EXPECT_EQ(run.alerts[0].event["Z_PK"], 2);
  EXPECT_EQ(run.alerts[0].matched_indicator["value"], "example.org");
}

// The iLEAPP extract of Josh Hickman's iOS 15.3.1 image: ChatStorage.sqlite in WAL journal
// mode with its -wal and -shm beside it, and the full real schema (74 tables and indexes).
TEST(Whatsapp, IleappIos15WalModeDatabase) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto zip = shared_dir() /
             "corpus/ileapp/admin/test/cases/data/whatsApp/"
             "testdata.whatsApp.whatsAppMessages.josh_ios15_ffs.zip";
  extract_archive(zip, dir.path() / "ileapp");
  std::filesystem::path source;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "ileapp"))
    if (e.path().filename() == "ChatStorage.sqlite") source = e.path();
  ASSERT_FALSE(source.empty());
  auto target = messaging::payload(backup, kDomain, "ChatStorage.sqlite");
  std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing);
  for (std::string_view side : {"-wal", "-shm"}) {
    auto s = source;
    s += side;
    auto t = target;
    t += side;
    ASSERT_TRUE(std::filesystem::exists(s));
    std::filesystem::copy_file(s, t);
  }
  std::filesystem::remove(messaging::payload(backup, kDomain, "LID.sqlite"));
  auto before = read_file(target);

  auto run = run_module("whatsapp", backup, test_iocs().get());
  EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
  EXPECT_EQ(of_type(run, "message").size(), 32u);
  EXPECT_EQ(of_type(run, "chat_session").size(), 5u);
  EXPECT_EQ(of_type(run, "lid_phone_number_pair").size(), 0u);
  EXPECT_TRUE(run.urls.empty()) << "only WhatsApp media URLs, which are not links";
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(messaging::has_data(run,
                                  "Last message in WhatsApp chat with 'This Is DFIR Two' "
                                  "(19198887386@s.whatsapp.net)"));
  EXPECT_EQ(read_file(target), before) << "evidence untouched";
}

const char* kChatSchema = R"(
CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZCHATSESSION INTEGER, ZFROMJID TEXT,
  ZTOJID TEXT, ZTEXT TEXT, ZMESSAGEDATE REAL, ZMESSAGETYPE INTEGER, ZISFROMME INTEGER);
CREATE TABLE ZWAMEDIAITEM (Z_PK INTEGER PRIMARY KEY, ZMESSAGE INTEGER, ZAUTHORNAME TEXT,
  ZMEDIAURL TEXT);
CREATE TABLE ZWAMESSAGEDATAITEM (Z_PK INTEGER PRIMARY KEY, ZMESSAGE INTEGER, ZCONTENT1 TEXT,
  ZCONTENT2 TEXT, ZMATCHEDTEXT TEXT, ZSUMMARY TEXT, ZTITLE TEXT);
CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID TEXT, ZPARTNERNAME TEXT,
  ZSESSIONTYPE INTEGER, ZARCHIVED INTEGER, ZREMOVED INTEGER, ZHIDDEN INTEGER,
  ZMESSAGECOUNTER INTEGER, ZLASTMESSAGEDATE REAL, ZGROUPINFO INTEGER);
CREATE TABLE ZWAGROUPINFO (Z_PK INTEGER PRIMARY KEY, ZCHATSESSION INTEGER, ZCREATIONDATE REAL);
)";

// Rows committed to the WAL but not yet checkpointed into the database file are evidence too.
TEST(Whatsapp, RowsOnlyInTheWal) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto work = dir.path() / "work.sqlite";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(work.c_str(), &db), SQLITE_OK);
  std::string sql = std::string("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;") +
                    kChatSchema +
                    "INSERT INTO ZWACHATSESSION VALUES (1, '33100000001@s.whatsapp.net', "
                    "'Carol', 0, 0, 0, 0, 2, 700000100.0, NULL);"
                    "INSERT INTO ZWAMESSAGE VALUES (1, 1, '33100000001@s.whatsapp.net', NULL, "
                    "'in the file', 700000000.0, 0, 0);"
                    "PRAGMA wal_checkpoint(TRUNCATE);"
                    "INSERT INTO ZWAMESSAGE VALUES (2, 1, '33100000001@s.whatsapp.net', NULL, "
                    "'only in the WAL https://m.example.org/wal', 700000100.0, 0, 0);";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  auto target = messaging::payload(backup, kDomain, "ChatStorage.sqlite");
  std::filesystem::copy_file(work, target, std::filesystem::copy_options::overwrite_existing);
  auto wal = work;
  wal += "-wal";
  auto target_wal = target;
  target_wal += "-wal";
  std::filesystem::copy_file(wal, target_wal);
  sqlite3_close(db);

  auto run = run_module("whatsapp", backup, test_iocs().get());
  EXPECT_TRUE(run.warnings.empty());
  auto messages = of_type(run, "message");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1]["ZTEXT"], "only in the WAL https://m.example.org/wal");
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].event["Z_PK"], 2);
  auto sessions = of_type(run, "chat_session");
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0]["stored_message_count"], 2);
}

// WhatsApp Business: the same databases in its own container; media URLs are not links, link
// previews are.
TEST(Whatsapp, BusinessContainerPreviewsAndMedia) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  messaging::make_db(
      messaging::payload(backup, kBusiness, "ChatStorage.sqlite"),
      std::string(kChatSchema) +
          "INSERT INTO ZWACHATSESSION VALUES (1, '200000000000009@lid', 'Shop', 0, 0, 0, 0, 3, "
          "700000300.0, NULL);"
          "INSERT INTO ZWAMESSAGE VALUES (1, 1, '200000000000009@lid', NULL, NULL, 700000000.0, "
          "1, 0), (2, 1, '200000000000009@lid', NULL, 'see the preview', 700000100.0, 0, 0),"
          "(3, 1, NULL, '200000000000009@lid', 'not a hit: https://notexample.org/x\n"
          "https://mmg.example.org.evil.net/y', 700000200.0, 0, 1);"
          "INSERT INTO ZWAMEDIAITEM VALUES (1, 1, 'Shop', "
          "'https://mmg.whatsapp.net/v/t62.7118-24/1_2_n.enc?ccb=11-4'),"
          "(2, 2, NULL, 'https://MMG-FNA.whatsapp.net/d/f/abc.enc');"
          "INSERT INTO ZWAMESSAGEDATAITEM VALUES (1, 2, NULL, NULL, "
          "'https://login.example.org/p/1', 'Summary', 'Title');"
          "CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, "
          "Z_OPT INTEGER, ZTIMESTAMP REAL, ZLID TEXT, ZPHONENUMBER TEXT);"
          "INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (1, 3, 1, NULL, '200000000000009@lid', "
          "'+4915100000009@s.whatsapp.net');");
  auto run = run_module("whatsapp", backup, test_iocs().get());
  EXPECT_TRUE(run.warnings.empty());
  std::vector<Json> business;
  for (const auto& r : run.records)
    if (r["app"] == "WhatsApp Business") business.push_back(r);
  ASSERT_EQ(business.size(), 5u);  // 3 messages, 1 pair, 1 chat
  EXPECT_EQ(business[0]["links"], Json::array()) << "media only, blank text";
  EXPECT_EQ(business[1]["links"], Json::array({"https://login.example.org/p/1"}));
  EXPECT_EQ(business[1]["ZMATCHEDTEXT"], "https://login.example.org/p/1");
  EXPECT_EQ(business[3]["record_type"], "lid_phone_number_pair");
  EXPECT_TRUE(business[3]["pair_timestamp"].is_null());
  EXPECT_EQ(business[4]["partner_resolved_phone_number"], "+4915100000009");

  std::vector<const modules::Alert*> hits;
  for (const auto& a : run.alerts) hits.push_back(&a);
  ASSERT_EQ(hits.size(), 2u);  // the regular WhatsApp message and the Business preview
  EXPECT_EQ(hits[1]->event["app"], "WhatsApp Business");
  EXPECT_EQ(hits[1]->message,
            "Found a sub-domain with a suspicious top level https://login.example.org/p/1 "
            "matching indicator \"example.org\" from \"TestMalware\"");
  std::size_t business_urls = 0;
  for (const auto& u : run.urls) business_urls += u.source == "whatsapp_business";
  EXPECT_EQ(business_urls, 3u);  // the preview and the two near misses
  EXPECT_TRUE(messaging::has_event(
      run, "message",
      "[WhatsApp Business] 'see the preview' from 200000000000009@lid - Embedded links: "
      "https://login.example.org/p/1"));
  EXPECT_TRUE(messaging::has_data(
      run, "[WhatsApp Business] Last message in WhatsApp chat with 'Shop' (+4915100000009)"));
  EXPECT_TRUE(
      messaging::has_event(run, "message",
                           "[WhatsApp Business] 'not a hit: https://notexample.org/x\\n"
                           "https://mmg.example.org.evil.net/y' from None - Embedded links: "
                           "https://notexample.org/x, https://mmg.example.org.evil.net/y"));
}

TEST(Whatsapp, UnknownSchemaAndBrokenDatabase) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto path = messaging::payload(backup, kDomain, "ChatStorage.sqlite");
  messaging::make_db(path, "CREATE TABLE ZOTHER (Z_PK INTEGER PRIMARY KEY);");
  auto run = run_module("whatsapp", backup);
  EXPECT_EQ(of_type(run, "message").size(), 0u);
  ASSERT_FALSE(run.warnings.empty());
  for (const auto& w : run.warnings) EXPECT_NE(w.find("schema not recognised"), std::string::npos);
  EXPECT_EQ(of_type(run, "lid_phone_number_pair").size(), 1u) << "LID.sqlite is still read";

  write_file(path, std::string(4096, '\0'));
  run = run_module("whatsapp", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

TEST(WhatsappContacts, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("whatsapp_contacts", mvt_backup(), test_iocs().get());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.alerts.empty());
  ASSERT_EQ(run.records.size(), 2u);
  const Json& alice = run.records[0];
  EXPECT_EQ(alice["row_pk"], 1);
  EXPECT_EQ(alice["full_name"], "Alice Example");
  EXPECT_EQ(alice["phone_number"], "+14155550100");
  EXPECT_EQ(alice["whatsapp_id"], "14155550100@s.whatsapp.net");
  EXPECT_EQ(alice["lid"], "100000000000001@lid");
  EXPECT_EQ(alice["user_name"], "alice.example");
  EXPECT_EQ(alice["disappearing_mode_duration"], 86400.0);
  EXPECT_EQ(alice["disappearing_mode_is_on"], true);
  EXPECT_EQ(alice["disappearing_mode_label"], "24 hours");
  EXPECT_EQ(alice["disappearing_mode_timestamp"], "2025-07-23 21:46:40.000000");
  EXPECT_EQ(alice["about_timestamp"], "2025-07-12 08:00:00.000000");
  EXPECT_EQ(alice["about_expiration_timestamp"], "2025-08-16 01:20:00.000000");
  EXPECT_EQ(alice["last_updated"], "2025-08-04 11:33:20.000000");
  EXPECT_EQ(alice["phone_status"], 1);
  EXPECT_EQ(alice["app"], "WhatsApp");
  const Json& bob = run.records[1];
  EXPECT_TRUE(bob["lid"].is_null());
  EXPECT_TRUE(bob["disappearing_mode_duration"].is_null());
  EXPECT_EQ(bob["disappearing_mode_is_on"], false);
  EXPECT_EQ(bob["disappearing_mode_label"], "off");
  EXPECT_TRUE(bob["disappearing_mode_timestamp"].is_null());

  ASSERT_EQ(run.events.size(), 5u);
  EXPECT_TRUE(messaging::has_event(run, "disappearing_mode_set",
                                   "WhatsApp disappearing messages timer set to '24 hours' for "
                                   "14155550100@s.whatsapp.net (Alice Example)"));
  EXPECT_TRUE(messaging::has_event(run, "about_changed",
                                   "WhatsApp about text of 14155550100@s.whatsapp.net (Alice "
                                   "Example) changed to \"Hey there! I am using WhatsApp.\""));
  EXPECT_TRUE(messaging::has_event(
      run, "about_expiration",
      "WhatsApp about text of 14155550100@s.whatsapp.net (Alice Example) scheduled to expire"));
  std::size_t updated = 0;
  for (const auto& e : run.events)
    if (e.event == "contact_last_updated") {
      ++updated;
      EXPECT_EQ(messaging::iso(e.timestamp), "2025-08-04 11:33:20.000000");
    }
  EXPECT_EQ(updated, 2u);
  EXPECT_TRUE(messaging::has_event(
      run, "contact_last_updated",
      "WhatsApp contact record for 14155550101@s.whatsapp.net (Bob Example) updated"));
}

TEST(WhatsappContacts, MissingDatabaseIsNotAnError) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  std::filesystem::remove(messaging::payload(backup, kDomain, "ContactsV2.sqlite"));
  auto run = run_module("whatsapp_contacts", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_EQ(run.missing.size(), 1u);
}

// An older layout: text columns, ZPHONENUMBERSTATUS, no disappearing-mode column (state unknown,
// not "off"); and WhatsApp Business's contacts beside it.
TEST(WhatsappContacts, SchemaVariantAndBusiness) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  messaging::make_db(
      messaging::payload(backup, kBusiness, "ContactsV2.sqlite"),
      "CREATE TABLE ZWAADDRESSBOOKCONTACT (Z_PK INTEGER PRIMARY KEY, ZFULLNAME TEXT, "
      "ZPHONENUMBER TEXT, ZWHATSAPPID TEXT, ZLASTUPDATED REAL, ZPHONENUMBERSTATUS INTEGER);"
      "INSERT INTO ZWAADDRESSBOOKCONTACT VALUES (7, 'Dana', '+33 6 00 00 00 07', NULL, "
      "700000000.0, 2), (8, NULL, NULL, NULL, NULL, NULL);");
  auto run = run_module("whatsapp_contacts", backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 4u);
  const Json& dana = run.records[2];
  EXPECT_EQ(dana["app"], "WhatsApp Business");
  EXPECT_EQ(dana["full_name"], "Dana");
  EXPECT_EQ(dana["phone_status"], 2);
  EXPECT_TRUE(dana["lid"].is_null());
  EXPECT_TRUE(dana["disappearing_mode_duration"].is_null());
  EXPECT_TRUE(dana["disappearing_mode_is_on"].is_null());
  EXPECT_TRUE(dana["disappearing_mode_label"].is_null());
  EXPECT_TRUE(messaging::has_event(
      run, "contact_last_updated",
      "[WhatsApp Business] WhatsApp contact record for +33 6 00 00 00 07 (Dana) updated"));
  EXPECT_EQ(run.events.size(), 6u);
}

TEST(WhatsappContacts, MissingTableIsAWarning) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  messaging::make_db(messaging::payload(backup, kDomain, "ContactsV2.sqlite"),
                     "CREATE TABLE ZOTHER (Z_PK INTEGER PRIMARY KEY);");
  auto run = run_module("whatsapp_contacts", backup);
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);
}

}  // namespace
}  // namespace vigil::test
