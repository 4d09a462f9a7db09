// Fixtures for the SYSTEM group module tests (configuration profiles, applications, DataUsage,
// locationd, calendar…): a writable copy of MVT's test backup in which a test writes payloads
// (SQLite databases, plists) at their fileID paths, adds Manifest.db rows, or replaces
// Info.plist.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "unit/modules/backup_fixture.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::test::system {

using test::copy_backup;
using test::exec_sql;
using test::make_db;
using test::payload;

/// Writes a fresh database built from `sql` as the payload of (domain, relative path).
inline void make_db(const std::filesystem::path& backup, std::string_view domain,
                    std::string_view relative_path, const std::string& sql) {
  make_db(payload(backup, domain, relative_path), sql);
}

/// Writes bytes as the payload of (domain, relative path).
inline void put_file(const std::filesystem::path& backup, std::string_view domain,
                     std::string_view relative_path, const std::string& bytes) {
  write_file(payload(backup, domain, relative_path), bytes);
}

/// Adds the Manifest.db row of (domain, relative path) (flags 1 = file, 2 = directory).
inline void add_manifest_row(const std::filesystem::path& backup, std::string_view domain,
                             std::string_view relative_path, int flags = 1) {
  exec_sql(backup / "Manifest.db",
           "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES ('" +
               vfs::IosBackup::file_id(domain, relative_path) + "', '" + std::string(domain) +
               "', '" + std::string(relative_path) + "', " + std::to_string(flags) + ", NULL)");
}

/// An XML property list around `body` (one root element).
inline std::string xml_plist(std::string_view body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
         "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">" +
         std::string(body) + "</plist>\n";
}

inline std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

/// Distinct (timestamp, event, data) triples: the timeline as the writer de-duplicates it.
inline std::size_t unique_events(const std::vector<modules::TimelineEvent>& events) {
  std::vector<std::tuple<std::int64_t, std::string, std::string>> all;
  for (const auto& e : events) all.emplace_back(e.timestamp, e.event, e.data);
  std::sort(all.begin(), all.end());
  return static_cast<std::size_t>(std::unique(all.begin(), all.end()) - all.begin());
}

}  // namespace vigil::test::system
