// The SYSTEM group besides Datausage: Calendar on MVT's real backup (spec §8.3, §8.6), and
// ConfigurationProfiles, ProfileEvents, Applications, IDStatusCache, LocationdClients,
// OSAnalyticsADDaily, Calls and Contacts on fixtures written into a copy of that backup (MVT's
// backup lacks those artifacts).
#include <gtest/gtest.h>

#include <set>

#include "core/hash.hpp"
#include "core/plist.hpp"
#include "core/time.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"
#include "unit/modules/module_harness.hpp"
#include "unit/modules/system_fixture.hpp"

namespace vigil::test {
namespace {

using indicators::IocType;
using modules::Level;
using system::add_manifest_row;
using system::copy_backup;
using system::make_db;
using system::put_file;
using system::xml_plist;

std::string iso(const std::optional<core::Micros>& t) { return t ? core::format_iso(*t) : "-"; }

std::vector<std::string> messages(const ModuleRun& run, Level level) {
  std::vector<std::string> out;
  for (const auto& a : run.alerts)
    if (a.level == level) out.push_back(a.message);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Not present in MVT's backup (§8.6 "database not found").

TEST(SystemModules, AbsentFromMvtBackup) {
  VIGIL_REQUIRE_SHARED();
  for (std::string_view slug :
       {"configuration_profiles", "profile_events", "id_status_cache", "locationd_clients",
        "os_analytics_ad_daily", "calls", "contacts"}) {
    auto run = run_module(slug, mvt_backup());
    EXPECT_TRUE(run.records.empty()) << slug;
    EXPECT_TRUE(run.events.empty()) << slug;
    EXPECT_TRUE(run.alerts.empty()) << slug;
    EXPECT_TRUE(run.warnings.empty()) << slug;
    EXPECT_EQ(run.missing.size(), 1u) << slug;
  }
  // Applications: Info.plist has no Applications key there.
  auto run = run_module("applications", mvt_backup());
  EXPECT_TRUE(run.records.empty());
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.missing.empty());
}

// ---------------------------------------------------------------------------------------------
// Calendar

TEST(Calendar, MvtBackup) {
  VIGIL_REQUIRE_SHARED();
  auto run = run_module("calendar", mvt_backup());
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.events.size(), 4u);
  EXPECT_TRUE(run.alerts.empty());
  EXPECT_TRUE(run.warnings.empty());
  const auto& r = run.records[0];
  EXPECT_EQ(r["summary"], "Super interesting meeting");
  EXPECT_EQ(r["start_date"], "2023-04-18 09:15:00.000000");
  EXPECT_EQ(r["end_date"], "2023-04-18 10:15:00.000000");
  EXPECT_EQ(r["creation_date"], "2023-04-11 18:30:06.000000");
  EXPECT_EQ(r["last_modified"], "2023-04-11 18:30:38.000000");
  EXPECT_EQ(r["participant_email"], "user@example.org");
  EXPECT_TRUE(r["participant_last_modified"].is_null());
  // MVT's record, key for key.
  auto reference = modules::Json::parse(
      read_file(shared_dir() / "corpus/mvt-reference-output/ios_backup/calendar.json"));
  ASSERT_EQ(reference.size(), 1u);
  EXPECT_EQ(r, reference[0]);
  std::set<std::string> events;
  for (const auto& e : run.events) {
    events.insert(core::format_iso(e.timestamp) + " " + e.event);
    EXPECT_EQ(e.data,
              "Calendar event Super interesting meeting (very very interesting things) "
              "(invitation by user@example.org)");
  }
  EXPECT_EQ(events, (std::set<std::string>{"2023-04-11 18:30:06.000000 creation_date",
                                           "2023-04-11 18:30:38.000000 last_modified",
                                           "2023-04-18 09:15:00.000000 start_date",
                                           "2023-04-18 10:15:00.000000 end_date"}));
}

TEST(Calendar, EmailIndicatorRaisesCritical) {
  VIGIL_REQUIRE_SHARED();
  auto iocs = test_iocs({{IocType::email, "user@example.org"}});
  auto run = run_module("calendar", mvt_backup(), iocs.get());
  EXPECT_EQ(run.records.size(), 1u);
  EXPECT_EQ(run.events.size(), 4u);
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].message,
            "Found a known suspicious email address \"user@example.org\" matching indicators "
            "from \"TestMalware\"");
  EXPECT_EQ(run.alerts[0].event["summary"], "Super interesting meeting");

  // Near misses: another local part, a sub-domain.
  iocs =
      test_iocs({{IocType::email, "ser@example.org"}, {IocType::email, "user@mail.example.org"}});
  run = run_module("calendar", mvt_backup(), iocs.get());
  EXPECT_TRUE(run.alerts.empty());
  // The generated IOCs alone (foobar@example.org) do not match either.
  iocs = test_iocs();
  run = run_module("calendar", mvt_backup(), iocs.get());
  EXPECT_TRUE(run.alerts.empty());
}

