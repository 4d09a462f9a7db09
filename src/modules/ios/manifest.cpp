// Manifest.db: the list of every file in the backup (domain, relative path, flags) with its
// MBFile metadata (birth, modification and status-change times, mode, owner, size) in an
// NSKeyedArchiver blob. File paths are checked against file indicators and path parts that are
// domain names (e.g. cookie or cache files named after a site) against domain indicators.
#include <array>
#include <cstdio>

#include "core/json_out.hpp"
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
  // Reused from row to row: the record is written as JSON text, without a tree (one per file of
  // the backup, millions of them).
  std::string names, record;
  bool ok = ctx.backup().for_each_file(
      [&](const vfs::BackupFile& file, std::string_view blob) {
        // The timeline's data: "<relative path> - <domain>", both made printable.
        names.clear();
        append_utf8_or_escaped(names, file.relative_path);
        const std::size_t path_size = names.size();
        names += " - ";
        append_utf8_or_escaped(names, file.domain);
        const std::string_view shown_path = std::string_view(names).substr(0, path_size);
        const std::string_view shown_domain = std::string_view(names).substr(path_size + 3);

        record.clear();
        core::JsonObject r(record);
        r.string("file_id", file.file_id)
            .string("domain", shown_domain)
            .string("relative_path", shown_path)
            .number("flags", file.flags);
        auto meta = parse_mbfile(blob);
        if (meta) {
          append_iso_or_null(r.member("created"), meta->created);
          append_iso_or_null(r.member("modified"), meta->modified);
          append_iso_or_null(r.member("status_changed"), meta->status_changed);
          if (meta->mode)
            r.string("mode", octal_mode(*meta->mode));
          else
            r.null("mode");
          if (meta->owner)
            r.number("owner", *meta->owner);
          else
            r.null("owner");
          if (meta->size)
            r.number("size", *meta->size);
          else
            r.null("size");
        } else if (!blob.empty()) {
          ++unparsed;
        }
        r.close();
        const EventRef event = EventRef::text(record);
        if (meta) {
          // One event per distinct time, MACB-style: M(odified) - C(hanged) B(irth).
          std::optional<core::Micros> times[] = {meta->created, meta->modified,
                                                 meta->status_changed};
          for (int i = 0; i < 3; ++i) {
            if (!times[i]) continue;
            bool seen = false;
            for (int j = 0; j < i; ++j) seen = seen || times[j] == times[i];
            if (seen) continue;
            char macb[] = "----";
            if (times[i] == meta->modified) macb[0] = 'M';
            if (times[i] == meta->status_changed) macb[2] = 'C';
            if (times[i] == meta->created) macb[3] = 'B';
            ctx.timeline(times[i], macb, names);
          }
        }
        check_manifest_path(ctx, file.relative_path, event);
        ctx.emit_text(record);
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
