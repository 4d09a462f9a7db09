// Manifest.db: the list of every file in the backup (domain, relative path, flags) with its
// MBFile metadata (birth, modification and status-change times, mode, owner, size) in an
// NSKeyedArchiver blob. File paths are checked against file indicators and path parts that are
// domain names (e.g. cookie or cache files named after a site) against domain indicators.
#include <array>
#include <cstdio>

#include "core/text.hpp"
#include "core/url.hpp"
#include "modules/ios/common.hpp"

namespace vigil::modules::ios {

namespace {

struct FileMeta {
  std::optional<core::Micros> created, modified, status_changed;
  std::optional<std::int64_t> mode, owner, size;
};

std::optional<core::Micros> meta_time(core::PlistRef v) {
  if (auto d = v.date()) return d;
  if (auto i = v.integer()) return core::from_unix_seconds(static_cast<double>(*i));
  if (auto r = v.real()) return core::from_unix_seconds(*r);
  return std::nullopt;
}

// The MBFile object is `$objects[1]`; only these of its members are read.
constexpr std::string_view kMbfileKeys[] = {"Birth", "LastModified", "LastStatusChange",
                                            "Mode",  "UserID",       "Size"};

std::optional<FileMeta> parse_mbfile(std::string_view blob) {
  if (blob.empty()) return std::nullopt;
  std::array<core::PlistNode, std::size(kMbfileKeys)> values;
  if (!core::read_archived_scalars(blob, 1, kMbfileKeys, values)) return std::nullopt;
  auto value = [&](std::size_t i) { return core::PlistRef(&values[i]); };
  FileMeta meta;
  meta.created = meta_time(value(0));
  meta.modified = meta_time(value(1));
  meta.status_changed = meta_time(value(2));
  meta.mode = value(3).integer();
  meta.owner = value(4).integer();
  meta.size = value(5).integer();
  return meta;
}

std::string octal_mode(std::int64_t mode) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0o%llo", static_cast<unsigned long long>(mode));
  return buf;
}

// A '_'-separated part of a path that could be a domain name ("www.example.com" in
// "Cookies_www.example.com_0.binarycookies").
void run(ModuleContext& ctx) {
  std::string error;
  std::size_t unparsed = 0;
  bool ok = ctx.backup().for_each_file(
      [&](const vfs::BackupFile& file, std::string_view blob) {
        Json r;
        r["file_id"] = file.file_id;
        r["domain"] = core::utf8_or_escaped(file.domain);
        r["relative_path"] = core::utf8_or_escaped(file.relative_path);
        r["flags"] = file.flags;
        auto meta = parse_mbfile(blob);
        if (meta) {
          r["created"] = iso_or_null(meta->created);
          r["modified"] = iso_or_null(meta->modified);
          r["status_changed"] = iso_or_null(meta->status_changed);
          r["mode"] = meta->mode ? Json(octal_mode(*meta->mode)) : Json(nullptr);
          r["owner"] = meta->owner ? Json(*meta->owner) : Json(nullptr);
          r["size"] = meta->size ? Json(*meta->size) : Json(nullptr);
          // One event per distinct time, MACB-style: M(odified) - C(hanged) B(irth).
          std::string data =
              r["relative_path"].get<std::string>() + " - " + r["domain"].get<std::string>();
          std::optional<core::Micros> times[] = {meta->created, meta->modified,
                                                 meta->status_changed};
          for (int i = 0; i < 3; ++i) {
            if (!times[i]) continue;
            bool seen = false;
            for (int j = 0; j < i; ++j) seen = seen || times[j] == times[i];
            if (seen) continue;
            std::string macb = "----";
            if (times[i] == meta->modified) macb[0] = 'M';
            if (times[i] == meta->status_changed) macb[2] = 'C';
            if (times[i] == meta->created) macb[3] = 'B';
            ctx.timeline(times[i], macb, data);
          }
        } else if (!blob.empty()) {
          ++unparsed;
        }
        check_manifest_path(ctx, file.relative_path, r);
        ctx.emit(r);
      },
      error);
  if (!ok) ctx.warn("Manifest.db: " + error);
  if (unparsed != 0)
    ctx.warn("Manifest.db: " + std::to_string(unparsed) +
             " file metadata blobs could not be parsed");
}

}  // namespace

extern const ModuleSpec kManifest{"manifest", "Manifest", "Every file of the backup (Manifest.db)",
                                  run};

}  // namespace vigil::modules::ios
