// InteractionC: MVT's real test backup with and without WhatsApp's ContactsV2.sqlite (spec
// §8.3, §8.6), an older CoreDuet layout (no attachment/recipient tables, raw directions), join
// tables with other Core Data entity numbers, and an unknown schema.
#include <gtest/gtest.h>

#include "unit/modules/messaging_fixture.hpp"

namespace vigil::test {
namespace {

constexpr std::string_view kPath = "Library/CoreDuet/People/interactionC.db";

const Json* find_record(const ModuleRun& run, std::string_view key, const Json& value) {
  for (const auto& r : run.records)
    if (r.contains(key) && r[std::string(key)] == value) return &r;
  return nullptr;
}

TEST(InteractionC, MvtBackupWithWhatsappContacts) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("interaction_c", mvt_backup(), test_iocs().get());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.alerts.empty());
  ASSERT_EQ(run.records.size(), 3u);

  const Json* incoming = find_record(run, "sender_identifier", "100000000000001@lid");
  ASSERT_NE(incoming, nullptr);
  EXPECT_EQ((*incoming)["direction"], "INCOMING");
  EXPECT_EQ((*incoming)["sender_resolved_phone_number"], "+14155550100");
  EXPECT_EQ((*incoming)["sender_resolved_name"], "Alice Example");
  EXPECT_EQ((*incoming)["start_date"], "2025-09-08 04:53:20.000000");
  EXPECT_EQ((*incoming)["table_id"], 1);

  const Json* outgoing = find_record(run, "direction", "OUTGOING");
  ASSERT_NE(outgoing, nullptr);
  EXPECT_EQ((*outgoing)["recipient_identifier"], "+14155550100");
  EXPECT_EQ((*outgoing)["recipient_resolved_name"], "Alice Example");
  EXPECT_TRUE((*outgoing)["recipient_resolved_phone_number"].is_null());
  EXPECT_EQ((*outgoing)["domain_resolved_phone_number"], "+14155550100");
  EXPECT_EQ((*outgoing)["domain_resolved_name"], "Alice Example");

  const Json* sms = find_record(run, "bundle_id", "com.apple.MobileSMS");
  ASSERT_NE(sms, nullptr);
  EXPECT_FALSE(sms->contains("sender_resolved_name"));
  EXPECT_EQ((*sms)["sender_display_name"], "Bob Example");
  EXPECT_EQ((*sms)["interactions_creation_date"], "2025-12-09 12:26:40.000000");
  EXPECT_EQ((*sms)["first_incoming_sender_date"], "2025-09-03 13:46:40.000000");

  ASSERT_EQ(run.events.size(), 6u);
  EXPECT_TRUE(messaging::has_event(
      run, "start_date",
      "[net.whatsapp.WhatsApp] INCOMING from Alice Example (+14155550100) to local user"));
  EXPECT_TRUE(messaging::has_event(
      run, "start_date",
      "[net.whatsapp.WhatsApp] OUTGOING from local user to Alice Example (+14155550100)"));
  EXPECT_TRUE(messaging::has_event(
      run, "start_date",
      "[com.apple.MobileSMS] INCOMING from Bob Example (+14155550101) to local user"));
  ASSERT_EQ(messaging::count_events(run, "interactions_creation_date"), 1u);
  ASSERT_EQ(messaging::count_events(run, "first_incoming_sender_date"), 1u);
  for (const auto& e : run.events) {
    if (e.event == "interactions_creation_date") {
      EXPECT_EQ(messaging::iso(e.timestamp), "2025-12-09 12:26:40.000000");
      EXPECT_EQ(e.data,
                "Interaction record created 90 days after the event: [com.apple.MobileSMS] "
                "INCOMING from Bob Example (+14155550101) to local user");
    }
    if (e.event == "first_incoming_sender_date") {
      EXPECT_EQ(messaging::iso(e.timestamp), "2025-09-03 13:46:40.000000");
      EXPECT_EQ(e.data, "First incoming interaction from Bob Example (+14155550101)");
    }
  }
  EXPECT_TRUE(messaging::has_event(run, "last_incoming_sender_date",
                                   "Last incoming interaction from Bob Example (+14155550101)"));
}

TEST(InteractionC, MvtBackupWithoutWhatsappContacts) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  std::filesystem::remove(messaging::payload(
      backup, "AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ContactsV2.sqlite"));
  auto run = run_module("interaction_c", backup);
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.missing.empty()) << "ContactsV2.sqlite is WhatsappContacts' to report";
  ASSERT_EQ(run.records.size(), 3u);
  EXPECT_EQ(run.events.size(), 6u);
  EXPECT_TRUE(messaging::has_data(
      run, "[net.whatsapp.WhatsApp] INCOMING from 100000000000001@lid to local user"));
  EXPECT_TRUE(
      messaging::has_data(run, "[net.whatsapp.WhatsApp] OUTGOING from local user to +14155550100"));
  const Json* incoming = find_record(run, "sender_identifier", "100000000000001@lid");
  ASSERT_NE(incoming, nullptr);
  EXPECT_TRUE((*incoming)["sender_resolved_phone_number"].is_null());
}

