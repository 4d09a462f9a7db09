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
#include <array>
#include <cmath>
#include <cstdio>

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

// A value as Python's truthiness and str() see it: null, "" and 0 are nothing.
std::optional<std::string> truthy(const Json& v) {
  if (v.is_string()) {
    if (v.get_ref<const std::string&>().empty()) return std::nullopt;
    return v.get<std::string>();
  }
  if (v.is_number()) {
    if (v.get<double>() == 0) return std::nullopt;
    return v.dump();
  }
  if (v.is_boolean() && v.get<bool>()) return "True";
  return std::nullopt;
}

// The record fields that name one party of an interaction.
struct Party {
  std::string_view display_name, resolved_name, resolved_phone_number, identifier;
};
constexpr Party kSender{"sender_display_name", "sender_resolved_name",
                        "sender_resolved_phone_number", "sender_identifier"};
constexpr Party kRecipient{"recipient_display_name", "recipient_resolved_name",
                           "recipient_resolved_phone_number", "recipient_identifier"};
constexpr Party kDomain{"domain_display_name", "domain_resolved_name",
                        "domain_resolved_phone_number", "domain_identifier"};

// "Name (identifier)", the identifier alone when the name is just the same number, or either.
std::optional<std::string> describe_party(const Json& r, const Party& party) {
  auto name = truthy(field(r, party.display_name));
  if (!name) name = truthy(field(r, party.resolved_name));
  auto identifier = truthy(field(r, party.resolved_phone_number));
  if (!identifier) identifier = truthy(field(r, party.identifier));
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
  std::unordered_set<std::string> contact_events;
  std::string event_text, event_key;
  // Which kDateFields entry each column is (std::size(kDateFields): not a date).
  std::array<std::size_t, std::size(columns)> date_of{};
  for (std::size_t k = 0; k < std::size(columns); ++k) {
    date_of[k] = std::size(kDateFields);
    for (std::size_t d = 0; d < std::size(kDateFields); ++d)
      if (kDateFields[d] == columns[k].first) date_of[k] = d;
  }

  while (row->step()) {
    // Built member by member (the names are distinct): no lookups while the record grows.
    Json r = Json::object();
    auto& members = r.get_ref<Json::object_t&>();
    members.reserve(std::size(columns) + 6);
    std::optional<core::Micros> times[std::size(kDateFields)];
    for (int k = 0; k < static_cast<int>(std::size(columns)); ++k) {
      std::string name(columns[static_cast<std::size_t>(k)].first);
      std::size_t date = date_of[static_cast<std::size_t>(k)];
      if (date == std::size(kDateFields)) {
        members.emplace_back(std::move(name), column_json(*row, k));
      } else if (row->type(k) == SQLITE_TEXT) {  // already text: kept as it is
        members.emplace_back(std::move(name), column_json(*row, k));
        times[date] = core::parse_iso(row->bytes(k));
      } else {
        times[date] = cocoa_column(*row, k);
        members.emplace_back(std::move(name), iso_or_null(times[date]));
      }
    }
    const Json direction = field(r, "direction");
    if (direction == 0 || direction == "0") r["direction"] = "INCOMING";
    if (direction == 1 || direction == "1") r["direction"] = "OUTGOING";

    const std::string bundle = json_string(field(r, "bundle_id"));
    for (std::size_t k = 0; k < apps.size(); ++k) {
      if (bundle != apps[k].bundle_id) continue;
      if (!loaded[k]) {
        indexes[k].load(ctx, apps[k]);
        loaded[k] = true;
      }
      const std::pair<std::string, std::vector<std::string_view>> candidates[] = {
          {"sender", {"sender_identifier", "custom_id"}},
          {"recipient", {"recipient_identifier"}},
          {"domain", {"domain_identifier"}},
      };
      for (const auto& [prefix, fields] : candidates) {
        WhatsappContactIndex::Resolved found;
        for (auto field : fields) {
          auto value = truthy(r[std::string(field)]);
          if (!value) continue;
          found = indexes[k].resolve(*value);
          if (found.any()) break;
        }
        r[prefix + "_resolved_phone_number"] = found.phone ? Json(*found.phone) : Json();
        r[prefix + "_resolved_name"] = found.name ? Json(*found.name) : Json();
      }
    }

    // Timeline.
    auto sender = describe_party(r, kSender);
    auto recipient = describe_party(r, kRecipient);
    if (!recipient) recipient = describe_party(r, kDomain);
    const std::string dir = json_string(field(r, "direction"));
    std::string data = "[" + py_str(field(r, "bundle_id")) + "]";
    if (auto account = truthy(field(r, "account"))) data += " " + *account;
    if (auto d = truthy(field(r, "direction"))) data += " " + *d;
    data += " from " + (sender ? *sender : dir == "OUTGOING" ? "local user" : "unknown");
    data += " to " + (recipient ? *recipient : dir == "INCOMING" ? "local user" : "unknown");
    if (auto group = truthy(field(r, "group_name"))) data += " (group: " + *group + ")";
    if (auto content = truthy(field(r, "content"))) data += ": " + *content;

    const auto& start = times[0];
    ctx.timeline(start, "start_date", data);
    if (field(r, "end_date") != field(r, "start_date")) ctx.timeline(times[1], "end_date", data);
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
    if (sender) {
      for (const auto& e : kContactEvents) {
        std::size_t d = 0;
        while (kDateFields[d] != e.field) ++d;
        if (!times[d]) continue;
        event_text.assign(e.before).append(*sender).append(e.after);
        event_key.assign(std::to_string(*times[d])).append("|").append(e.field).append("|");
        event_key += event_text;
        if (contact_events.contains(event_key)) continue;  // the common case: no allocation
        contact_events.insert(event_key);
        ctx.timeline(times[d], e.field, event_text);
      }
    }
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn("interactionC.db: " + row->error() + " (interactions after it are missing)");
}

}  // namespace

extern const ModuleSpec kInteractionC{
    "interaction_c", "InteractionC",
    "Who interacted with whom and when, across apps (CoreDuet interactionC.db)", run};

}  // namespace vigil::modules::ios