TEST(Calendar, QuadreamEventAndOldSchema) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  // An older layout: no action/created_by_id columns and no Participant table.
  make_db(backup, "HomeDomain", "Library/Calendar/Calendar.sqlitedb",
          "CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, "
          "description TEXT, start_date REAL, end_date REAL, all_day INTEGER, calendar_id "
          "INTEGER, organizer_id INTEGER, url TEXT, last_modified REAL, external_id TEXT, "
          "external_mod_tag TEXT, unique_identifier TEXT, hidden INTEGER, UUID TEXT, "
          "creation_date REAL);"
          "INSERT INTO CalendarItem VALUES (1, 'Meeting', 'Notes', 640000000.0, 640003600.0, 0, "
          "1, 0, NULL, 0, NULL, NULL, NULL, 0, 'AAAA-1111', 639000000.0);"
          "INSERT INTO CalendarItem VALUES (2, 'Meeting', 'Agenda', 640000000.0, NULL, 0, 1, 0, "
          "NULL, NULL, NULL, NULL, NULL, 0, 'BBBB-2222', NULL);"
          "INSERT INTO CalendarItem VALUES (3, 'meeting', 'Notes', NULL, NULL, 0, 1, 0, NULL, "
          "NULL, NULL, NULL, NULL, 0, 'CCCC-3333', NULL);");
  auto run = run_module("calendar", backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 3u);
  EXPECT_TRUE(run.records[0]["action"].is_null());
  EXPECT_TRUE(run.records[0]["participant_email"].is_null());
  EXPECT_TRUE(run.records[0]["last_modified"].is_null()) << "0 is 'not set'";
  EXPECT_EQ(run.records[0]["start_date"], core::format_iso(*core::from_cocoa(640000000.0)));
  ASSERT_EQ(run.alerts.size(), 1u);
  EXPECT_EQ(run.alerts[0].level, Level::high);
  EXPECT_EQ(run.alerts[0].message, "Potential Quadream exploit event identified: AAAA-1111");
  // start, end, creation of item 1; start of item 2.
  EXPECT_EQ(run.events.size(), 4u);
  for (const auto& e : run.events) {
    if (e.event == "end_date") {
      EXPECT_EQ(e.data, "Calendar event Meeting (Notes) (invitation by None)");
    }
  }
}

