// A minimal iOS backup in a private temporary folder for the module harnesses: Info.plist,
// Manifest.plist, a Manifest.db listing every artifact the modules read, and payloads that are
// hard links to one file, so one write puts the fuzz input in place of every artifact of a kind.
// Each harness then runs every module on it, as check-backup does, with a few indicators loaded
// so that the IOC checks run too.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "indicators/indicator_set.hpp"
#include "modules/module.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::fuzz {

namespace fs = std::filesystem;

struct Artifact {
  std::string_view domain;
  std::string_view path;
};

// Every SQLite database a module opens (domain, relative path), as the modules name them.
inline constexpr Artifact kDatabases[] = {
    {"HomeDomain", "Library/Calendar/Calendar.sqlitedb"},
    {"HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"},
    {"HomeDomain", "Library/AddressBook/AddressBook.sqlitedb"},
    {"WirelessDomain", "Library/Databases/DataUsage.sqlite"},
    {"HomeDomain", "Library/CoreDuet/People/interactionC.db"},
    {"HomeDomain", "Library/Safari/BrowserState.db"},
    {"HomeDomain", "Library/Safari/History.db"},
    {"HomeDomain", "Library/Shortcuts/Shortcuts.sqlite"},
    {"HomeDomain", "Library/TCC/TCC.db"},
    {"HomeDomain", "Library/SMS/sms.db"},
    {"AppDomain-com.google.chrome.ios",
     "Library/Application Support/Google/Chrome/Default/History"},
    {"AppDomain-com.google.chrome.ios",
     "Library/Application Support/Google/Chrome/Default/Favicons"},
    {"AppDomainGroup-group.org.mozilla.ios.Firefox", "profile.profile/browser.db"},
    {"AppDomain-com.apple.WebKit",
     "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db"},
    {"AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite"},
    {"AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ContactsV2.sqlite"},
    {"AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "LID.sqlite"},
};

// Every property list a module reads through Manifest.db (Info.plist is top-level).
inline constexpr Artifact kPlists[] = {
    {"HomeDomain", "Library/Preferences/.GlobalPreferences.plist"},
    {"HomeDomain", "Library/Preferences/com.apple.identityservices.idstatuscache.plist"},
    {"RootDomain", "Library/Caches/locationd/clients.plist"},
    {"HomeDomain", "Library/Preferences/com.apple.osanalytics.addaily.plist"},
    {"SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
     "Library/ConfigurationProfiles/profile-fuzz.stub"},
    {"SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
     "Library/ConfigurationProfiles/MCProfileEvents.plist"},
    {"AppDomain-com.apple.WebKit",
     "Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist"},
};

inline void write_bytes(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);  // keeps the inode: hard links
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

class FuzzBackup {
 public:
  /// A backup whose `artifacts` are hard links to one payload file.
  explicit FuzzBackup(std::span<const Artifact> artifacts) {
    std::string dir = (fs::temp_directory_path() / "vigil-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    root_ = dir;
    write_bytes(root_ / "Manifest.plist", kManifestPlist);
    write_bytes(root_ / "Info.plist", kManifestPlist);
    payload_ = root_ / "payload";
    write_bytes(payload_, "");
    std::string sql =
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags "
        "INTEGER, file BLOB);";
    for (const auto& a : artifacts) {
      std::string id = vfs::IosBackup::file_id(a.domain, a.path);
      fs::create_directories(root_ / id.substr(0, 2));
      fs::create_hard_link(payload_, root_ / id.substr(0, 2) / id);
      sql += "INSERT INTO Files VALUES ('" + id + "', '" + std::string(a.domain) + "', '" +
             std::string(a.path) + "', 1, NULL);";
    }
    sqlite3* db = nullptr;
    if (sqlite3_open((root_ / "Manifest.db").c_str(), &db) != SQLITE_OK ||
        sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      std::abort();
    sqlite3_close(db);
    auto source = iocs_.add_source(indicators::SourceFile{.path = "fuzz.stix2", .origin = "cli"});
    const std::pair<indicators::IocType, std::string_view> kIocs[] = {
        {indicators::IocType::domain, "example.com"},
        {indicators::IocType::process, "bh"},
        {indicators::IocType::app_id, "com.example.app"},
        {indicators::IocType::email, "a@example.com"}};
    for (const auto& [type, value] : kIocs)
      iocs_.add(type, value,
                {indicators::Attribution{source, indicators::AttributionKind::malware, "Fuzz",
                                         "indicator--fuzz"}});
    iocs_.finalize();
  }
  ~FuzzBackup() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  FuzzBackup(const FuzzBackup&) = delete;
  FuzzBackup& operator=(const FuzzBackup&) = delete;

  /// Puts `bytes` in place of every artifact.
  void set_payloads(std::string_view bytes) const { write_bytes(payload_, bytes); }
  void set_info_plist(std::string_view bytes) const { write_bytes(root_ / "Info.plist", bytes); }
  void set_manifest(std::string_view bytes) const { write_bytes(root_ / "Manifest.db", bytes); }

  /// Runs every module as check-backup does and serialises every record as the writers do.
  void run_modules() const {
    std::string error, note;
    auto backup = vfs::IosBackup::open(root_, error, note);
    if (!backup) return;
    Records sink;
    for (const auto* spec : modules::backup_modules()) {
      modules::ModuleContext ctx(std::string(spec->slug), *backup, &iocs_,
                                 modules::ModuleSinks{&sink, nullptr, nullptr});
      spec->run(ctx);
      for (const auto& alert : ctx.alerts) sink.write(alert.event);
    }
  }

 private:
  static constexpr std::string_view kManifestPlist =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict><key>IsEncrypted"
      "</key><false/></dict></plist>";

  struct Records final : modules::RecordSink {
    void write(const modules::Json& record) override {
      (void)record.dump(-1, ' ', false, modules::Json::error_handler_t::replace);
    }
    // Streamed records must be the JSON text the writers copy out verbatim.
    void write_text(std::string_view record) override {
      if (!modules::Json::accept(record)) __builtin_trap();
    }
  };

  fs::path root_;
  fs::path payload_;
  indicators::IndicatorSet iocs_;
};

}  // namespace vigil::fuzz
