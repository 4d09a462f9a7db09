// Calendar.sqlitedb: the device's calendar events and invitations. Location: HomeDomain
// Library/Calendar/Calendar.sqlitedb. CalendarItem holds events (summary, description,
// start_date/end_date/last_modified/creation_date in Cocoa seconds, organizer_id →
// Participant.ROWID, UUID…); Participant holds organisers and attendees (email, phone_number,
// last_modified). Columns vary with the iOS version (action, created_by_id, hidden… are
// recent): absent ones read as null. Why it matters: calendar invitations are a zero-click
// vector — QuaDream's exploit (2021) planted invitations titled "Meeting" with description
// "Notes" — and attacker e-mail addresses appear as organisers.
#include <array>

#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

struct Column {
  std::string_view table;  // "i" CalendarItem, "p" Participant
  std::string_view column;
  std::string_view name;  // record key
  bool date = false;
};

constexpr std::array<Column, 23> kColumns = {{
    {"i", "ROWID", "id", false},
    {"i", "summary", "summary", false},
    {"i", "description", "description", false},
    {"i", "start_date", "start_date", true},
    {"i", "end_date", "end_date", true},
    {"i", "all_day", "all_day", false},
    {"i", "calendar_id", "calendar_id", false},
    {"i", "organizer_id", "organizer_id", false},
    {"i", "url", "url", false},
    {"i", "last_modified", "last_modified", true},
    {"i", "external_id", "external_id", false},
    {"i", "external_mod_tag", "external_mod_tag", false},
    {"i", "unique_identifier", "unique_identifier", false},
    {"i", "hidden", "hidden", false},
    {"i", "UUID", "uuid", false},
    {"i", "creation_date", "creation_date", true},
    {"i", "action", "action", false},
    {"i", "created_by_id", "created_by_id", false},
    {"p", "UUID", "participant_uuid", false},
    {"p", "email", "participant_email", false},
    {"p", "phone_number", "participant_phone", false},
    {"p", "comment", "participant_comment", false},
    {"p", "last_modified", "participant_last_modified", true},
}};

// The timeline's order of date fields (MVT's).
constexpr std::array<std::string_view, 5> kDates = {"start_date", "end_date", "last_modified",
                                                    "creation_date", "participant_last_modified"};

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "HomeDomain", "Library/Calendar/Calendar.sqlitedb");
  if (!db) return;
  if (!db->has_table("CalendarItem")) {
    ctx.warn("Calendar.sqlitedb: no CalendarItem table (schema not recognised)");
    return;
  }
  const bool participants =
      db->has_table("Participant") && db->has_column("CalendarItem", "organizer_id");
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    const Column& c = kColumns[i];
    if (i != 0) sql += ", ";
    if (c.table == "p" && !participants)
      sql += "NULL";
    else
      sql += sys::column_or_null(*db, c.table == "i" ? "CalendarItem" : "Participant", c.column,
                                 c.table);
  }
  sql += " FROM CalendarItem i";
  if (participants) sql += " LEFT JOIN Participant p ON p.ROWID = i.organizer_id";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn("Calendar.sqlitedb: " + error);
    return;
  }
  while (row->step()) {
    Json r;
    std::array<std::optional<Micros>, kColumns.size()> times{};
    for (std::size_t i = 0; i < kColumns.size(); ++i) {
      const Column& c = kColumns[i];
      int col = static_cast<int>(i);
      if (c.date && (row->type(col) == SQLITE_INTEGER || row->type(col) == SQLITE_FLOAT)) {
        times[i] = cocoa_column(*row, col);
        r[std::string(c.name)] = iso_or_null(times[i]);
      } else {
        r[std::string(c.name)] = column_json(*row, col);
        if (c.date && row->type(col) == SQLITE_TEXT) times[i] = core::parse_iso(row->bytes(col));
      }
    }
    std::string data = "Calendar event " + py_str(r["summary"]) + " (" + py_str(r["description"]) +
                       ") (invitation by " + py_str(r["participant_email"]) + ")";
    for (std::string_view field : kDates)
      for (std::size_t i = 0; i < kColumns.size(); ++i)
        if (kColumns[i].name == field) ctx.timeline(times[i], std::string(field), data);

    bool matched = false;
    if (auto email = sys::json_string(r, "participant_email"); !email.empty())
      matched = ctx.check_email(email, r);
    if (!matched && r["summary"] == "Meeting" && r["description"] == "Notes")
      ctx.alert(
          Level::high,
          "Potential Quadream exploit event identified: " + core::printable(py_str(r["uuid"])),
          std::nullopt, r);
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn("Calendar.sqlitedb: " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kCalendar{"calendar", "Calendar", "Calendar events (Calendar.sqlitedb)",
                                  run};

}  // namespace vigil::modules::ios