TEST(Calendar, MissingTableWarns) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  make_db(backup, "HomeDomain", "Library/Calendar/Calendar.sqlitedb",
          "CREATE TABLE Other (x INTEGER);");
  auto run = run_module("calendar", backup);
  EXPECT_TRUE(run.records.empty());
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("schema not recognised"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// ConfigurationProfiles and ProfileEvents

constexpr std::string_view kProfileDomain =
    "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";
constexpr std::string_view kBadUuid = "76DAB334-7E17-475D-A5D6-0794EB5818A5";

std::string profile_plist(std::string_view uuid, std::string_view name, std::string_view content) {
  return xml_plist(
      "<dict><key>PayloadType</key><string>Configuration</string>"
      "<key>PayloadUUID</key><string>" +
      std::string(uuid) + "</string><key>PayloadDisplayName</key><string>" + std::string(name) +
      "</string><key>PayloadDescription</key><string>" + std::string(name) +
      " settings</string><key>InstallDate</key><date>2023-01-02T03:04:05Z</date>"
      "<key>SignerCerts</key><array><data>AAECAw==</data></array>" +
      std::string(content) + "</dict>");
}

std::string payloads(std::initializer_list<std::string_view> types) {
  std::string out = "<key>PayloadContent</key><array>";
  for (auto t : types)
    out += "<dict><key>PayloadType</key><string>" + std::string(t) +
           "</string><key>PERSISTENT_REF</key><data>AQI=</data></dict>";
  return out + "</array>";
}

std::filesystem::path profiles_backup(const TempDir& dir) {
  auto backup = copy_backup(dir);
  struct P {
    std::string file, uuid, name, content;
  };
  const std::vector<P> profiles = {
      {"profile-aaa.stub", std::string(kBadUuid), "Security Update",
       payloads({"com.apple.webClip.managed"})},
      {"profile-bbb.stub", std::string(kBadUuid.substr(0, kBadUuid.size() - 1)), "Settings",
       payloads({"com.apple.webClip.managed"})},
      {"profile-ccc.stub", "11111111-2222-3333-4444-555555555555", "Quiet",
       payloads({"com.apple.wifi.managed", "com.apple.notificationsettings"})},
      {"profile-ddd.stub", "66666666-2222-3333-4444-555555555555", "Empty", ""},
  };
  for (const auto& p : profiles) {
    std::string rel = "Library/ConfigurationProfiles/" + p.file;
    add_manifest_row(backup, kProfileDomain, rel);
    put_file(backup, kProfileDomain, rel, profile_plist(p.uuid, p.name, p.content));
  }
  // Not profiles: another file of the domain, a directory named profile-…, a broken plist.
  add_manifest_row(backup, kProfileDomain, "Library/ConfigurationProfiles/CloudConfig.plist");
  put_file(backup, kProfileDomain, "Library/ConfigurationProfiles/CloudConfig.plist",
           xml_plist("<dict/>"));
  add_manifest_row(backup, kProfileDomain, "Library/ConfigurationProfiles/profile-dir", 2);
  add_manifest_row(backup, kProfileDomain, "Library/ConfigurationProfiles/profile-broken.stub");
  put_file(backup, kProfileDomain, "Library/ConfigurationProfiles/profile-broken.stub",
           "not a plist");
  return backup;
}

TEST(ConfigurationProfiles, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = profiles_backup(dir);
  auto iocs = test_iocs({{IocType::profile, std::string(kBadUuid)}});
  auto run = run_module("configuration_profiles", backup, iocs.get());
  ASSERT_EQ(run.records.size(), 5u) << "4 profiles + the unparsable one (as {})";
  EXPECT_EQ(run.warnings.size(), 1u) << "the broken plist";
  EXPECT_EQ(run.events.size(), 4u);
  const modules::Json* bad = nullptr;
  for (const auto& r : run.records)
    if (r["relative_path"] == "Library/ConfigurationProfiles/profile-aaa.stub") bad = &r;
  ASSERT_NE(bad, nullptr);
  EXPECT_EQ((*bad)["domain"], kProfileDomain);
  EXPECT_EQ((*bad)["file_id"], vfs::IosBackup::file_id(kProfileDomain,
                                                       "Library/ConfigurationProfiles/"
                                                       "profile-aaa.stub"));
  EXPECT_EQ((*bad)["install_date"], "2023-01-02 03:04:05.000000");
  EXPECT_EQ((*bad)["plist"]["SignerCerts"][0], "AAECAw==");
  EXPECT_EQ((*bad)["plist"]["PayloadContent"][0]["PERSISTENT_REF"], "AQI=");

  EXPECT_EQ(messages(run, Level::critical),
            (std::vector<std::string>{"Found a known malicious configuration profile \"Security "
                                      "Update\" with UUID \"" +
                                      std::string(kBadUuid) + "\""}));
  EXPECT_EQ(messages(run, Level::medium),
            (std::vector<std::string>{"Found a potentially suspicious configuration profile "
                                      "\"Quiet\" with payload type "
                                      "com.apple.notificationsettings"}));
  EXPECT_EQ(run.alerts.size(), 2u) << "the UUID minus its last character is not the indicator";
  for (const auto& a : run.alerts) {
    if (a.level == Level::critical) {
      EXPECT_EQ(a.matched_indicator["value"], kBadUuid);
    }
  }
  bool found = false;
  for (const auto& e : run.events)
    found = found || (e.event == "configuration_profile_install" &&
                      e.data == "Configuration installed: " + std::string(kBadUuid) +
                                    " - Security Update: Security Update settings" &&
                      core::format_iso(e.timestamp) == "2023-01-02 03:04:05.000000");
  EXPECT_TRUE(found);

  // Without indicators: the notification-settings heuristic still runs.
  run = run_module("configuration_profiles", backup);
  EXPECT_EQ(messages(run, Level::medium).size(), 1u);
  EXPECT_EQ(run.alerts.size(), 1u);
}

std::string events_plist() {
  auto event = [](std::string_view id, std::string_view when, std::string_view process) {
    return "<dict><key>" + std::string(id) + "</key><dict><key>timestamp</key><date>" +
           std::string(when) + "</date><key>operation</key><string>install</string>" +
           "<key>process</key><string>" + std::string(process) +
           "</string><key>Extra</key><integer>7</integer></dict></dict>";
  };
  return xml_plist(
      "<dict><key>ProfileEvents</key><array>" +
      event("com.corp.vpn.1234", "2023-01-02T03:04:05Z", "/usr/libexec/mdmd") +
      event(kBadUuid, "2023-02-02T03:04:05Z", "/usr/libexec/mdmd") +
      event(kBadUuid.substr(0, kBadUuid.size() - 1), "2023-03-02T03:04:05Z", "/usr/libexec/mdmd") +
      event("com.other.profile", "2023-04-02T03:04:05Z", "/private/var/tmp/bh") +
      "</array></dict>");
}

TEST(ProfileEvents, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  constexpr std::string_view kRel = "Library/ConfigurationProfiles/MCProfileEvents.plist";
  add_manifest_row(backup, kProfileDomain, kRel);
  put_file(backup, kProfileDomain, kRel, events_plist());

  auto run = run_module("profile_events", backup);
  ASSERT_EQ(run.records.size(), 4u);
  EXPECT_EQ(run.events.size(), 4u);
  EXPECT_TRUE(run.warnings.empty());
  const auto& r = run.records[0];
  EXPECT_EQ(r["profile_id"], "com.corp.vpn.1234");
  EXPECT_EQ(r["timestamp"], "2023-01-02 03:04:05.000000");
  EXPECT_EQ(r["operation"], "install");
  EXPECT_EQ(r["process"], "/usr/libexec/mdmd");
  EXPECT_EQ(r["extra"], 7);
  EXPECT_EQ(run.events[0].event, "profile_operation");
  EXPECT_EQ(run.events[0].data,
            "Process /usr/libexec/mdmd started operation install of profile com.corp.vpn.1234");
  ASSERT_EQ(run.alerts.size(), 4u) << "one LOW per event, with or without indicators";
  EXPECT_EQ(run.alerts[0].level, Level::low);
  EXPECT_EQ(run.alerts[0].message,
            "On 2023-01-02 03:04:05.000000 process \"/usr/libexec/mdmd\" started operation "
            "\"install\" of profile \"com.corp.vpn.1234\"");
  EXPECT_EQ(iso(run.alerts[0].event_time), "2023-01-02 03:04:05.000000");

  auto iocs = test_iocs({{IocType::profile, std::string(kBadUuid)}, {IocType::process, "bh"}});
  run = run_module("profile_events", backup, iocs.get());
  EXPECT_EQ(run.alerts_at(Level::low), 4u);
  EXPECT_EQ(messages(run, Level::critical),
            (std::vector<std::string>{
                "Found a known suspicious profile ID \"" + std::string(kBadUuid) +
                    "\" matching indicators from \"TestMalware\"",
                "Found a known suspicious process name \"/private/var/tmp/bh\" matching "
                "indicators from \"TestMalware\""}));
}

// ---------------------------------------------------------------------------------------------
// Applications

std::string app_entry(std::string_view bundle, std::string_view metadata_body, bool icon = false) {
  std::string meta = xml_plist("<dict>" + std::string(metadata_body) + "</dict>");
  std::string out = "<key>" + std::string(bundle) + "</key><dict><key>iTunesMetadata</key><data>" +
                    core::base64_encode(meta) + "</data>";
  if (icon) out += "<key>PlaceholderIcon</key><data>iVBORw0KGgo=</data>";
  return out + "</dict>";
}

std::string download(std::string_view date) {
  return "<key>com.apple.iTunesStore.downloadInfo</key><dict><key>purchaseDate</key><string>" +
         std::string(date) + "</string></dict>";
}

std::filesystem::path apps_backup(const TempDir& dir) {
  auto backup = copy_backup(dir);
  std::string apps =
      app_entry("com.good.app",
                "<key>softwareVersionBundleId</key><string>com.good.app</string>"
                "<key>itemName</key><string>Good</string><key>artistName</key><string>Good "
                "Inc.</string><key>bundleShortVersionString</key><string>1.2.3</string>"
                "<key>sourceApp</key><string>com.apple.AppStore</string>" +
                    download("2023-05-01T10:00:00Z"),
                true) +
      app_entry("com.example.beta",
                "<key>softwareVersionBundleId</key><string>com.example.beta</string>"
                "<key>sourceApp</key><string>com.apple.TestFlight</string>" +
                    download("2023-06-01T10:00:00Z")) +
      app_entry("com.evil.app",
                "<key>softwareVersionBundleId</key><string>com.evil.app</string>"
                "<key>sourceApp</key><string>com.apple.AppStore</string>") +
      app_entry("com.noid.app", "<key>itemName</key><string>No ID</string>") +
      app_entry("com.evil.appx",
                "<key>softwareVersionBundleId</key><string>com.evil.appx</string>");
  write_file(backup / "Info.plist",
             xml_plist("<dict><key>Build Version</key><string>21E236</string>"
                       "<key>Applications</key><dict>" +
                       apps + "</dict><key>Product Version</key><string>17.4.1</string></dict>"));
  return backup;
}

TEST(Applications, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = apps_backup(dir);
  auto run = run_module("applications", backup);
  ASSERT_EQ(run.records.size(), 5u);
  EXPECT_TRUE(run.warnings.empty());
  const auto& good = run.records[0];
  EXPECT_EQ(good["name"], "com.good.app");
  EXPECT_EQ(good["itemName"], "Good");
  EXPECT_EQ(good["isodate"], "2023-05-01 10:00:00.000000") << "purchaseDate is UTC";
  EXPECT_EQ(good["com.apple.iTunesStore.downloadInfo"]["purchaseDate"], "2023-05-01T10:00:00Z");
  std::string png("\x89PNG\r\n\x1a\n", 8);
  EXPECT_EQ(good["icon_sha256"], core::sha256_hex(png));
  EXPECT_FALSE(run.records[1].contains("icon_sha256"));
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "app_installed");
  EXPECT_EQ(run.events[0].data,
            "App com.good.app version 1.2.3 from Good Inc. installed from com.apple.AppStore");
  EXPECT_EQ(messages(run, Level::medium),
            (std::vector<std::string>{
                "Suspicious app not installed from the App Store or MDM: com.example.beta",
                "Suspicious application identified without softwareVersionBundleId"}));

  auto iocs = test_iocs({{IocType::app_id, "com.evil.app"}});
  run = run_module("applications", backup, iocs.get());
  EXPECT_EQ(messages(run, Level::critical),
            (std::vector<std::string>{"Malicious application com.evil.app identified"}))
      << "com.evil.appx is a near miss";
  EXPECT_EQ(run.alerts_at(Level::medium), 2u);
  // A bundle ID given as a process indicator also matches (MVT's check_process first).
  iocs = test_iocs({{IocType::process, "com.good.app"}});
  run = run_module("applications", backup, iocs.get());
  EXPECT_EQ(messages(run, Level::critical),
            (std::vector<std::string>{"Malicious application com.good.app identified"}));
}

