#include "modules/ios/whatsapp_util.hpp"

#include <array>
#include <cmath>
#include <cstdint>

#include "core/json_out.hpp"
#include "core/shorteners.hpp"
#include "core/text.hpp"
#include "core/url.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::array<WhatsappApp, 2> kApps = {{
    {"WhatsApp", "net.whatsapp.WhatsApp", "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
     "whatsapp"},
    {"WhatsApp Business", "net.whatsapp.WhatsAppSMB",
     "AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared", "whatsapp_business"},
}};

constexpr std::string_view kContactsTable = "ZWAADDRESSBOOKCONTACT";

// Record field -> candidate columns of ZWAADDRESSBOOKCONTACT (WhatsApp renames some across
// versions), in record order.
struct ContactField {
  std::string_view field;
  std::array<std::string_view, 2> columns;
  enum Kind : std::uint8_t { text, number, date } kind;
};
constexpr std::array<ContactField, 20> kContactFields = {{
    {"whatsapp_id", {"ZWHATSAPPID", ""}, ContactField::text},
    {"lid", {"ZLID", ""}, ContactField::text},
    {"phone_number", {"ZPHONENUMBER", ""}, ContactField::text},
    {"localized_phone_number", {"ZLOCALIZEDPHONENUMBER", ""}, ContactField::text},
    {"full_name", {"ZFULLNAME", ""}, ContactField::text},
    {"given_name", {"ZGIVENNAME", ""}, ContactField::text},
    {"last_name", {"ZLASTNAME", ""}, ContactField::text},
    {"user_name", {"ZUSERNAME", ""}, ContactField::text},
    {"business_name", {"ZBUSINESSNAME", ""}, ContactField::text},
    {"about_text", {"ZABOUTTEXT", ""}, ContactField::text},
    {"about_emoji", {"ZABOUTEMOJI", ""}, ContactField::text},
    {"notes", {"ZNOTES", ""}, ContactField::text},
    {"disappearing_mode_duration", {"ZDISAPPEARINGMODEDURATION", ""}, ContactField::number},
    {"disappearing_mode_timestamp", {"ZDISAPPEARINGMODETIMESTAMP", ""}, ContactField::date},
    {"about_timestamp", {"ZABOUTTIMESTAMP", ""}, ContactField::date},
    {"about_expiration_timestamp", {"ZABOUTEXPIRATIONTIMESTAMP", ""}, ContactField::date},
    {"last_updated", {"ZLASTUPDATED", ""}, ContactField::date},
    {"phone_status", {"ZPHONESTATUS", "ZPHONENUMBERSTATUS"}, ContactField::number},
    {"sync_policy", {"ZSYNCPOLICY", ""}, ContactField::number},
    {"row_pk", {"Z_PK", ""}, ContactField::number},
}};
constexpr std::size_t kDurationField = 12;
constexpr std::size_t kRowPkField = 19;

// A string attribute: Core Data keeps some as UTF-8 blobs, so text and blobs are both decoded.
Json text_json(const core::Statement& row, int column) {
  switch (row.type(column)) {
    case SQLITE_TEXT:
    case SQLITE_BLOB:
      return core::utf8_or_escaped(row.bytes(column));
    case SQLITE_NULL:
      return nullptr;
    default:
      return column_json(row, column).dump();
  }
}

std::string_view duration_label(std::int64_t seconds) {
  switch (seconds) {
    case 86400:
      return "24 hours";
    case 604800:
      return "7 days";
    case 1209600:
      return "14 days";
    case 2592000:
      return "30 days";
    case 7776000:
      return "90 days";
    default:
      return "";
  }
}

std::optional<std::string> non_empty_string(const Json& v) {
  if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v.get<std::string>();
  return std::nullopt;
}

}  // namespace

void append_escaped_newlines(std::string& out, std::string_view text) {
  for (std::size_t nl = text.find('\n'); nl != std::string_view::npos; nl = text.find('\n')) {
    out.append(text.substr(0, nl));
    out += "\\n";
    text.remove_prefix(nl + 1);
  }
  out.append(text);
}

std::span<const WhatsappApp> whatsapp_apps() { return kApps; }

ColumnRecord::ColumnRecord(const core::Statement& row, std::span<const std::string_view> extra) {
  const int n = row.column_count();
  for (int i = 0; i < n; ++i) names_.push_back(row.column_name(i));
  keep_.assign(names_.size(), true);
  std::unordered_set<std::string> later;
  for (std::size_t i = names_.size(); i-- > 0;)
    if (!later.insert(names_[i]).second) keep_[i] = false;
  auto key = [](std::string_view name) {
    std::string k;
    core::append_json_string(k, name);
    return k + ':';
  };
  for (const auto& name : names_) keys_.push_back(key(name));
  replaced_by_.assign(names_.size(), -1);
  for (std::size_t e = 0; e < extra.size(); ++e) {
    extra_keys_.push_back(key(extra[e]));
    const int column = index(extra[e]);
    if (column >= 0)
      replaced_by_[static_cast<std::size_t>(column)] = static_cast<int>(e);
    else
      appended_.push_back(e);
  }
}

