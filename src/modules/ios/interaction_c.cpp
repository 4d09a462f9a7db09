// interactionC.db: CoreDuet's record of people interactions (the "Siri suggestions" store): one
// ZINTERACTIONS row per message, call or share in Messages, Phone, Mail, WhatsApp and other apps
// (bundle id, direction, start/end/creation dates, the other app's conversation identifier),
// with the sender in ZCONTACTS (identifier, display name, first/last incoming/outgoing dates per
// contact) and, in richer schemas, the recipients and attachments through Core Data join tables
// (Z_<n>INTERACTIONRECIPIENT, Z_<n>INTERACTIONS -> ZATTACHMENT, whose numbers vary across iOS
// versions and are found by their column names here). Location: HomeDomain
// Library/CoreDuet/People/interactionC.db. Times are Cocoa seconds (REAL). WhatsApp peers appear
// as LIDs or JIDs; they are resolved to a phone number and name with WhatsApp's own contact
// database (ContactsV2.sqlite, read here directly). Why it matters: it keeps who-talked-to-whom
// and when after the messages themselves are deleted, and a creation date far from the event
// date shows a backfilled or altered record.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include <xxhash.h>

#include "core/json_out.hpp"
#include "core/text.hpp"
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kDateFields[] = {"start_date",
                                            "end_date",
                                            "interactions_creation_date",
                                            "contacts_creation_date",
                                            "first_incoming_recipient_date",
                                            "first_incoming_sender_date",
                                            "first_outgoing_recipient_date",
                                            "last_incoming_sender_date",
                                            "last_incoming_recipient_date",
                                            "last_outgoing_recipient_date"};

// Per-contact aggregates (repeated on every interaction of the contact) and their data strings.
struct ContactEvent {
  std::string_view field, before, after;
};
constexpr ContactEvent kContactEvents[] = {
    {"contacts_creation_date", "Contact ", " first recorded in interactionC"},
    {"first_incoming_sender_date", "First incoming interaction from ", ""},
    {"last_incoming_sender_date", "Last incoming interaction from ", ""},
    {"first_incoming_recipient_date", "First incoming interaction where ", " was a recipient"},
    {"last_incoming_recipient_date", "Last incoming interaction where ", " was a recipient"},
    {"first_outgoing_recipient_date", "First outgoing interaction to ", ""},
    {"last_outgoing_recipient_date", "Last outgoing interaction to ", ""},
};

constexpr double kCreationDivergenceSeconds = 3600;

// The contact events already written, by the 128-bit XXH3 hash of (time, field, contact): an
// open-addressing table of hashes, without the keys. Each interaction looks up seven; a set of
// strings spent most of that in cache misses on its nodes. Two different keys with the same
// 128-bit hash are not a practical concern, and the timeline drops exact duplicates anyway.
class SeenEvents {
 public:
  /// True the first time `key` is given.
  bool insert(std::string_view key) {
    XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    h.low64 |= 1;  // {0, 0} marks an empty slot
    if ((count_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t at = h.low64 & (slots_.size() - 1);; at = (at + 1) & (slots_.size() - 1)) {
      XXH128_hash_t& slot = slots_[at];
      if (slot.low64 == 0) {
        slot = h;
        ++count_;
        return true;
      }
      if (slot.low64 == h.low64 && slot.high64 == h.high64) return false;
    }
  }

 private:
  void grow() {
    std::vector<XXH128_hash_t> old(std::max<std::size_t>(1024, slots_.size() * 2));
    old.swap(slots_);
    for (const auto& h : old) {
      if (h.low64 == 0) continue;
      std::size_t at = h.low64 & (slots_.size() - 1);
      while (slots_[at].low64 != 0) at = (at + 1) & (slots_.size() - 1);
      slots_[at] = h;
    }
  }

  std::vector<XXH128_hash_t> slots_;
  std::size_t count_ = 0;
};

std::string sql_identifier(std::string_view identifier) {
  std::string out = "\"";
  for (char c : identifier) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         core::iequals_ascii(s.substr(s.size() - suffix.size()), suffix);
}

// A Core Data many-to-many join table: its name and the two foreign-key columns.
struct JoinTable {
  std::string table, left, right;  // left -> ZINTERACTIONS.Z_PK, right -> the other entity
};

std::optional<JoinTable> find_join(const core::Database& db, std::string_view table_suffix,
                                   std::string_view left_suffix, std::string_view right_suffix) {
  std::string error;
  auto st = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'", error);
  if (!st) return std::nullopt;
  while (st->step()) {
    std::string name(st->bytes(0));
    if (name.size() < 3 || !core::iequals_ascii(name.substr(0, 2), "Z_") ||
        !ends_with_ci(name, table_suffix))
      continue;
    JoinTable j{name, "", ""};
    for (const auto& c : db.columns(name)) {
      if (ends_with_ci(c, right_suffix))
        j.right = c;
      else if (ends_with_ci(c, left_suffix))
        j.left = c;
    }
    if (!j.left.empty() && !j.right.empty()) return j;
  }
  return std::nullopt;
}

// One value of the record: what column_json() would make of it, kept as text so that the record
// is written without a JSON tree (interactionC.db may hold millions of interactions).
struct Cell {
  enum class Kind { null, integer, real, string } kind = Kind::null;
  std::string text;  // the string, or the number as JSON text
  double number = 0;