// iOS 12-style store: no attachment or recipient join, ZDIRECTION raw, dates partly text; and a
// second store whose Core Data join tables carry other entity numbers.
TEST(InteractionC, OlderLayoutsAndJoinTableNumbers) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto path = messaging::payload(backup, "HomeDomain", kPath);
  messaging::make_db(
      path,
      "CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZSENDER INTEGER, ZSTARTDATE REAL, "
      "ZENDDATE REAL, ZCREATIONDATE REAL, ZBUNDLEID TEXT, ZACCOUNT TEXT, ZDIRECTION INTEGER, "
      "ZISRESPONSE INTEGER, ZMECHANISM INTEGER, ZDOMAINIDENTIFIER TEXT, ZGROUPNAME TEXT);"
      "CREATE TABLE ZCONTACTS (Z_PK INTEGER PRIMARY KEY, ZDISPLAYNAME TEXT, ZIDENTIFIER TEXT, "
      "ZPERSONID TEXT, ZCREATIONDATE REAL, ZFIRSTINCOMINGSENDERDATE REAL, "
      "ZLASTINCOMINGSENDERDATE REAL);"
      "INSERT INTO ZCONTACTS VALUES (1, '+1 (555) 000-0001', '+15550000001', NULL, 700000000.0, "
      "700000000.0, 700000200.0), (2, 'Eve', 'eve@example.com', NULL, NULL, NULL, NULL);"
      "INSERT INTO ZINTERACTIONS VALUES "
      "(1, 1, 700000000.0, 700000060.0, 700000000.5, 'com.apple.MobileSMS', 'acct', 0, 0, 4, "
      "NULL, NULL),"
      "(2, 1, 700000200.0, 700000200.0, 699990000.0, 'com.apple.MobileSMS', NULL, 0, 0, 4, NULL, "
      "'Family'),"
      "(3, 2, NULL, NULL, 700000300.0, 'com.apple.mobilemail', NULL, 1, 0, 1, NULL, NULL),"
      "(4, NULL, 700000400.0, 700000400.0, 700000400.0, 'net.whatsapp.WhatsApp', NULL, 1, 0, 1, "
      "'33600000002@s.whatsapp.net', NULL),"
      "(5, NULL, 700000500.0, NULL, NULL, 'com.example.app', NULL, 2, 0, 1, NULL, NULL);");
  auto run = run_module("interaction_c", backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 5u);
  EXPECT_EQ(run.records[0]["direction"], "INCOMING");
  EXPECT_EQ(run.records[0]["mechanism"], 4);
  EXPECT_TRUE(run.records[0]["content"].is_null());
  EXPECT_TRUE(run.records[0]["recipient_identifier"].is_null());
  EXPECT_EQ(run.records[2]["direction"], "OUTGOING");
  EXPECT_EQ(run.records[4]["direction"], 2) << "unknown values stay raw";
  EXPECT_EQ(run.records[3]["domain_resolved_phone_number"], "+33600000002");

  // The display name is the number itself: shown once.
  const std::string sms = "[com.apple.MobileSMS] acct INCOMING from +15550000001 to local user";
  EXPECT_TRUE(messaging::has_event(run, "start_date", sms));
  EXPECT_TRUE(messaging::has_event(run, "end_date", sms));
  EXPECT_TRUE(messaging::has_event(
      run, "interactions_creation_date",
      "Interaction record created 3 hours before the event: [com.apple.MobileSMS] INCOMING from "
      "+15550000001 to local user (group: Family)"));
  EXPECT_TRUE(messaging::has_event(run, "interactions_creation_date",
                                   "[com.apple.mobilemail] OUTGOING from Eve (eve@example.com) "
                                   "to unknown"));
  EXPECT_TRUE(messaging::has_event(
      run, "start_date", "[net.whatsapp.WhatsApp] OUTGOING from local user to +33600000002"));
  EXPECT_TRUE(
      messaging::has_event(run, "start_date", "[com.example.app] 2 from unknown to unknown"));
  // Per-contact aggregates once, although two interactions carry them.
  EXPECT_EQ(messaging::count_events(run, "first_incoming_sender_date"), 1u);
  EXPECT_EQ(messaging::count_events(run, "contacts_creation_date"), 1u);
  EXPECT_TRUE(messaging::has_event(run, "contacts_creation_date",
                                   "Contact +15550000001 first recorded in interactionC"));

  // Join tables numbered differently (Z_4INTERACTIONS with Z_4ATTACHMENTS/Z_9INTERACTIONS…).
  messaging::make_db(
      path,
      "CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZSENDER INTEGER, ZSTARTDATE REAL, "
      "ZBUNDLEID TEXT, ZDIRECTION INTEGER);"
      "CREATE TABLE ZCONTACTS (Z_PK INTEGER PRIMARY KEY, ZDISPLAYNAME TEXT, ZIDENTIFIER TEXT);"
      "CREATE TABLE ZATTACHMENT (Z_PK INTEGER PRIMARY KEY, ZCONTENTTEXT TEXT, ZIDENTIFIER BLOB);"
      "CREATE TABLE Z_4INTERACTIONS (Z_4ATTACHMENTS INTEGER, Z_9INTERACTIONS INTEGER);"
      "CREATE TABLE Z_7INTERACTIONRECIPIENT (Z_7RECIPIENTS INTEGER, "
      "Z_9INTERACTIONRECIPIENT INTEGER);"
      "INSERT INTO ZCONTACTS VALUES (1, 'Ann', 'ann@example.com'), (2, 'Ben', '+15550000002');"
      "INSERT INTO ZATTACHMENT VALUES (1, 'hello there', X'0A0B');"
      "INSERT INTO ZINTERACTIONS VALUES (1, 1, 700000000.0, 'com.apple.MobileSMS', 0);"
      "INSERT INTO Z_4INTERACTIONS VALUES (1, 1);"
      "INSERT INTO Z_7INTERACTIONRECIPIENT VALUES (2, 1);");
  run = run_module("interaction_c", backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.records[0]["content"], "hello there");
  EXPECT_EQ(run.records[0]["attachment_id"], "0A0B");
  EXPECT_EQ(run.records[0]["recipient_display_name"], "Ben");
  EXPECT_TRUE(messaging::has_event(
      run, "start_date",
      "[com.apple.MobileSMS] INCOMING from Ann (ann@example.com) to Ben (+15550000002): hello "
      "there"));
}

