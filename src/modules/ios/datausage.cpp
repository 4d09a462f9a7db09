// DataUsage.sqlite: CommNetwork's per-process cellular (and, before iOS 13, Wi-Fi) traffic
// counters, a Core Data store. Location: WirelessDomain Library/Databases/DataUsage.sqlite
// (on the device /private/var/wireless/Library/Databases/). ZPROCESS holds one row per process
// that used the network (ZPROCNAME is "<device UUID>/<bundle>" for apps, "<kernel name ≤16
// chars>/<bundle>" for processes acting for a bundle, or a bare daemon name; ZFIRSTTIMESTAMP,
// ZTIMESTAMP); ZLIVEUSAGE holds usage samples (ZHASPROCESS → ZPROCESS.Z_PK, ZTIMESTAMP, ZWWANIN,
// ZWWANOUT, and ZWIFIIN/ZWIFIOUT only on older schemas). Times are Cocoa seconds (REAL).
// Why it matters: a spyware implant that talks to its servers leaves its process name here
// (Pegasus's "bh", "roleaccountd"…), even after the binary is gone; a ZPROCESS row deleted to
// hide one leaves a usage sample pointing nowhere ("manipulated") or a hole in the Z_PK
// sequence ("missing"), both reported as MVT does.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

// More missing Z_PKs than this are summarised in one warning instead of one alert each (a
// hostile database with Z_PKs 1 and 2^62 must not produce 2^62 alerts).
constexpr std::uint64_t kMaxMissingReported = 10000;

constexpr std::string_view kFile = "DataUsage.sqlite";

struct Missing {
  std::int64_t id = 0;
  std::int64_t prev_id = 0;
  std::optional<Micros> prev_first;
  std::string prev_name;  // as the record shows it (null → "None")
};

// Pass 1: the holes in ZPROCESS's Z_PK sequence, from the sorted key list (Z_PK is the
// INTEGER PRIMARY KEY, so this walks the table's b-tree in order, one row at a time).
std::vector<Missing> find_missing(ModuleContext& ctx, const core::Database& db,
                                  const std::string& first, const std::string& name) {
  std::vector<Missing> out;
  std::string error;
  auto row = db.prepare("SELECT p.Z_PK, " + first + ", " + name +
                            " FROM ZPROCESS p WHERE p.Z_PK != 0 ORDER BY p.Z_PK",
                        error);
  if (!row) {
    ctx.warn(std::string(kFile) + ": " + error);
    return out;
  }
  std::optional<std::int64_t> prev;
  std::optional<Micros> prev_first;
  std::string prev_name;
  std::uint64_t unreported = 0;
  while (row->step()) {
    if (row->type(0) != SQLITE_INTEGER) continue;
    std::int64_t id = row->integer(0);
    // Unsigned difference: well defined across the whole int64 range (ids are ascending).
    if (prev && static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(*prev) > 1) {
      std::uint64_t gap = static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(*prev) - 1;
      std::uint64_t room =
          kMaxMissingReported - std::min<std::uint64_t>(out.size(), kMaxMissingReported);
      std::uint64_t take = std::min(gap, room);
      for (std::uint64_t k = 1; k <= take; ++k)
        out.push_back(Missing{static_cast<std::int64_t>(static_cast<std::uint64_t>(*prev) + k),
                              *prev, prev_first, prev_name});
      unreported += gap - take;
    }
    prev = id;
    prev_first = cocoa_column(*row, 1);
    prev_name = py_str(column_json(*row, 2));
  }
  if (!row->error().empty())
    ctx.warn(std::string(kFile) + ": " + row->error() + " (process IDs after it not checked)");
  if (unreported != 0)
    ctx.warn(std::string(kFile) + ": " + std::to_string(unreported) +
             " more missing process IDs (ZPROCESS Z_PK gaps) not reported one by one");
  return out;
}

std::string describe(const Json& r) {
  return py_str(r["proc_name"]) + " (Bundle ID: " + py_str(r["bundle_id"]) +
         ", ID: " + py_str(r["proc_id"]) + ")";
}