void ColumnRecord::write(const core::Statement& row, std::span<const std::string_view> values,
                         std::string& out) const {
  out += '{';
  bool first = true;
  auto member = [&](const std::string& key) {
    if (!first) out += ',';
    first = false;
    out += key;
  };
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!keep_[i]) continue;
    member(keys_[i]);
    const int e = replaced_by_[i];
    if (e >= 0 && !values[static_cast<std::size_t>(e)].empty())
      out += values[static_cast<std::size_t>(e)];
    else
      append_column_json(out, row, static_cast<int>(i));
  }
  for (std::size_t e : appended_) {
    if (values[e].empty()) continue;
    member(extra_keys_[e]);
    out += values[e];
  }
  out += '}';
}

Json ColumnRecord::build(const core::Statement& row) const {
  Json r = Json::object();
  auto& members = r.get_ref<Json::object_t&>();
  members.reserve(names_.size() + 8);
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (keep_[i]) members.emplace_back(names_[i], column_json(row, static_cast<int>(i)));
  return r;
}

int ColumnRecord::index(std::string_view name) const {
  for (std::size_t i = names_.size(); i-- > 0;)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

std::optional<core::Database> open_optional_db(ModuleContext& ctx, std::string_view domain,
                                               std::string_view relative_path, bool warn) {
  std::string id = vfs::IosBackup::file_id(domain, relative_path);
  if (!ctx.backup().payload_path(id)) return std::nullopt;
  std::string error;
  auto db = ctx.backup().open_database(id, error);
  if (!db && warn)
    ctx.warn(std::string(domain) + "/" + std::string(relative_path) + " (" + id + "): " + error);
  return db;
}

std::optional<core::Database> open_sms_db(ModuleContext& ctx, std::string_view table) {
  auto db = open_db(ctx, "HomeDomain", "Library/SMS/sms.db");
  if (db && !db->has_table(table)) {
    ctx.warn("sms.db: no " + std::string(table) + " table (schema not recognised)");
    return std::nullopt;
  }
  return db;
}

bool read_whatsapp_contacts(ModuleContext& ctx, const core::Database& db, std::string_view what,
                            bool warn, const std::function<void(WhatsappContactRow&)>& visit) {
  if (!db.has_table(kContactsTable)) {
    if (warn)
      ctx.warn(std::string(what) + ": no ZWAADDRESSBOOKCONTACT table (schema not recognised)");
    return false;
  }
  auto present = db.columns(kContactsTable);
  auto has = [&](std::string_view c) {
    for (const auto& p : present)
      if (core::iequals_ascii(p, c)) return true;
    return false;
  };
  // One result column per field: the first candidate present, else NULL.
  std::string sql = "SELECT ";
  std::array<bool, kContactFields.size()> available{};
  for (std::size_t i = 0; i < kContactFields.size(); ++i) {
    std::string_view chosen;
    for (auto c : kContactFields[i].columns)
      if (!c.empty() && has(c)) {
        chosen = c;
        break;
      }
    available[i] = !chosen.empty();
    if (i != 0) sql += ", ";
    sql += chosen.empty() ? std::string("NULL") : "\"" + std::string(chosen) + "\"";
  }
  sql += " FROM ZWAADDRESSBOOKCONTACT";
  std::string error;
  auto row = db.prepare(sql, error);
  if (!row) {
    if (warn) ctx.warn(std::string(what) + ": " + error);
    return false;
  }
  const bool has_duration = available[kDurationField];
  while (row->step()) {
    WhatsappContactRow out;
    Json& r = out.record;
    r["row_pk"] = column_json(*row, static_cast<int>(kRowPkField));
    for (std::size_t i = 0; i < kRowPkField; ++i) {
      const auto& f = kContactFields[i];
      const int col = static_cast<int>(i);
      switch (f.kind) {
        case ContactField::text:
          r[std::string(f.field)] = text_json(*row, col);
          break;
        case ContactField::number:
          r[std::string(f.field)] = column_json(*row, col);
          break;
        case ContactField::date: {
          auto t = cocoa_column(*row, col);
          r[std::string(f.field)] = iso_or_null(t);
          if (f.field == "disappearing_mode_timestamp") out.disappearing_mode_timestamp = t;
          if (f.field == "about_timestamp") out.about_timestamp = t;
          if (f.field == "about_expiration_timestamp") out.about_expiration_timestamp = t;
          if (f.field == "last_updated") out.last_updated = t;
          break;
        }
      }
    }
    if (has_duration) {
      const int col = static_cast<int>(kDurationField);
      double duration = 0;
      if (row->type(col) == SQLITE_INTEGER || row->type(col) == SQLITE_FLOAT)
        duration = row->real(col);
      if (!std::isfinite(duration)) duration = 0;
      r["disappearing_mode_is_on"] = duration != 0;
      // Whole seconds, as WhatsApp's timer values are (clamped: evidence may hold anything).
      double whole = std::trunc(duration);
      if (whole > 9.2e18) whole = 9.2e18;
      if (whole < -9.2e18) whole = -9.2e18;
      auto seconds = static_cast<std::int64_t>(whole);
      std::string label = seconds == 0 ? "off" : std::string(duration_label(seconds));
      if (label.empty()) label = std::to_string(seconds) + " seconds";
      r["disappearing_mode_label"] = label;
    } else {
      r["disappearing_mode_is_on"] = nullptr;
      r["disappearing_mode_label"] = nullptr;
    }
    visit(out);
  }
  if (!row->error().empty() && warn)
    ctx.warn(std::string(what) + ": " + row->error() + " (rows after it are missing)");
  return true;
}

std::string digits_of(std::string_view s) {
  std::string out;
  for (char c : s)
    if (core::is_ascii_digit(c)) out += c;
  return out;
}

bool WhatsappContactIndex::load(ModuleContext& ctx, const WhatsappApp& app) {
  auto db = open_optional_db(ctx, app.domain, "ContactsV2.sqlite", false);
  if (!db) return false;
  return read_whatsapp_contacts(ctx, *db, "ContactsV2.sqlite", false,
                                [&](WhatsappContactRow& row) { add(row.record); });
}

void WhatsappContactIndex::add(const Json& contact) {
  Resolved entry;
  entry.name = non_empty_string(contact.value("full_name", Json()));
  if (!entry.name) entry.name = non_empty_string(contact.value("given_name", Json()));
  entry.phone = non_empty_string(contact.value("phone_number", Json()));
  if (auto lid = non_empty_string(contact.value("lid", Json()))) by_lid_[*lid] = entry;
  if (entry.phone) {
    std::string key = digits_of(*entry.phone);
    if (!key.empty()) by_phone_[key] = entry;
  }
  if (auto jid = non_empty_string(contact.value("whatsapp_id", Json()))) {
    auto at = jid->find('@');
    if (at != std::string::npos && at != 0) by_phone_.try_emplace(jid->substr(0, at), entry);
  }
}

WhatsappContactIndex::Resolved WhatsappContactIndex::resolve(std::string_view id) const {
  auto find = [](const std::unordered_map<std::string, Resolved>& map, const std::string& key) {
    auto it = map.find(key);
    return it == map.end() ? Resolved{} : it->second;
  };
  if (id.empty()) return {};
  if (id.ends_with("@lid")) return find(by_lid_, std::string(id));
  if (id.ends_with("@g.us")) return {};
  if (id.ends_with("@s.whatsapp.net")) {
    std::string user(id.substr(0, id.find('@')));
    Resolved r = find(by_phone_, user);
    if (!r.phone) r.phone = "+" + user;
    return r;
  }
  if (id.front() == '+') {
    std::string key = digits_of(id);
    if (key.empty()) return {};
    return Resolved{std::nullopt, find(by_phone_, key).name};
  }
  return {};
}

bool is_whatsapp_media_url(std::string_view link) {
  for (std::string_view prefix : {"https://mmg-fna.whatsapp.net/", "https://mmg.whatsapp.net/"})
    if (link.size() >= prefix.size() && core::iequals_ascii(link.substr(0, prefix.size()), prefix))
      return true;
  return false;
}

void MessageLinks::add_text(std::string_view text,
                            const std::function<bool(std::string_view)>& skip) {
  if (text.empty()) return;
  for (auto& link : core::extract_links(text)) {
    if (skip && skip(link.text)) continue;
    bool shown = link.has_scheme ||
                 (link.text.size() > 4 && core::iequals_ascii(link.text.substr(0, 4), "www."));
    if (shown && seen_shown_.insert(link.text).second) shown_.push_back(link.text);
    if (seen_checked_.insert(link.text).second) checked_.push_back(std::move(link.text));
  }
}

bool MessageLinks::check(ModuleContext& ctx, EventRef record) const {
  if (ctx.iocs() == nullptr) return false;
  for (const auto& link : checked_)
    if (ctx.check_url(link, record)) return true;
  return false;
}

void MessageLinks::report(ModuleContext& ctx, std::optional<core::Micros> when,
                          std::string_view source) const {
  for (const auto& link : shown_) {
    UrlResult u;
    u.url = link;
    u.timestamp = when;
    u.source = std::string(source);
    auto parsed = core::parse_url(link);
    u.shortened = parsed && core::is_url_shortener(*parsed);
    ctx.url(std::move(u));
  }
}

}  // namespace vigil::modules::ios
