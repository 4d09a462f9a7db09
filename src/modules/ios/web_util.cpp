#include "modules/ios/web_util.hpp"

#include <algorithm>
#include <cmath>

#include "core/text.hpp"
#include "modules/ios/common.hpp"

namespace vigil::modules::ios::web {

namespace {

constexpr int kMaxDepth = 64;

// The folder holding a Chromium profile's databases.
bool is_profile_folder(std::string_view folder) {
  return folder == "Default" || folder.starts_with("Default-") || folder.starts_with("Profile ") ||
         folder == "ChromeSync";
}

Json plist_json_at(core::PlistRef value, int depth) {
  if (depth > kMaxDepth) return nullptr;
  switch (value.type()) {
    case PLIST_STRING:
    case PLIST_KEY:
      return core::utf8_or_escaped(value.string().value_or(""));
    case PLIST_ARRAY: {
      Json out = Json::array();
      for (std::size_t i = 0; i < value.size(); ++i)
        out.push_back(plist_json_at(value.at(i), depth + 1));
      return out;
    }
    case PLIST_DICT: {
      Json out = Json::object();
      for (auto& [key, item] : value.items())
        out[core::utf8_or_escaped(key)] = plist_json_at(item, depth + 1);
      return out;
    }
    default:
      return value.to_json();  // scalars: no strings, no nesting
  }
}

bool walk_strings(core::PlistRef value, const std::function<void(std::string_view)>& visit,
                  int depth) {
  if (depth > kMaxDepth) return false;
  switch (value.type()) {
    case PLIST_STRING:
      if (auto s = value.string()) visit(*s);
      return true;
    case PLIST_ARRAY: {
      bool complete = true;
      for (std::size_t i = 0; i < value.size(); ++i)
        complete = walk_strings(value.at(i), visit, depth + 1) && complete;
      return complete;
    }
    case PLIST_DICT: {
      bool complete = true;
      for (auto& [key, item] : value.items())
        complete = walk_strings(item, visit, depth + 1) && complete;
      return complete;
    }
    default:
      return true;
  }
}

}  // namespace

std::string payload_rel_path(std::string_view file_id) {
  return std::string(file_id.substr(0, std::min<std::size_t>(2, file_id.size()))) + "/" +
         std::string(file_id);
}

void append_files(std::vector<vfs::BackupFile>& out, const std::vector<vfs::BackupFile>& rows) {
  for (const auto& row : rows) {
    if (row.flags == 2 || row.flags == 4) continue;
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const vfs::BackupFile& f) { return f.file_id == row.file_id; });
    if (!seen) out.push_back(row);
  }
}

std::vector<BrowserDb> chromium_databases(const vfs::IosBackup& backup, std::string_view pattern,
                                          std::string_view chrome_file_id) {
  const std::string_view name = core::path_basename(pattern);
  std::vector<vfs::BackupFile> files;
  if (auto chrome = backup.find_id(chrome_file_id)) {
    if (chrome->domain.empty()) {  // payload without a Manifest row: MVT's fixed location
      chrome->domain = "AppDomain-com.google.chrome.ios";
      chrome->relative_path =
          "Library/Application Support/Google/Chrome/Default/" + std::string(name);
    }
    append_files(files, {*chrome});
  }
  std::vector<vfs::BackupFile> candidates;
  for (const auto& row : backup.find_path_like(pattern)) {
    std::string_view path = row.relative_path;
    // LIKE is case-insensitive and '%' spans folders: keep exact names only.
    if (!row.domain.starts_with("AppDomain") || path.size() <= name.size() + 1 ||
        path.substr(path.size() - name.size()) != name ||
        path[path.size() - name.size() - 1] != '/')
      continue;
    std::string_view folder = path.substr(0, path.size() - name.size() - 1);
    if (!is_profile_folder(core::path_basename(folder))) continue;
    candidates.push_back(row);
  }
  append_files(files, candidates);
  std::vector<BrowserDb> out;
  for (auto& f : files) {
    std::string_view domain = f.domain;
    std::size_t dash = domain.find('-');
    std::string browser(dash == std::string_view::npos ? domain : domain.substr(dash + 1));
    out.push_back(BrowserDb{std::move(f), std::move(browser)});
  }
  return out;
}

void for_each_chromium_database(
    ModuleContext& ctx, std::string_view pattern, std::string_view chrome_file_id,
    const std::function<void(ModuleContext&, const BrowserDb&)>& process) {
  const std::string_view name = core::path_basename(pattern);
  auto dbs = chromium_databases(ctx.backup(), pattern, chrome_file_id);
  if (dbs.empty()) {
    ctx.not_found(
        "AppDomain-com.google.chrome.ios/Library/Application Support/Google/Chrome/Default/" +
        std::string(name) + " (nor any other Chromium-based browser's " + std::string(name) + ")");
    return;
  }
  for (const auto& db : dbs) process(ctx, db);
}

std::string browser_suffix(const BrowserDb& browser) {
  if (browser.browser == "com.google.chrome.ios") return "";
  return " [" + core::utf8_or_escaped(browser.browser) + "]";
}

std::optional<core::Database> open_firefox_browser_db(ModuleContext& ctx) {
  return open_db(ctx, "AppDomainGroup-group.org.mozilla.ios.Firefox", "profile.profile/browser.db");
}

Json plist_json(core::PlistRef value) { return plist_json_at(value, 0); }

bool for_each_string(core::PlistRef value, const std::function<void(std::string_view)>& visit) {
  return walk_strings(value, visit, 0);
}

std::optional<core::Micros> from_unix_any(double value) {
  if (value == 0 || !std::isfinite(value)) return std::nullopt;
  double magnitude = std::fabs(value);
  // Seconds stay below 1e11 until the year 5138; milliseconds pass 1e11 in 1973
  // and microseconds pass 1e14 in 1973.
  if (magnitude >= 1e14) return core::from_unix_seconds(value / 1e6);
  if (magnitude >= 1e11) return core::from_unix_seconds(value / 1e3);
  return core::from_unix_seconds(value);
}

std::optional<core::Micros> unix_any_column(const core::Statement& row, int column) {
  if (row.type(column) != SQLITE_INTEGER && row.type(column) != SQLITE_FLOAT) return std::nullopt;
  return from_unix_any(row.real(column));
}

std::string python_millis(std::int64_t micros) {
  std::int64_t whole = micros / 1000;
  std::int64_t fraction = micros % 1000;
  if (fraction < 0) fraction = -fraction;
  std::string digits = std::to_string(fraction + 1000).substr(1);  // three digits
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string sign = micros < 0 && whole == 0 ? "-" : "";
  return sign + std::to_string(whole) + "." + digits;
}

}  // namespace vigil::modules::ios::web
