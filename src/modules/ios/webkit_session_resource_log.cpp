// WebKit full_browsing_session_resourceLog.plist: per browsing session, each
// "prevalent" resource origin with the top-frame redirects into and out of it,
// the sub-frames and sub-resources it loaded under other sites, and
// user-interaction / last-seen dates (binary plist, `browsingStatistics[]`).
// Locations (all Manifest rows): `Library/WebKit/WebsiteData/
// ResourceLoadStatistics/full_browsing_session_resourceLog.plist` in Safari's
// and apps' containers (Safari's is file a500ee38…), and
// `Library/WebClips/<…>/Storage/…resourceLog.plist` (web apps). Dates are plist
// dates. An IOC domain in a redirect chain is the trace of a one-click exploit
// link bouncing through an exploit server. One record per statistics item,
// tagged with its file (MVT returns a dictionary keyed by file path instead).
#include <algorithm>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/web_util.hpp"

namespace vigil::modules::ios {

namespace {

// Web clips (home-screen web apps) keep their own session log.
constexpr std::string_view kWebClips[] = {
    "Library/WebClips/%/Storage/full_browsing_session_resourceLog.plist"};

constexpr std::string_view kPath =
    "Library/WebKit/WebsiteData/ResourceLoadStatistics/"
    "full_browsing_session_resourceLog.plist";
constexpr std::string_view kSafariLogId = "a500ee38053454a02e990957be8a251935e28d3f";

// MVT's field: the array as it is, or "" when the key is missing.
Json list_field(core::PlistRef value) {
  if (!value.valid()) return "";
  return web::plist_json(value);
}

// The domains named by a redirect list: the `origin` and `domain` of each entry
// (or the entry itself when it is a plain string).
std::vector<std::string> domains_of(core::PlistRef list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    core::PlistRef entry = list.at(i);
    if (auto s = entry.string()) {
      out.push_back(*s);
      continue;
    }
    if (auto s = entry["origin"].string()) out.push_back(*s);
    if (auto s = entry["domain"].string()) out.push_back(*s);
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += "\"" + core::printable(item) + "\"";
  }
  return out;
}

void process_log(ModuleContext& ctx, const vfs::BackupFile& file) {
  std::string what = file.domain + "/" + file.relative_path;
  auto plist = read_plist_id(ctx, file.file_id, what);
  if (!plist) return;
  core::PlistRef stats = plist->root()["browsingStatistics"];
  if (!stats.valid()) return;  // no statistics recorded
  if (!stats.is_array()) {
    ctx.warn(what + ": browsingStatistics is not an array (format not recognised)");
    return;
  }
  const std::string domain = core::utf8_or_escaped(file.domain);
  const std::string path = core::utf8_or_escaped(file.relative_path);
  for (std::size_t i = 0; i < stats.size(); ++i) {
    core::PlistRef item = stats.at(i);
    if (!item.is_dict()) continue;
    std::string origin = item["PrevalentResourceOrigin"].string().value_or("");
    auto last_seen = item["lastSeen"].date();
    auto interaction = item["mostRecentUserInteraction"].date();
    Json r;
    r["origin"] = core::utf8_or_escaped(origin);
    r["redirect_source"] = list_field(item["topFrameUniqueRedirectsFrom"]);
    r["redirect_destination"] = list_field(item["topFrameUniqueRedirectsTo"]);
    r["subframe_under_origin"] = list_field(item["subframeUnderTopFrameOrigins"]);
    r["subresource_under_origin"] = list_field(item["subresourceUnderTopFrameOrigins"]);
    r["user_interaction"] = item["hadUserInteraction"].valid()
                                ? web::plist_json(item["hadUserInteraction"])
                                : Json(nullptr);
    r["most_recent_interaction"] = iso_or_null(interaction);
    r["last_seen"] = iso_or_null(last_seen);
    r["domain"] = domain;
    r["path"] = path;
    r["file_id"] = file.file_id;
    if (ctx.iocs() != nullptr) {
      std::vector<std::string> sources = domains_of(item["topFrameUniqueRedirectsFrom"]);
      std::vector<std::string> targets = domains_of(item["topFrameUniqueRedirectsTo"]);
      // One check per distinct domain, origin first; the first match raises the
      // alert.
      std::vector<std::string> all;
      for (const auto* list : {&sources, &targets})
        for (const auto& d : *list)
          if (d != origin && std::find(all.begin(), all.end(), d) == all.end()) all.push_back(d);
      all.insert(all.begin(), origin);
      bool matched = false;
      for (const auto& d : all)
        if (!d.empty() && ctx.check_url(d, r, Level::critical, last_seen)) {
          matched = true;
          break;
        }
      if (matched) {
        std::string chain;
        if (!sources.empty()) chain += "SOURCE: " + quoted_list(sources) + " -> ";
        chain += "ORIGIN: \"" + core::printable(origin) + "\"";
        if (!targets.empty()) chain += " -> DESTINATION: " + quoted_list(targets);
        ctx.alert(Level::high, "Found HTTP redirect between suspicious domains: " + chain,
                  last_seen, r);
      }
    }
    ctx.emit(r);
  }
}

void run(ModuleContext& ctx) {
  std::vector<vfs::BackupFile> files;
  web::append_files(files, ctx.backup().find_path(kPath));
  if (auto safari = ctx.backup().find_id(kSafariLogId)) {
    if (safari->domain.empty()) {  // payload without a Manifest row
      safari->domain = "AppDomain-com.apple.mobilesafari";
      safari->relative_path = std::string(kPath);
    }
    web::append_files(files, {*safari});
  }
  web::append_files(files, ctx.backup().find_path_like(kWebClips[0]));
  if (files.empty()) {
    ctx.not_found(std::string(kPath) + " (no Manifest row, in any domain)");
    return;
  }
  for (const auto& file : files) process_log(ctx, file);
}

}  // namespace

extern const ModuleSpec kWebkitSessionResourceLog{
    "webkit_session_resource_log",
    "WebkitSessionResourceLog",
    "WebKit browsing-session redirects and third-party loads "
    "(resourceLog.plist)",
    run,
    false,
    kWebClips};

}  // namespace vigil::modules::ios