// ---------------------------------------------------------------------------------------------
// IDStatusCache

// A binary plist (Python plistlib) with handles of com.apple.madrid and com.apple.ess: a
// mixed-case e-mail, one with two NUL characters, a phone number looked up twice, a near-miss
// e-mail, an entry without IDStatus (skipped), a UTF-16 handle, and a non-dict top-level value.
constexpr std::string_view kIdStatusHex =
    "62706c6973743030d301020304181e5f1010636f6d2e6170706c652e6d61647269645d636f6d2e6170706c652e"
    "6573735b4c61737455706461746564d505060708090a0f1214165f10196d61696c746f3a466f6f426172404578"
    "616d706c652e4f52475f10176d61696c746f3a78000079406e736f2e6578616d706c655d74656c3a2b31353535"
    "303130305f101a6d61696c746f3a78666f6f626172406578616d706c652e6f72675d74656c3a2b313535353031"
    "3939d20b0c0d0e5a4c6f6f6b7570446174655849445374617475732341c1e1a3004000001001d20b0c10112341"
    "c22dee400000001002d20b0c130e2341c27a3980000000d20b0c150e2341c27a3980800000d10b172341c2c684"
    "c0000000d207191a1c6f1017006d00610069006c0074006f003a00e9006c00e8007600650040006500780061006d"
    "0070006c0065002e00660072d20b0c1b0e2341c312d000000000d20b0c1d0e2341c35f1b400000001003000800"
    "0f00220030003c00470063007d008b00a800b600bb00c600cf00d800da00df00e800ea00ef00f800fd01060109"
    "011201170148014d0156015b01640000000000000201000000000000001f000000000000000000000000000001"
    "66";