  void set_null() {
    kind = Kind::null;
    text.clear();
  }
  void set_string(std::string_view value) {
    kind = Kind::string;
    text.assign(value);
  }
  void set_column(const core::Statement& row, int column) {
    text.clear();
    switch (row.type(column)) {
      case SQLITE_INTEGER:
        kind = Kind::integer;
        number = static_cast<double>(row.integer(column));
        core::append_json_number(text, row.integer(column));
        break;
      case SQLITE_FLOAT:
        kind = Kind::real;
        number = row.real(column);
        core::append_json_number(text, number);
        break;
      case SQLITE_TEXT:
        kind = Kind::string;
        append_utf8_or_escaped(text, row.bytes(column));
        break;
      case SQLITE_BLOB:
        kind = Kind::string;
        core::append_base64(text, row.bytes(column));
        break;
      default:
        kind = Kind::null;
    }
  }
  void append_json(std::string& out) const {
    if (kind == Kind::null)
      out += "null";
    else if (kind == Kind::string)
      core::append_json_string(out, text);
    else
      out += text;
  }
  [[nodiscard]] bool is_string(std::string_view value) const {
    return kind == Kind::string && text == value;
  }
  [[nodiscard]] bool is_number(double value) const {
    return (kind == Kind::integer || kind == Kind::real) && number == value;
  }
  [[nodiscard]] bool operator==(const Cell& other) const {
    return kind == other.kind && text == other.text;
  }
  /// Python's truthiness and str(): null, "" and 0 are nothing.
  [[nodiscard]] std::optional<std::string> truthy() const {
    if (kind == Kind::null || (kind == Kind::string && text.empty()) ||
        (kind != Kind::string && number == 0))
      return std::nullopt;
    return text;
  }
  /// Python's str() as MVT's f-strings show it.
  [[nodiscard]] std::string py_str() const {
    if (kind == Kind::null) return "None";
    if (kind == Kind::real) return py_float(number);
    return text;
  }
};

// The record fields that name one party of an interaction (indexes into the record's cells).
struct Party {
  std::size_t display_name, resolved_name, resolved_phone_number, identifier;
};

// "Name (identifier)", the identifier alone when the name is just the same number, or either.
std::optional<std::string> describe_party(const std::vector<Cell>& cells, const Party& party) {
  auto name = cells[party.display_name].truthy();
  if (!name) name = cells[party.resolved_name].truthy();
  auto identifier = cells[party.resolved_phone_number].truthy();
  if (!identifier) identifier = cells[party.identifier].truthy();
  if (name && identifier) {
    std::string digits = digits_of(*name);
    if (!digits.empty() && digits == digits_of(*identifier)) return identifier;
    return *name + " (" + *identifier + ")";
  }
  return name ? name : identifier;
}

std::string describe_delta(double seconds) {
  char buf[64];
  if (seconds >= 86400)
    std::snprintf(buf, sizeof buf, "%.0f days", seconds / 86400);
  else
    std::snprintf(buf, sizeof buf, "%.0f hours", seconds / 3600);
  return buf;
}

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "HomeDomain", "Library/CoreDuet/People/interactionC.db");
  if (!db) return;
  if (!db->has_table("ZINTERACTIONS")) {
    ctx.warn("interactionC.db: no ZINTERACTIONS table (schema not recognised)");
    return;
  }
  auto has = [&](std::string_view table, std::string_view column) {
    return db->has_table(table) && db->has_column(table, column);
  };
  const bool contacts = has("ZINTERACTIONS", "ZSENDER") && has("ZCONTACTS", "Z_PK");
  auto attach_join = has("ZATTACHMENT", "Z_PK")
                         ? find_join(*db, "INTERACTIONS", "INTERACTIONS", "ATTACHMENTS")
                         : std::nullopt;
  auto recipient_join = has("ZCONTACTS", "Z_PK") ? find_join(*db, "INTERACTIONRECIPIENT",
                                                             "INTERACTIONRECIPIENT", "RECIPIENTS")
                                                 : std::nullopt;

  auto col = [&](std::string_view alias, std::string_view table, std::string_view column,
                 bool joined) {
    if (!joined || !has(table, column)) return std::string("NULL");
    return std::string(alias) + "." + std::string(column);
  };
  auto i = [&](std::string_view c) { return col("I", "ZINTERACTIONS", c, true); };
  auto s = [&](std::string_view c) { return col("C", "ZCONTACTS", c, contacts); };
  auto rc = [&](std::string_view c) {
    return col("R", "ZCONTACTS", c, recipient_join.has_value());
  };
  auto a = [&](std::string_view c) { return col("A", "ZATTACHMENT", c, attach_join.has_value()); };
  std::string attachment_id = a("ZIDENTIFIER");
  if (attachment_id != "NULL")
    attachment_id =
        "CASE WHEN " + attachment_id + " IS NULL THEN NULL ELSE HEX(" + attachment_id + ") END";

  const std::pair<std::string_view, std::string> columns[] = {
      {"start_date", i("ZSTARTDATE")},
      {"end_date", i("ZENDDATE")},
      {"bundle_id", i("ZBUNDLEID")},
      {"account", i("ZACCOUNT")},
      {"target_bundle_id", i("ZTARGETBUNDLEID")},
      {"direction", i("ZDIRECTION")},
      {"sender_display_name", s("ZDISPLAYNAME")},
      {"sender_identifier", s("ZIDENTIFIER")},
      {"sender_personid", s("ZPERSONID")},
      {"recipient_display_name", rc("ZDISPLAYNAME")},
      {"recipient_identifier", rc("ZIDENTIFIER")},
      {"recipient_personid", rc("ZPERSONID")},
      {"recipient_count", i("ZRECIPIENTCOUNT")},
      {"domain_identifier", i("ZDOMAINIDENTIFIER")},
      {"is_response", i("ZISRESPONSE")},
      {"content", a("ZCONTENTTEXT")},
      {"uti", a("ZUTI")},
      {"attachment_content_url", a("ZCONTENTURL")},
      {"size", a("ZSIZEINBYTES")},
      {"photo_local_id", a("ZPHOTOLOCALIDENTIFIER")},
      {"attachment_id", attachment_id},
      {"cloud_id", a("ZCLOUDIDENTIFIER")},
      {"incoming_recipient_count", s("ZINCOMINGRECIPIENTCOUNT")},
      {"incoming_sender_count", s("ZINCOMINGSENDERCOUNT")},
      {"outgoing_recipient_count", s("ZOUTGOINGRECIPIENTCOUNT")},
      {"interactions_creation_date", i("ZCREATIONDATE")},
      {"contacts_creation_date", s("ZCREATIONDATE")},
      {"first_incoming_recipient_date", s("ZFIRSTINCOMINGRECIPIENTDATE")},
      {"first_incoming_sender_date", s("ZFIRSTINCOMINGSENDERDATE")},
      {"first_outgoing_recipient_date", s("ZFIRSTOUTGOINGRECIPIENTDATE")},
      {"last_incoming_sender_date", s("ZLASTINCOMINGSENDERDATE")},
      {"last_incoming_recipient_date", s("ZLASTINCOMINGRECIPIENTDATE")},
      {"last_outgoing_recipient_date", s("ZLASTOUTGOINGRECIPIENTDATE")},
      {"custom_id", s("ZCUSTOMIDENTIFIER")},
      {"interaction_content_url", i("ZCONTENTURL")},
      {"location_uuid", i("ZLOCATIONUUID")},
      {"group_name", i("ZGROUPNAME")},
      {"derivied_intent_id", i("ZDERIVEDINTENTIDENTIFIER")},
      {"mechanism", i("ZMECHANISM")},
      {"table_id", i("Z_PK")},
  };
  std::string sql = "SELECT ";
  for (std::size_t k = 0; k < std::size(columns); ++k) sql += (k ? ", " : "") + columns[k].second;
  sql += " FROM ZINTERACTIONS I";
  if (contacts) sql += " LEFT JOIN ZCONTACTS C ON I.ZSENDER = C.Z_PK";
  if (attach_join)
    sql += " LEFT JOIN " + sql_identifier(attach_join->table) + " J1 ON I.Z_PK = J1." +
           sql_identifier(attach_join->left) + " LEFT JOIN ZATTACHMENT A ON J1." +
           sql_identifier(attach_join->right) + " = A.Z_PK";
  if (recipient_join)
    sql += " LEFT JOIN " + sql_identifier(recipient_join->table) + " J2 ON I.Z_PK = J2." +
           sql_identifier(recipient_join->left) + " LEFT JOIN ZCONTACTS R ON J2." +
           sql_identifier(recipient_join->right) + " = R.Z_PK";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn("interactionC.db: " + error);
    return;
  }

  // WhatsApp contact indexes, read on the first interaction of each app.
  const auto apps = whatsapp_apps();
  std::vector<WhatsappContactIndex> indexes(apps.size());
  std::vector<bool> loaded(apps.size(), false);
  // Contact aggregates repeat on every interaction of a contact: one event each.
  SeenEvents contact_events;
  std::string event_text, event_key, record;

  // The record's cells: the columns, then the names WhatsApp's contacts resolve (their fields
  // are only in the records of WhatsApp interactions).
  constexpr std::string_view kResolvedNames[] = {
      "sender_resolved_phone_number",    "sender_resolved_name",
      "recipient_resolved_phone_number", "recipient_resolved_name",
      "domain_resolved_phone_number",    "domain_resolved_name"};
  constexpr std::size_t kColumns = std::size(columns);
  std::vector<std::string> names;
  for (const auto& c : columns) names.emplace_back(c.first);
  for (auto n : kResolvedNames) names.emplace_back(n);
  auto at = [&](std::string_view name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  // Which kDateFields entry each column is (std::size(kDateFields): not a date).
  std::array<std::size_t, kColumns> date_of{};
  for (std::size_t k = 0; k < kColumns; ++k) {
    date_of[k] = std::size(kDateFields);
    for (std::size_t d = 0; d < std::size(kDateFields); ++d)
      if (kDateFields[d] == columns[k].first) date_of[k] = d;
  }
  const std::size_t direction_at = at("direction"), bundle_at = at("bundle_id"),
                    account_at = at("account"), group_at = at("group_name"),
                    content_at = at("content"), start_at = at("start_date"),
                    end_at = at("end_date"), custom_at = at("custom_id");
  const Party sender{at("sender_display_name"), at("sender_resolved_name"),
                     at("sender_resolved_phone_number"), at("sender_identifier")};
  const Party recipient_party{at("recipient_display_name"), at("recipient_resolved_name"),
                              at("recipient_resolved_phone_number"), at("recipient_identifier")};
  const Party domain_party{at("domain_display_name"), at("domain_resolved_name"),
                           at("domain_resolved_phone_number"), at("domain_identifier")};
  // A field no column fills (domain_display_name) is the last cell, always null.
  std::vector<Cell> cells(names.size() + 1);
  const std::size_t absent = names.size();

  while (row->step()) {
    std::optional<core::Micros> times[std::size(kDateFields)];
    for (std::size_t k = 0; k < kColumns; ++k) {
      const int column = static_cast<int>(k);
      const std::size_t date = date_of[k];
      if (date == std::size(kDateFields)) {
        cells[k].set_column(*row, column);
      } else if (row->type(column) == SQLITE_TEXT) {  // already text: kept as it is
        cells[k].set_column(*row, column);
        times[date] = core::parse_iso(row->bytes(column));
      } else {
        times[date] = cocoa_column(*row, column);
        if (times[date])
          cells[k].set_string(core::format_iso(*times[date]));
        else
          cells[k].set_null();
      }
    }
    Cell& direction = cells[direction_at];
    if (direction.is_number(0) || direction.is_string("0")) direction.set_string("INCOMING");
    if (direction.is_number(1) || direction.is_string("1")) direction.set_string("OUTGOING");

    bool resolved = false;
    const Cell& bundle = cells[bundle_at];
    for (std::size_t k = 0; k < apps.size(); ++k) {
      if (bundle.kind != Cell::Kind::string || bundle.text != apps[k].bundle_id) continue;
      if (!loaded[k]) {
        indexes[k].load(ctx, apps[k]);
        loaded[k] = true;
      }
      resolved = true;
      const std::size_t sources[3][2] = {{sender.identifier, custom_at},
                                         {recipient_party.identifier, absent},
                                         {domain_party.identifier, absent}};
      for (std::size_t p = 0; p < 3; ++p) {
        WhatsappContactIndex::Resolved found;
        for (std::size_t source : sources[p]) {
          if (source == absent) continue;
          auto value = cells[source].truthy();
          if (!value) continue;
          found = indexes[k].resolve(*value);
          if (found.any()) break;
        }
        Cell& phone = cells[kColumns + 2 * p];
        Cell& name = cells[kColumns + 2 * p + 1];
        if (found.phone)
          phone.set_string(*found.phone);
        else
          phone.set_null();
        if (found.name)
          name.set_string(*found.name);
        else
          name.set_null();
      }
    }
    if (!resolved)
      for (std::size_t k = kColumns; k < names.size(); ++k) cells[k].set_null();

    // Timeline.
    auto from = describe_party(cells, sender);
    auto to = describe_party(cells, recipient_party);
    if (!to) to = describe_party(cells, domain_party);
    const std::string dir = direction.kind == Cell::Kind::string ? direction.text : "";
    std::string data = "[" + bundle.py_str() + "]";
    if (auto account = cells[account_at].truthy()) data += " " + *account;
    if (auto d = direction.truthy()) data += " " + *d;
    data += " from " + (from ? *from : dir == "OUTGOING" ? "local user" : "unknown");
    data += " to " + (to ? *to : dir == "INCOMING" ? "local user" : "unknown");
    if (auto group = cells[group_at].truthy()) data += " (group: " + *group + ")";
    if (auto content = cells[content_at].truthy()) data += ": " + *content;

    const auto& start = times[0];
    ctx.timeline(start, "start_date", data);
    if (!(cells[end_at] == cells[start_at])) ctx.timeline(times[1], "end_date", data);
    if (const auto& created = times[2]) {
      if (!start) {
        ctx.timeline(created, "interactions_creation_date", data);
      } else {
        double delta = static_cast<double>(*created - *start) / 1e6;
        if (std::fabs(delta) >= kCreationDivergenceSeconds)
          ctx.timeline(created, "interactions_creation_date",
                       "Interaction record created " + describe_delta(std::fabs(delta)) + " " +
                           (delta > 0 ? "after" : "before") + " the event: " + data);
      }
    }
    if (from) {
      for (std::size_t k = 0; k < std::size(kContactEvents); ++k) {
        const auto& e = kContactEvents[k];
        std::size_t d = 0;
        while (kDateFields[d] != e.field) ++d;
        if (!times[d]) continue;
        event_key.assign(reinterpret_cast<const char*>(&*times[d]), sizeof(core::Micros));
        event_key += static_cast<char>(k);
        event_key += *from;
        if (!contact_events.insert(event_key)) continue;
        event_text.assign(e.before).append(*from).append(e.after);
        ctx.timeline(times[d], e.field, event_text);
      }
    }

    record = "{";
    const std::size_t fields = resolved ? names.size() : kColumns;
    for (std::size_t k = 0; k < fields; ++k) {
      if (k != 0) record += ',';
      core::append_json_string(record, names[k]);
      record += ':';
      cells[k].append_json(record);
    }
    record += '}';
    ctx.emit_text(record);
  }
  if (!row->error().empty())
    ctx.warn("interactionC.db: " + row->error() + " (interactions after it are missing)");
}

}  // namespace

extern const ModuleSpec kInteractionC{
    "interaction_c", "InteractionC",
    "Who interacted with whom and when, across apps (CoreDuet interactionC.db)", run};

}  // namespace vigil::modules::ios
