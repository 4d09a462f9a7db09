// Helpers shared by the browser and WebKit modules (Safari, Chromium-based browsers, Firefox,
// WebKit statistics, Shortcuts): finding every copy of an artifact through Manifest.db, walking
// hostile property lists with bounded depth, and the small conversions their records need.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plist.hpp"
#include "core/sqlite.hpp"
#include "modules/module.hpp"
#include "vfs/ios_backup.hpp"

namespace vigil::modules::ios::web {

/// "<id[0:2]>/<id>": a payload's path relative to the backup folder (MVT's `*_db` fields).
std::string payload_rel_path(std::string_view file_id);

/// Appends the rows that are files (not directories or symlinks) and not yet in `out`.
void append_files(std::vector<vfs::BackupFile>& out, const std::vector<vfs::BackupFile>& rows);

/// A Chromium-layout database of one browser profile.
struct BrowserDb {
  vfs::BackupFile file;
  std::string browser;  ///< bundle ID of the app container ("com.google.chrome.ios")
};

/// Every Chromium-layout database called `name` ("History", "Favicons") in the app containers:
/// Chrome's known file ID first (MVT's location, used even when Manifest.db lacks its row), then
/// Manifest rows `Library/Application Support/<…>/<profile>/<name>` where the profile folder is
/// `Default`, `Default-*` (Edge work profiles), `Profile *` or `ChromeSync` (older Edge).
/// `pattern` is `Library/Application Support/%/<name>`, the Manifest pattern the module declares
/// (ModuleSpec::manifest_patterns); `name` is its last part.
std::vector<BrowserDb> chromium_databases(const vfs::IosBackup& backup, std::string_view pattern,
                                          std::string_view chrome_file_id);

/// Calls `process` with each of chromium_databases(); none at all → noted as not present, named
/// by Chrome's location ("… (nor any other Chromium-based browser's <name>)").
void for_each_chromium_database(
    ModuleContext& ctx, std::string_view pattern, std::string_view chrome_file_id,
    const std::function<void(ModuleContext&, const BrowserDb&)>& process);

/// What timeline texts append to name the browser: "" for Google Chrome, " [<bundle ID>]" for
/// the others.
std::string browser_suffix(const BrowserDb& browser);

/// Firefox for iOS's browser.db (FirefoxHistory, FirefoxFavicon): "<domain>/<path>", as warnings
/// name it.
inline constexpr std::string_view kFirefoxBrowserDb =
    "AppDomainGroup-group.org.mozilla.ios.Firefox/profile.profile/browser.db";
/// Opens Firefox's browser.db with open_db's bookkeeping.
std::optional<core::Database> open_firefox_browser_db(ModuleContext& ctx);

/// A plist value as JSON with every string made valid UTF-8, data as base64, dates as ISO text;
/// nesting deeper than 64 levels becomes null (hostile input must not exhaust the stack).
Json plist_json(core::PlistRef value);

/// Calls `visit` with every string value (not dictionary keys) under `value`, depth-first in
/// file order, to a depth of 64. Returns false when the walk was cut short by that bound.
bool for_each_string(core::PlistRef value, const std::function<void(std::string_view)>& visit);

/// Unix time whose unit is inferred from its magnitude: seconds, milliseconds or microseconds
/// (Firefox for iOS has stored all three over the years). 0 or non-finite: nullopt.
std::optional<core::Micros> from_unix_any(double value);
/// from_unix_any of a numeric column; nullopt for any other type.
std::optional<core::Micros> unix_any_column(const core::Statement& row, int column);

/// `micros` / 1000 as Python prints a float ("437.512", "200.0"): MVT's redirect message.
std::string python_millis(std::int64_t micros);

}  // namespace vigil::modules::ios::web