TEST(IdStatusCache, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  put_file(backup, "HomeDomain",
           "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
           system::from_hex(kIdStatusHex));
  auto iocs = test_iocs({{IocType::email, "foobar@example.org"}});
  auto run = run_module("id_status_cache", backup, iocs.get());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 6u);
  std::vector<std::string> users;
  for (const auto& r : run.records) users.push_back(r["user"].get<std::string>());
  EXPECT_EQ(users, (std::vector<std::string>{"mailto:FooBar@Example.ORG",
                                             "mailto:x\\x00\\x00y@nso.example", "tel:+15550100",
                                             "mailto:xfoobar@example.org", "tel:+15550100",
                                             "mailto:\xc3\xa9l\xc3\xa8ve@example.fr"}));
  const auto& first = run.records[0];
  EXPECT_EQ(first["package"], "com.apple.madrid");
  EXPECT_EQ(first["isodate"], core::format_iso(*core::from_cocoa(600000000.5)));
  EXPECT_EQ(first["idstatus"], 1);
  EXPECT_EQ(first["occurrences"], 1);
  EXPECT_EQ(run.records[2]["occurrences"], 2);
  EXPECT_EQ(run.events.size(), 6u);
  EXPECT_EQ(run.events[2].event, "lookup");
  EXPECT_EQ(run.events[2].data, "Lookup of tel:+15550100 within com.apple.madrid (Status 1)");

  EXPECT_EQ(messages(run, Level::critical),
            (std::vector<std::string>{"Found a known suspicious email address "
                                      "\"FooBar@Example.ORG\" matching indicators from "
                                      "\"TestMalware\""}));
  EXPECT_EQ(messages(run, Level::high),
            (std::vector<std::string>{"Found an ID Status Cache entry with suspicious patterns: "
                                      "mailto:x\\x00\\x00y@nso.example"}));
  EXPECT_EQ(run.alerts.size(), 2u);
}

