// sms.db: the Messages app's store (SMS, MMS and iMessage). Table `message` (text, service,
// account, guid, date/date_read, is_from_me, attributedBody…) and `handle` (the other party's
// phone number or e-mail, joined on message.handle_id). Location: HomeDomain
// Library/SMS/sms.db. Dates are Cocoa time: seconds on old iOS, nanoseconds since iOS 11 (kept to
// the microsecond here). Messages without a handle (handle_id 0: the owner's own messages in group
// chats) are kept. Since iOS 16 `text` can be NULL with the body only in the `attributedBody`
// typedstream; the plain string is then taken from there. Why it matters: one-click spyware
// (Pegasus, Predator) was delivered by links in SMS/iMessage, and Apple's threat notifications
// ("ALERT: Apple detected a targeted mercenary spyware attack…") arrive as iMessages.
#include <cstdint>

#include "core/json_out.hpp"
#include "core/text.hpp"
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kThreatOld =
    "ALERT: State-sponsored attackers may be targeting your iPhone";
constexpr std::string_view kThreatNew =
    "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone";

// The NSString inside an NSAttributedString typedstream ("streamtyped"): after the class name
// comes "\x01+" (an object whose first field is a C string), then the length — one byte below
// 0x80, or 0x81 + 2 bytes / 0x82 + 4 bytes little-endian — then the UTF-8 bytes.
std::optional<std::string> attributed_body_text(std::string_view blob) {
  for (std::string_view cls : {std::string_view("NSString"), std::string_view("NSMutableString")}) {
    std::size_t at = blob.find(cls);
    if (at == std::string_view::npos) continue;
    std::size_t marker = blob.find("\x01+", at + cls.size());
    if (marker == std::string_view::npos || marker - at > cls.size() + 16) continue;
    std::size_t pos = marker + 2;
    if (pos >= blob.size()) return std::nullopt;
    auto byte = [&](std::size_t i) { return std::size_t{static_cast<unsigned char>(blob[i])}; };
    std::size_t length = byte(pos);
    std::size_t width = 0;
    if (length == 0x81) width = 2;
    if (length == 0x82) width = 4;
    if (length >= 0x80 && width == 0) return std::nullopt;
    if (width != 0) {
      if (pos + width >= blob.size()) return std::nullopt;
      length = 0;
      for (std::size_t k = 0; k < width; ++k) length |= byte(pos + 1 + k) << (8 * k);
    }
    pos += 1 + width;
    if (length == 0 || length > blob.size() - pos) return std::nullopt;
    return core::utf8_or_escaped(blob.substr(pos, length));
  }
  return std::nullopt;
}

void run(ModuleContext& ctx) {
  auto db = open_sms_db(ctx, "message");
  if (!db) return;
  // A LEFT join: messages without a handle row are evidence too.
  const bool handles = db->has_table("handle") && db->has_column("handle", "id") &&
                       db->has_column("message", "handle_id");
  std::string sql = handles ? "SELECT message.*, handle.id AS phone_number FROM message "
                              "LEFT JOIN handle ON handle.ROWID = message.handle_id"
                            : "SELECT message.*, NULL AS phone_number FROM message";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn("sms.db: " + error);
    return;
  }
  // The record is written as JSON text, without a tree: sms.db may hold millions of messages.
  static constexpr std::string_view kExtra[] = {"isodate", "isodate_read", "direction", "text",
                                                "links"};
  const ColumnRecord columns(*row, kExtra);
  const int text_col = columns.index("text");
  const int body_col = columns.index("attributedBody");
  const int date_col = columns.index("date");
  const int read_col = columns.index("date_read");
  const int from_me_col = columns.index("is_from_me");
  const int service_col = columns.index("service");
  const int guid_col = columns.index("guid");
  const int phone_col = columns.index("phone_number");
  const int account_col = columns.index("account");

  // Reused from row to row.
  std::string text, record, data;
  MemberTexts values;
  while (row->step()) {
    auto when = cocoa_column(*row, date_col);
    auto read = cocoa_column(*row, read_col);
    text.clear();
    if (text_col >= 0 && !row->is_null(text_col))
      append_utf8_or_escaped(text, row->bytes(text_col));
    if (text.empty() && body_col >= 0 && !row->is_null(body_col))
      text = attributed_body_text(row->bytes(body_col)).value_or("");
    MessageLinks links;
    links.add_text(text);

    values.clear();
    append_iso_or_null(values.text(), when);
    values.end_member();
    append_iso_or_null(values.text(), read);
    values.end_member();
    values.text() += from_me_col >= 0 && row->type(from_me_col) == SQLITE_INTEGER &&
                             row->integer(from_me_col) == 1
                         ? "\"sent\""
                         : "\"received\"";
    values.end_member();
    core::append_json_string(values.text(), text);
    values.end_member();
    core::append_json_strings(values.text(), links.shown());
    values.end_member();
    record.clear();
    columns.write(*row, values.parts(), record);
    const EventRef event = EventRef::text(record);

    data.clear();
    append_column_py_str(data, *row, service_col);
    data += ": ";
    append_column_py_str(data, *row, guid_col);
    data += " \"";
    append_escaped_newlines(data, text);
    data += "\" from ";
    append_column_py_str(data, *row, phone_col);
    data += " (";
    append_column_py_str(data, *row, account_col);
    data += ')';
    ctx.timeline(when, "sms_received", data);
    ctx.timeline(read, "sms_read", data);

    std::string_view body = core::trim(text);
    if (body.starts_with(kThreatOld) || body.starts_with(kThreatNew))
      ctx.alert(Level::high,
                "Apple warning about state-sponsored attack received on " +
                    (when ? core::format_iso(*when) : std::string()),
                when, event);
    links.check(ctx, event);
    links.report(ctx, when, "sms");
    ctx.emit_text(record);
  }
  if (!row->error().empty())
    ctx.warn("sms.db: " + row->error() + " (messages after it are missing)");
}

}  // namespace

extern const ModuleSpec kSms{"sms", "SMS", "SMS and iMessage messages and their links (sms.db)",
                             run};

}  // namespace vigil::modules::ios