void live_usage_event(ModuleContext& ctx, const Json& r, std::optional<Micros> when) {
  ctx.timeline(
      when, "live_usage",
      describe(r) + " WWAN IN: " + py_str(r["wwan_in"]) + ", WWAN OUT: " + py_str(r["wwan_out"]));
}

Json placeholder(const Missing& m) {
  Json r;
  Json first = iso_or_null(m.prev_first);
  r["first_isodate"] = first;
  r["isodate"] = first;
  r["proc_name"] = "MISSING [follows " + m.prev_name + "]";
  r["bundle_id"] = nullptr;
  r["proc_id"] = m.id;
  r["wifi_in"] = nullptr;
  r["wifi_out"] = nullptr;
  r["wwan_in"] = nullptr;
  r["wwan_out"] = nullptr;
  r["live_id"] = nullptr;
  r["live_proc_id"] = m.id;
  r["live_isodate"] = first;
  return r;
}

// The process part of "<process>/<bundle>" (ZPROCNAME of processes acting for a bundle).
std::string_view process_part(std::string_view name) {
  std::size_t slash = name.find('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  return name.substr(0, slash);
}

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "WirelessDomain", "Library/Databases/DataUsage.sqlite");
  if (!db) return;
  if (!db->has_table("ZPROCESS") || !db->has_table("ZLIVEUSAGE") ||
      !db->has_column("ZPROCESS", "Z_PK") || !db->has_column("ZLIVEUSAGE", "ZHASPROCESS")) {
    ctx.warn(std::string(kFile) + ": no ZPROCESS/ZLIVEUSAGE tables (schema not recognised)");
    return;
  }
  auto p = [&](std::string_view c) { return sys::column_or_null(*db, "ZPROCESS", c, "p"); };
  auto l = [&](std::string_view c) { return sys::column_or_null(*db, "ZLIVEUSAGE", c, "l"); };
  // ZWIFIIN/ZWIFIOUT are gone from recent schemas (MVT's fallback query): NULL then.
  const std::string first = p("ZFIRSTTIMESTAMP"), last = p("ZTIMESTAMP"), name = p("ZPROCNAME"),
                    bundle = p("ZBUNDLENAME");
  const std::string live_ts = l("ZTIMESTAMP");
  // Every usage sample with its process (LEFT JOIN: samples whose process row was deleted are
  // kept), then every process without a sample. NOT EXISTS rather than MVT's NOT IN, which
  // yields no process-only rows at all once one sample has a NULL ZHASPROCESS. Ordered as MVT's
  // results end up (by first use; a sample without process by its own time), so the output
  // streams in MVT's order.
  const std::string sql = "SELECT " + first + ", " + last + ", " + name + ", " + bundle +
                          ", p.Z_PK, " + l("ZWIFIIN") + ", " + l("ZWIFIOUT") + ", " + l("ZWWANIN") +
                          ", " + l("ZWWANOUT") + ", l.Z_PK, l.ZHASPROCESS, " + live_ts +
                          ", COALESCE(" + first + ", " + live_ts +
                          ") FROM ZLIVEUSAGE l LEFT JOIN ZPROCESS p ON l.ZHASPROCESS = p.Z_PK "
                          "UNION ALL SELECT " +
                          first + ", " + last + ", " + name + ", " + bundle +
                          ", p.Z_PK, NULL, NULL, NULL, NULL, NULL, NULL, NULL, " + first +
                          " FROM ZPROCESS p WHERE NOT EXISTS "
                          "(SELECT 1 FROM ZLIVEUSAGE l WHERE l.ZHASPROCESS = p.Z_PK) "
                          "ORDER BY 13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10";

  std::vector<Missing> missing = find_missing(ctx, *db, first, name);
  // Placeholders go where MVT's stable sort by first_isodate puts them: after every record with
  // the same time.
  std::vector<const Missing*> pending;
  pending.reserve(missing.size());
  for (const auto& m : missing) pending.push_back(&m);
  std::stable_sort(pending.begin(), pending.end(), [](const Missing* a, const Missing* b) {
    return a->prev_first < b->prev_first;
  });
  std::size_t next_placeholder = 0;
  auto emit_placeholders_before = [&](std::optional<Micros> key, bool all) {
    while (next_placeholder < pending.size() &&
           (all || pending[next_placeholder]->prev_first < key)) {
      const Missing& m = *pending[next_placeholder++];
      Json r = placeholder(m);
      live_usage_event(ctx, r, m.prev_first);
      ctx.emit(r);
    }
  };
  // The record of each process that precedes a hole: the event of its "Missing process" alert.
  std::unordered_map<std::int64_t, Json> previous;
  for (const auto& m : missing) previous.emplace(m.prev_id, Json());

  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn(std::string(kFile) + ": " + error);
    return;
  }
  std::unordered_set<std::int64_t> usage_shown;  // first/current_usage once per process
  std::unordered_set<std::int64_t> manipulated_seen;
  std::size_t manipulated_null = 0;
  while (row->step()) {
    emit_placeholders_before(cocoa_column(*row, 12), false);
    Json r;
    auto first_time = cocoa_column(*row, 0);
    auto last_time = cocoa_column(*row, 1);
    auto live_time = cocoa_column(*row, 11);
    const bool has_process = row->type(4) != SQLITE_NULL;
    const bool is_live = row->type(9) != SQLITE_NULL;
    r["first_isodate"] = iso_or_null(first_time);
    r["isodate"] = iso_or_null(last_time);
    r["proc_name"] = column_json(*row, 2);
    r["bundle_id"] = column_json(*row, 3);
    r["proc_id"] = column_json(*row, 4);
    r["wifi_in"] = column_json(*row, 5);
    r["wifi_out"] = column_json(*row, 6);
    r["wwan_in"] = column_json(*row, 7);
    r["wwan_out"] = column_json(*row, 8);
    r["live_id"] = column_json(*row, 9);
    r["live_proc_id"] = column_json(*row, 10);
    std::optional<Micros> live_when = live_time ? live_time : first_time;
    r["live_isodate"] = iso_or_null(live_when);

    if (!has_process) {
      // A usage sample whose process row is gone: the process record was deleted.
      first_time = last_time = live_when;
      r["first_isodate"] = r["isodate"] = r["live_isodate"];
      r["proc_name"] = "MANIPULATED [process record deleted]";
      std::string live_proc = py_str(r["live_proc_id"]);
      bool first_of_id = row->type(10) == SQLITE_INTEGER
                             ? manipulated_seen.insert(row->integer(10)).second
                             : manipulated_null++ == 0;
      if (first_of_id)
        ctx.alert(Level::high,
                  "Found manipulated process entry " + live_proc + ". Entry on " +
                      py_str(r["live_isodate"]),
                  live_when, r);
      ctx.alert(Level::high, "Found manipulated process entry " + live_proc + "/", live_when, r);
      live_usage_event(ctx, r, live_when);
    } else {
      live_usage_event(ctx, r, live_when);
      if (is_live && row->type(4) == SQLITE_INTEGER && usage_shown.insert(row->integer(4)).second) {
        std::string data = describe(r);
        ctx.timeline(first_time, "first_usage", data);
        ctx.timeline(last_time, "current_usage", data);
      }
      std::string proc_name = sys::json_string(r, "proc_name");
      // MVT checks the text after the last '/' (the bundle ID in "<process>/<bundle>"); the
      // process part before it is checked too.
      if (!ctx.check_process(proc_name, r, Level::critical, first_time)) {
        std::string_view part = process_part(proc_name);
        if (!part.empty()) ctx.check_process(part, r, Level::critical, first_time);
      }
      if (row->type(4) == SQLITE_INTEGER) {
        auto it = previous.find(row->integer(4));
        if (it != previous.end()) it->second = r;
      }
    }
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn(std::string(kFile) + ": " + row->error() + " (rows after it are missing)");
  emit_placeholders_before(std::nullopt, true);

  for (const auto& m : missing) {
    const Json& event = previous[m.prev_id];
    ctx.alert(Level::low,
              "Missing process " + std::to_string(m.id) + ". Previous process at \"" +
                  py_str(iso_or_null(m.prev_first)) + "\" (" + m.prev_name + ")",
              m.prev_first, event.is_null() ? Json::object() : event);
  }
}

}  // namespace

extern const ModuleSpec kDatausage{"datausage", "Datausage",
                                   "Per-process network usage (DataUsage.sqlite)", run};

}  // namespace vigil::modules::ios