TEST(IdStatusCache, DamagedPlist) {
  // The module on truncated and byte-flipped copies of the fixture: no crash, and a warning
  // naming the file exactly when the bytes are no longer a readable plist.
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  const std::string bytes = system::from_hex(kIdStatusHex);
  auto check = [&](const std::string& damaged, const std::string& what) -> bool {
    put_file(backup, "HomeDomain",
             "Library/Preferences/com.apple.identityservices.idstatuscache.plist", damaged);
    auto run = run_module("id_status_cache", backup);
    std::string error;
    bool readable = core::Plist::parse(damaged, error).has_value();
    EXPECT_TRUE(run.missing.empty()) << what;
    if (readable) {
      EXPECT_TRUE(run.warnings.empty()) << what;
    } else {
      EXPECT_EQ(run.warnings.size(), 1u) << what;
      EXPECT_TRUE(!run.warnings.empty() &&
                  run.warnings[0].find("idstatuscache.plist") != std::string::npos)
          << what;
      EXPECT_TRUE(run.records.empty()) << what;
    }
    return readable;
  };
  for (std::size_t n = 0; n < bytes.size(); n += 7)
    EXPECT_FALSE(check(bytes.substr(0, n), "first " + std::to_string(n) + " bytes"));
  std::size_t readable = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0xFF);
    if (check(corrupt, "byte " + std::to_string(i) + " flipped")) ++readable;
  }
  EXPECT_GT(readable, 0u) << "some flips only change values";
  EXPECT_LT(readable, bytes.size()) << "some flips break the structure";
}

// ---------------------------------------------------------------------------------------------
// LocationdClients

