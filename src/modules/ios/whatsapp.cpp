// WhatsApp's message store, ChatStorage.sqlite (a Core Data store): ZWAMESSAGE (one row per
// message: ZTEXT, ZFROMJID/ZTOJID, ZMESSAGEDATE), ZWAMEDIAITEM (attachments: ZMEDIAURL, the
// author name), ZWAMESSAGEDATAITEM (link previews: ZMATCHEDTEXT, ZCONTENT1/2, ZTITLE,
// ZSUMMARY), ZWACHATSESSION (one row per chat) and ZWAGROUPINFO (group creation). The LID ->
// phone-number pairs (ZWAPHONENUMBERLIDPAIR) live in LID.sqlite beside it in newer versions and
// in ChatStorage.sqlite in older ones. Location: the shared app-group container
// AppDomainGroup-group.net.whatsapp.WhatsApp.shared, and WhatsApp Business's
// group.net.whatsapp.WhatsAppSMB.shared (same schema; its records carry "app": "WhatsApp
// Business"). Times are Cocoa seconds (REAL). The databases run in WAL mode: rows still in
// ChatStorage.sqlite-wal are read too. Why it matters: WhatsApp links were a Pegasus delivery
// vector; every link in a message, a link preview or a media URL (WhatsApp's own media CDN
// excepted) is checked, and per-chat first/last message dates frame the conversation.
#include "core/json_out.hpp"
#include "core/text.hpp"
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules::ios {

namespace {

bool has_column(const core::Database& db, std::string_view table, std::string_view column) {
  return db.has_table(table) && db.has_column(table, column);
}

// "table.column" when present, else NULL.
std::string column_or_null(const core::Database& db, std::string_view table,
                           std::string_view column) {
  if (!has_column(db, table, column)) return "NULL";
  return std::string(table) + "." + std::string(column);
}

struct AppRun {
  ModuleContext& ctx;
  const WhatsappApp& app;
  std::string prefix;  // timeline data prefix: "" for WhatsApp, "[WhatsApp Business] "
  std::string what;    // file name for warnings
};

void messages(AppRun& a, const core::Database& db) {
  ModuleContext& ctx = a.ctx;
  if (!db.has_table("ZWAMESSAGE")) {
    ctx.warn(a.what + ": no ZWAMESSAGE table (schema not recognised)");
    return;
  }
  const bool media = has_column(db, "ZWAMEDIAITEM", "ZMESSAGE");
  const bool previews = has_column(db, "ZWAMESSAGEDATAITEM", "ZMESSAGE");
  auto media_col = [&](std::string_view c) {
    return (media ? column_or_null(db, "ZWAMEDIAITEM", c) : std::string("NULL")) + " AS " +
           std::string(c);
  };
  auto data_col = [&](std::string_view c) {
    return (previews ? column_or_null(db, "ZWAMESSAGEDATAITEM", c) : std::string("NULL")) + " AS " +
           std::string(c);
  };
  std::string sql = "SELECT ZWAMESSAGE.*, " + media_col("ZAUTHORNAME") + ", " +
                    media_col("ZMEDIAURL") + ", " + data_col("ZCONTENT1") + ", " +
                    data_col("ZCONTENT2") + ", " + data_col("ZMATCHEDTEXT") + ", " +
                    data_col("ZSUMMARY") + ", " + data_col("ZTITLE") + " FROM ZWAMESSAGE";
  if (media) sql += " LEFT JOIN ZWAMEDIAITEM ON ZWAMEDIAITEM.ZMESSAGE = ZWAMESSAGE.Z_PK";
  if (previews)
    sql += " LEFT JOIN ZWAMESSAGEDATAITEM ON ZWAMESSAGEDATAITEM.ZMESSAGE = ZWAMESSAGE.Z_PK";
  std::string error;
  auto row = db.prepare(sql, error);
  if (!row) {
    ctx.warn(a.what + ": " + error);
    return;
  }
  // The record is written as JSON text, without a tree: a chat store may hold millions of
  // messages.
  static constexpr std::string_view kExtra[] = {"isodate", "ZTEXT", "links", "app"};
  const ColumnRecord columns(*row, kExtra);
  const int text_col = columns.index("ZTEXT");
  const int date_col = columns.index("ZMESSAGEDATE");
  const int from_col = columns.index("ZFROMJID");
  const int link_cols[] = {text_col, columns.index("ZMATCHEDTEXT"), columns.index("ZMEDIAURL"),
                           columns.index("ZCONTENT1"), columns.index("ZCONTENT2")};
  std::string app;
  core::append_json_string(app, a.app.label);

  // Reused from row to row.
  std::string text, link_text, record, data;
  MemberTexts values;
  while (row->step()) {
    auto when = cocoa_column(*row, date_col);
    text.clear();
    if (text_col >= 0) append_utf8_or_escaped(text, row->bytes(text_col));

    MessageLinks links;
    for (int col : link_cols)
      if (col >= 0 && !row->is_null(col)) {
        link_text.clear();
        append_utf8_or_escaped(link_text, row->bytes(col));
        links.add_text(link_text, is_whatsapp_media_url);
      }
    values.clear();
    append_iso_or_null(values.text(), when);
    values.end_member();
    core::append_json_string(values.text(), text);
    values.end_member();
    if (!links.shown().empty() || core::trim(text).empty())
      core::append_json_strings(values.text(), links.shown());
    values.end_member();
    values.text() += app;
    values.end_member();
    record.clear();
    columns.write(*row, values.parts(), record);
    const EventRef event = EventRef::text(record);

    data.assign(a.prefix);
    data += '\'';
    append_escaped_newlines(data, text);
    data += "' from ";
    if (from_col >= 0)
      append_column_py_str(data, *row, from_col);
    else
      data += "Unknown";
    if (!links.shown().empty()) {
      data += " - Embedded links: ";
      for (std::size_t i = 0; i < links.shown().size(); ++i) {
        if (i != 0) data += ", ";
        data += links.shown()[i];
      }
    }
    ctx.timeline(when, "message", data);
    links.check(ctx, event);
    links.report(ctx, when, a.app.url_source);
    ctx.emit_text(record);
  }
  if (!row->error().empty())
    ctx.warn(a.what + ": " + row->error() + " (messages after it are missing)");
}

// LID digits -> phone digits.
using LidMap = std::unordered_map<std::string, std::string>;

void lid_pairs(AppRun& a, const core::Database& chat_db, LidMap& map) {
  ModuleContext& ctx = a.ctx;
  constexpr std::string_view kTable = "ZWAPHONENUMBERLIDPAIR";
  auto lid_db = open_optional_db(ctx, a.app.domain, "LID.sqlite", true);
  const core::Database* db = nullptr;
  std::string what;
  if (lid_db && lid_db->has_table(kTable)) {
    db = &*lid_db;
    what = std::string(a.app.label) + " LID.sqlite";
  } else if (chat_db.has_table(kTable)) {
    db = &chat_db;
    what = a.what;
  } else {
    if (lid_db)
      ctx.warn(std::string(a.app.label) + " LID.sqlite: no " + std::string(kTable) +
               " table (schema not recognised)");
    return;  // older WhatsApp versions have no LIDs
  }
  std::string error;
  auto row =
      db->prepare("SELECT " + column_or_null(*db, kTable, "ZLID") + ", " +
                      column_or_null(*db, kTable, "ZPHONENUMBER") + ", " +
                      column_or_null(*db, kTable, "ZTIMESTAMP") + " FROM " + std::string(kTable),
                  error);
  if (!row) {
    ctx.warn(what + ": " + error);
    return;
  }
  while (row->step()) {
    Json r;
    r["record_type"] = "lid_phone_number_pair";
    r["lid"] = column_json(*row, 0);
    r["phone_number"] = column_json(*row, 1);
    auto when = cocoa_column(*row, 2);
    r["pair_timestamp"] = iso_or_null(when);
    r["app"] = std::string(a.app.label);
    std::string lid = r["lid"].is_null() ? "" : py_str(r["lid"]);
    std::string phone = r["phone_number"].is_null() ? "" : py_str(r["phone_number"]);
    if (!lid.empty() && !phone.empty()) {
      std::string lid_user = lid.substr(0, lid.find('@'));
      std::string phone_user = phone.substr(0, phone.find('@'));
      phone_user.erase(0, phone_user.find_first_not_of('+'));
      map[lid_user] = phone_user;
    }
    ctx.timeline(when, "lid_pair_recorded",
                 a.prefix + "WhatsApp associated LID " + py_str(r["lid"]) + " with phone number " +
                     py_str(r["phone_number"]));
    ctx.emit(r);
  }
  if (!row->error().empty()) ctx.warn(what + ": " + row->error() + " (pairs after it are missing)");
}

void chat_sessions(AppRun& a, const core::Database& db, const LidMap& map) {
  ModuleContext& ctx = a.ctx;
  if (!db.has_table("ZWACHATSESSION")) {
    ctx.warn(a.what + ": no ZWACHATSESSION table (schema not recognised)");
    return;
  }
  auto s = [&](std::string_view c) { return column_or_null(db, "ZWACHATSESSION", c); };
  const bool groups =
      has_column(db, "ZWACHATSESSION", "ZGROUPINFO") && has_column(db, "ZWAGROUPINFO", "Z_PK");
  const bool msgs = has_column(db, "ZWAMESSAGE", "ZCHATSESSION");
  std::string sql =
      "SELECT ZWACHATSESSION.Z_PK, " + s("ZCONTACTJID") + ", " + s("ZPARTNERNAME") + ", " +
      s("ZSESSIONTYPE") + ", " + s("ZARCHIVED") + ", " + s("ZREMOVED") + ", " +
      s("ZMESSAGECOUNTER") + ", " + s("ZLASTMESSAGEDATE") + ", " +
      (groups ? column_or_null(db, "ZWAGROUPINFO", "ZCREATIONDATE") : "NULL") + ", " +
      (msgs ? "MIN(" + column_or_null(db, "ZWAMESSAGE", "ZMESSAGEDATE") + "), MAX(" +
                  column_or_null(db, "ZWAMESSAGE", "ZMESSAGEDATE") + "), COUNT(ZWAMESSAGE.Z_PK)"
            : "NULL, NULL, 0") +
      " FROM ZWACHATSESSION";
  if (groups) sql += " LEFT JOIN ZWAGROUPINFO ON ZWACHATSESSION.ZGROUPINFO = ZWAGROUPINFO.Z_PK";
  if (msgs) sql += " LEFT JOIN ZWAMESSAGE ON ZWAMESSAGE.ZCHATSESSION = ZWACHATSESSION.Z_PK";
  sql += " GROUP BY ZWACHATSESSION.Z_PK";
  std::string error;
  auto row = db.prepare(sql, error);
  if (!row) {
    ctx.warn(a.what + ": " + error);
    return;
  }
  static constexpr const char* kNames[] = {"session_pk",     "contact_jid", "partner_name",
                                           "session_type",   "archived",    "removed",
                                           "message_counter"};
  while (row->step()) {
    Json r;
    for (int i = 0; i < 7; ++i) r[kNames[i]] = column_json(*row, i);
    auto last_message = cocoa_column(*row, 7);
    auto group_created = cocoa_column(*row, 8);
    auto first_stored = cocoa_column(*row, 9);
    auto last_stored = cocoa_column(*row, 10);
    r["last_message_date"] = iso_or_null(last_message);
    r["group_creation_date"] = iso_or_null(group_created);
    r["first_stored_message_date"] = iso_or_null(first_stored);
    r["last_stored_message_date"] = iso_or_null(last_stored);
    r["stored_message_count"] = column_json(*row, 11);
    r["record_type"] = "chat_session";
    std::string jid = r["contact_jid"].is_null() ? "" : py_str(r["contact_jid"]);
    Json resolved = nullptr;
    if (jid.size() > 4 && jid.substr(jid.size() - 4) == "@lid") {
      auto it = map.find(jid.substr(0, jid.find('@')));
      if (it != map.end() && !it->second.empty()) resolved = "+" + it->second;
    }
    r["partner_resolved_phone_number"] = resolved;
    r["app"] = std::string(a.app.label);

    if (jid.empty()) jid = "unknown";
    std::string identifier = resolved.is_string() ? resolved.get<std::string>() : jid;
    std::string name = json_string(r["partner_name"]);
    std::string label = name.empty() ? identifier : "'" + name + "' (" + identifier + ")";
    bool group = (jid.size() >= 5 && jid.substr(jid.size() - 5) == "@g.us") || group_created;
    std::string chat = (group ? "WhatsApp group chat " : "WhatsApp chat with ") + label;
    ctx.timeline(group_created, "group_created", a.prefix + chat + " was created");
    ctx.timeline(first_stored, "chat_first_message", a.prefix + "First stored message in " + chat);
    ctx.timeline(last_message ? last_message : last_stored, "chat_last_message",
                 a.prefix + "Last message in " + chat);
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn(a.what + ": " + row->error() + " (chats after it are missing)");
}

void run(ModuleContext& ctx) {
  for (const auto& app : whatsapp_apps()) {
    const bool business = app.bundle_id != whatsapp_apps().front().bundle_id;
    auto db = business ? open_optional_db(ctx, app.domain, "ChatStorage.sqlite", true)
                       : open_db(ctx, app.domain, "ChatStorage.sqlite");
    if (!db) continue;
    AppRun a{ctx, app, business ? "[WhatsApp Business] " : "",
             std::string(app.label) + " ChatStorage.sqlite"};
    messages(a, *db);
    LidMap map;
    lid_pairs(a, *db, map);
    chat_sessions(a, *db, map);
  }
}

}  // namespace

extern const ModuleSpec kWhatsapp{"whatsapp", "Whatsapp",
                                  "WhatsApp and WhatsApp Business messages, links and chats", run};

}  // namespace vigil::modules::ios
