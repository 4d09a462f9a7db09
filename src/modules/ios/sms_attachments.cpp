// The attachments of sms.db (HomeDomain Library/SMS/sms.db): table `attachment` (filename,
// transfer_name, mime_type, total_bytes, is_outgoing, is_sticker, user_info…), linked to its
// message through message_attachment_join and to the sender through handle (LEFT joins: an
// attachment without a message row is kept). created_date/start_date are Cocoa time (seconds, or
// nanoseconds on newer iOS). Filenames are usually "~/Library/SMS/Attachments/…" (~ is
// /private/var/mobile). Why it matters: zero-click iMessage exploits (FORCEDENTRY) left received
// attachments in /var/tmp whose names end in "-1", and known payload file names are indicators.
#include "core/text.hpp"
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  auto db = open_sms_db(ctx, "attachment");
  if (!db) return;
  const bool join = db->has_column("message_attachment_join", "attachment_id") &&
                    db->has_column("message_attachment_join", "message_id");
  const bool message = join && db->has_column("message", "ROWID");
  const bool handle =
      message && db->has_column("message", "handle_id") && db->has_column("handle", "id");
  std::string sql = "SELECT attachment.ROWID AS attachment_id, attachment.*, ";
  sql += message && db->has_column("message", "service") ? "message.service" : "NULL";
  sql += " AS service, ";
  sql += handle ? "handle.id" : "NULL";
  sql += " AS phone_number FROM attachment";
  if (join)
    sql +=
        " LEFT JOIN message_attachment_join ON message_attachment_join.attachment_id = "
        "attachment.ROWID";
  if (message) sql += " LEFT JOIN message ON message.ROWID = message_attachment_join.message_id";
  if (handle) sql += " LEFT JOIN handle ON handle.ROWID = message.handle_id";
  std::string error;
  auto row = db->prepare(sql, error);
  if (!row) {
    ctx.warn("sms.db: " + error);
    return;
  }
  // The record is written as JSON text, without a tree (one per attachment); the extra members
  // replace the columns of the same name in place, or follow the columns.
  static constexpr std::string_view kExtra[] = {"isodate",       "start_date", "direction",
                                                "has_user_info", "service",    "filename"};
  const ColumnRecord columns(*row, kExtra);
  const int created_col = columns.index("created_date");
  const int start_col = columns.index("start_date");
  const int outgoing_col = columns.index("is_outgoing");
  const int user_info_col = columns.index("user_info");
  const int service_col = columns.index("service");
  const int filename_col = columns.index("filename");
  const int transfer_col = columns.index("transfer_name");
  const int phone_col = columns.index("phone_number");
  const int bytes_col = columns.index("total_bytes");
  const int sticker_col = columns.index("is_sticker");
  // A column's string as the record shows it ("" for anything else: NULL, a number).
  auto shown_text = [&](int column) {
    std::string text;
    if (column >= 0) append_column_json_string(text, *row, column);
    return text;
  };

  // Reused from row to row.
  std::string record, data;
  MemberTexts values;
  while (row->step()) {
    auto when = cocoa_column(*row, created_col);
    const bool outgoing = outgoing_col >= 0 && row->type(outgoing_col) == SQLITE_INTEGER &&
                          row->integer(outgoing_col) == 1;
    const std::string_view direction = outgoing ? "sent" : "received";
    const bool has_user_info = user_info_col >= 0 && !row->is_null(user_info_col);
    std::string service = shown_text(service_col);
    const bool unknown_service = service.empty();
    if (unknown_service) service = "Unknown";
    std::string filename = shown_text(filename_col);
    const bool null_filename = filename.empty();
    if (null_filename) filename = "NULL";

    values.clear();
    append_iso_or_null(values.text(), when);
    values.end_member();
    if (start_col >= 0) append_iso_or_null(values.text(), cocoa_column(*row, start_col));
    values.end_member();
    values.text() += outgoing ? "\"sent\"" : "\"received\"";
    values.end_member();
    values.text() += has_user_info ? "true" : "false";
    values.end_member();
    if (unknown_service) values.text() += "\"Unknown\"";
    values.end_member();
    if (null_filename) values.text() += "\"NULL\"";
    values.end_member();
    record.clear();
    columns.write(*row, values.parts(), record);
    const EventRef event = EventRef::text(record);

    data = service;
    data += ": Attachment '";
    append_column_py_str(data, *row, transfer_col);
    data += "' ";
    data += direction;
    data += " from ";
    append_column_py_str(data, *row, phone_col);
    data += " with ";
    append_column_py_str(data, *row, bytes_col);
    data += " bytes (is_sticker: ";
    append_column_py_str(data, *row, sticker_col);
    data += ", has_user_info: ";
    data += has_user_info ? "True" : "False";
    data += ')';
    ctx.timeline(when, "sms_attachment", data);

    if (ctx.iocs() != nullptr && filename != "NULL" &&
        !ctx.check_file_path(filename, event, Level::high) && filename.starts_with("~/"))
      ctx.check_file_path("/private/var/mobile/" + filename.substr(2), event, Level::high);
    if ((filename.starts_with("/var/tmp/") || filename.starts_with("/private/var/tmp/")) &&
        filename.ends_with("-1") && !outgoing)
      ctx.alert(Level::medium,
                "Suspicious iMessage attachment " + core::printable(filename) + " on " +
                    (when ? core::format_iso(*when) : std::string()),
                when, event);
    ctx.emit_text(record);
  }
  if (!row->error().empty())
    ctx.warn("sms.db: " + row->error() + " (attachments after it are missing)");
}

}  // namespace

extern const ModuleSpec kSmsAttachments{"sms_attachments", "SMSAttachments",
                                        "SMS and iMessage attachments (sms.db)", run};

}  // namespace vigil::modules::ios