TEST(LocationdClients, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  auto client = [](std::string_view key, std::string_view body) {
    return "<key>" + std::string(key) + "</key><dict>" + std::string(body) + "</dict>";
  };
  std::string plist = xml_plist(
      "<dict>" +
      client("com.good.app",
             "<key>BundleId</key><string>com.good.app</string><key>BundlePath</key>"
             "<string>/private/var/containers/Bundle/Application/X/Good.app</string>"
             "<key>LocationTimeStopped</key><real>640000000.5</real>"
             "<key>ConsumptionPeriodBegin</key><real>630000000</real>"
             "<key>Registered</key><true/><key>ClientStorageToken</key><data>AQID</data>") +
      client("com.apple.locationd.executable-/private/var/db/staging/evilproc:",
             "<key>Executable</key><string>/private/var/db/staging/evilproc</string>"
             "<key>SignificantTimeStopped</key><real>641000000</real>") +
      client("com.apple.locationd.executable-/private/var/tmp/hooker",
             "<key>Executable</key><string>/private/var/tmp/hooker</string>"
             "<key>Registered</key><string>/private/var/tmp/hooker</string>") +
      client("com.apple.locationd.executable-/private/var/tmp/hooker2",
             "<key>Executable</key><string>/private/var/tmp/hooker2</string>") +
      client("com.apple.locationd.bundle-/System/Library/LocationBundles/Evil.bundle",
             "<key>BundlePath</key><string>/System/Library/LocationBundles/Evil.bundle</string>") +
      "<key>Migrated</key><integer>3</integer></dict>");
  put_file(backup, "RootDomain", "Library/Caches/locationd/clients.plist", plist);

  auto run = run_module("locationd_clients", backup);
  EXPECT_TRUE(run.alerts.empty());
  ASSERT_EQ(run.records.size(), 5u);
  const auto& good = run.records[0];
  EXPECT_EQ(good["package"], "com.good.app");
  EXPECT_EQ(good["LocationTimeStopped"], core::format_iso(*core::from_cocoa(640000000.5)));
  EXPECT_EQ(good["ClientStorageToken"], "AQID");
  EXPECT_EQ(good["Registered"], true);
  EXPECT_EQ(run.records[1]["package"],
            "com.apple.locationd.executable-/private/var/db/staging/evilproc");
  ASSERT_EQ(run.events.size(), 3u);
  EXPECT_EQ(run.events[0].event, "ConsumptionPeriodBegin");
  EXPECT_EQ(run.events[0].data, "ConsumptionPeriodBegin from com.good.app");

  auto iocs = test_iocs({{IocType::process, "evilproc"},
                         {IocType::file_path, "/private/var/tmp/hooker"},
                         {IocType::file_path, "/System/Library/LocationBundles/Evil.bundle"}});
  run = run_module("locationd_clients", backup, iocs.get());
  EXPECT_EQ(messages(run, Level::high),
            (std::vector<std::string>{
                "Found a suspicious process name in LocationD entry "
                "com.apple.locationd.executable-/private/var/db/staging/evilproc",
                "Found a suspicious file path in LocationD entry /private/var/tmp/hooker",
                "Found a known malicious domain in LocationD entry "
                "com.apple.locationd.bundle-/System/Library/LocationBundles/Evil.bundle"}))
      << "hooker2 is a near miss (no path boundary)";
  EXPECT_EQ(run.alerts.size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// OSAnalyticsADDaily

TEST(OsAnalyticsAdDaily, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  put_file(backup, "HomeDomain", "Library/Preferences/com.apple.osanalytics.addaily.plist",
           xml_plist("<dict><key>netUsageBaseline</key><dict>"
                     "<key>mDNSResponder</key><array><date>2023-01-02T03:04:05Z</date>"
                     "<integer>1</integer><integer>2</integer><integer>3</integer>"
                     "<integer>4</integer></array>"
                     "<key>bh</key><array><date>2023-02-02T03:04:05Z</date><integer>0</integer>"
                     "<integer>0</integer><integer>500</integer><integer>600</integer></array>"
                     "<key>bhd</key><array><date>2023-02-02T03:04:05Z</date></array>"
                     "</dict><key>baseline</key><dict/></dict>"));
  auto iocs = test_iocs({{IocType::process, "bh"}});
  auto run = run_module("os_analytics_ad_daily", backup, iocs.get());
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 3u);
  EXPECT_EQ(run.records[0], modules::Json::parse(R"({"package": "mDNSResponder",
      "ts": "2023-01-02 03:04:05.000000", "wifi_in": 1, "wifi_out": 2, "wwan_in": 3,
      "wwan_out": 4})"));
  EXPECT_TRUE(run.records[2]["wifi_in"].is_null()) << "a short list";
  ASSERT_EQ(run.events.size(), 3u);
  EXPECT_EQ(run.events[0].event, "osanalytics_addaily");
  EXPECT_EQ(run.events[0].data, "mDNSResponder WIFI IN: 1, WIFI OUT: 2 - WWAN IN: 3, WWAN OUT: 4");
  ASSERT_EQ(run.alerts.size(), 1u) << "bhd is a near miss";
  EXPECT_EQ(run.alerts[0].level, Level::critical);
  EXPECT_EQ(run.alerts[0].message,
            "Found a known suspicious process name \"bh\" matching indicators from "
            "\"TestMalware\"");
  EXPECT_EQ(iso(run.alerts[0].event_time), "2023-02-02 03:04:05.000000");
}

// ---------------------------------------------------------------------------------------------
// Calls and Contacts

TEST(Calls, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  make_db(backup, "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
          "CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, "
          "ZANSWERED INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS VARCHAR, ZLOCATION "
          "VARCHAR, ZSERVICE_PROVIDER VARCHAR );"
          "INSERT INTO ZCALLRECORD VALUES (1, 2, 1, 1, 650000000.0, 12.0, '+15550100', "
          "'France', 'com.apple.Telephony');"
          "INSERT INTO ZCALLRECORD VALUES (2, 2, 1, 0, 650001000.0, 0.0, CAST('+15550101' AS "
          "BLOB), NULL, 'com.apple.FaceTime');");
  auto run = run_module("calls", backup);
  EXPECT_TRUE(run.warnings.empty());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.records[0], modules::Json::parse(R"({"isodate": ")" +
                                                 core::format_iso(*core::from_cocoa(650000000.0)) +
                                                 R"(", "duration": 12.0, "location": "France",
      "number": "+15550100", "provider": "com.apple.Telephony"})"));
  EXPECT_EQ(run.records[1]["number"], "+15550101");
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_EQ(run.events[0].event, "call");
  EXPECT_EQ(run.events[0].data, "From +15550100 using com.apple.Telephony during 12.0 seconds");

  // Before iOS 9: no ZSERVICE_PROVIDER.
  make_db(backup, "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
          "CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, ZDATE TIMESTAMP, ZDURATION "
          "FLOAT, ZADDRESS VARCHAR, ZLOCATION VARCHAR );"
          "INSERT INTO ZCALLRECORD VALUES (1, 650000000.0, 3.5, '+15550100', NULL);");
  run = run_module("calls", backup);
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_TRUE(run.records[0]["provider"].is_null());
  EXPECT_EQ(run.events[0].data, "From +15550100 using None during 3.5 seconds");

  make_db(backup, "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata",
          "CREATE TABLE Other (x INTEGER);");
  run = run_module("calls", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

TEST(Contacts, Fixture) {
  VIGIL_REQUIRE_SHARED();
  TempDir dir;
  auto backup = copy_backup(dir);
  make_db(backup, "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb",
          "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last "
          "TEXT, Middle TEXT, Organization TEXT);"
          "CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property "
          "INTEGER, identifier INTEGER, label INTEGER, value TEXT, guid TEXT);"
          "INSERT INTO ABPerson VALUES (2, 'Bob', 'Example', NULL, 'ACME');"
          "INSERT INTO ABPerson VALUES (1, 'Alice', 'Example', 'Q', NULL);"
          "INSERT INTO ABMultiValue VALUES (1, 2, 3, 0, 1, '+15550101', 'g1');"
          "INSERT INTO ABMultiValue VALUES (2, 1, 4, 0, 2, 'alice@example.org', 'g2');"
          "INSERT INTO ABMultiValue VALUES (3, 1, 3, 1, 1, NULL, 'g3');"
          "INSERT INTO ABMultiValue VALUES (4, 9, 3, 1, 1, '+15550199', 'g4');");
  auto run = run_module("contacts", backup);
  EXPECT_TRUE(run.warnings.empty());
  EXPECT_TRUE(run.events.empty());
  ASSERT_EQ(run.records.size(), 2u);
  EXPECT_EQ(run.records[0], modules::Json::parse(R"({"value": "alice@example.org",
      "first": "Alice", "middle": "Q", "last": "Example", "organization": null})"));
  EXPECT_EQ(run.records[1]["value"], "+15550101");
  EXPECT_EQ(run.records[1]["organization"], "ACME");

  make_db(backup, "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb",
          "CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY);");
  run = run_module("contacts", backup);
  EXPECT_TRUE(run.records.empty());
  EXPECT_EQ(run.warnings.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Python-style text of values in timeline data (what MVT's f-strings print).

TEST(SystemUtil, PythonText) {
  using modules::ios::py_float;
  using modules::ios::py_str;
  EXPECT_EQ(py_float(0.0), "0.0");
  EXPECT_EQ(py_float(253438.0), "253438.0");
  EXPECT_EQ(py_float(1.5), "1.5");
  EXPECT_EQ(py_float(0.1), "0.1");
  EXPECT_EQ(py_float(1e16), "1e+16");
  EXPECT_EQ(py_float(1.5e-5), "1.5e-05");
  EXPECT_EQ(py_float(-0.0), "-0.0");
  EXPECT_EQ(py_str(nullptr), "None");
  EXPECT_EQ(py_str(true), "True");
  EXPECT_EQ(py_str(42), "42");
  EXPECT_EQ(py_str("x"), "x");
}

}  // namespace
}  // namespace vigil::test