TEST(InteractionC, ContactEventsOncePerContactAcrossManyContacts) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto path = messaging::payload(backup, "HomeDomain", kPath);
  // 1,500 contacts (more than the first tables of seen events hold), each the sender of three
  // interactions; contact 7's creation date equals contact 8's and stays two events.
  std::string sql =
      "CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZSENDER INTEGER, ZSTARTDATE REAL, "
      "ZBUNDLEID TEXT, ZDIRECTION INTEGER);"
      "CREATE TABLE ZCONTACTS (Z_PK INTEGER PRIMARY KEY, ZDISPLAYNAME TEXT, ZIDENTIFIER TEXT, "
      "ZCREATIONDATE REAL);BEGIN;";
  constexpr int kContacts = 1500;
  for (int c = 1; c <= kContacts; ++c)
    sql += "INSERT INTO ZCONTACTS VALUES (" + std::to_string(c) + ", 'Person " + std::to_string(c) +
           "', 'p" + std::to_string(c) + "@example.com', " +
           std::to_string(c == 7 ? 700000008 : 700000000 + c) + ".0);";
  for (int i = 0; i < 3 * kContacts; ++i)
    sql += "INSERT INTO ZINTERACTIONS VALUES (" + std::to_string(i + 1) + ", " +
           std::to_string(i % kContacts + 1) + ", " + std::to_string(710000000 + i) +
           ".0, 'com.apple.mobilemail', 0);";
  messaging::make_db(path, sql + "COMMIT;");
  auto run = run_module("interaction_c", backup);
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_EQ(run.records.size(), 3u * kContacts);
  EXPECT_EQ(messaging::count_events(run, "contacts_creation_date"), std::size_t{kContacts});
  for (const char* who : {"p7@example.com", "p8@example.com"})
    EXPECT_TRUE(
        messaging::has_event(run, "contacts_creation_date",
                             "Contact " + std::string(who) + " first recorded in interactionC"));
}

TEST(InteractionC, UnknownSchemaAndBrokenFile) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = messaging::copy_backup(dir);
  auto path = messaging::payload(backup, "HomeDomain", kPath);
  messaging::make_db(path, "CREATE TABLE ZOTHER (Z_PK INTEGER PRIMARY KEY);");
  auto run = run_module("interaction_c", backup);
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);

  auto bytes = read_file(mvt_backup() / "1f/1f5a521220a3ad80ebfdc196978df8e7a2e49dee");
  write_file(path, bytes.substr(0, bytes.size() / 2));  // truncated
  run = run_module("interaction_c", backup);
  EXPECT_FALSE(run.warnings.empty());
}

}  // namespace
}  // namespace vigil::test
