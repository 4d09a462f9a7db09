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
  const ColumnRecord columns(*row);
  const int created_col = columns.index("created_date");
  const int start_col = columns.index("start_date");
  const int outgoing_col = columns.index("is_outgoing");
  const int user_info_col = columns.index("user_info");

  while (row->step()) {
    Json r = columns.build(*row);
    auto when = cocoa_column(*row, created_col);
    r["isodate"] = iso_or_null(when);
    if (start_col >= 0) r["start_date"] = iso_or_null(cocoa_column(*row, start_col));
    const bool outgoing = outgoing_col >= 0 && row->type(outgoing_col) == SQLITE_INTEGER &&
                          row->integer(outgoing_col) == 1;
    const std::string direction = outgoing ? "sent" : "received";
    r["direction"] = direction;
    r["has_user_info"] = user_info_col >= 0 && !row->is_null(user_info_col);
    if (json_string(r["service"]).empty()) r["service"] = "Unknown";
    std::string filename = json_string(r.value("filename", Json()));
    if (filename.empty()) filename = "NULL";
    r["filename"] = filename;

    ctx.timeline(when, "sms_attachment",
                 py_str(r["service"]) + ": Attachment '" +
                     py_str(r.value("transfer_name", Json())) + "' " + direction + " from " +
                     py_str(r["phone_number"]) + " with " + py_str(r.value("total_bytes", Json())) +
                     " bytes (is_sticker: " + py_str(r.value("is_sticker", Json())) +
                     ", has_user_info: " + py_str(r["has_user_info"]) + ")");

    if (ctx.iocs() != nullptr && filename != "NULL" &&
        !ctx.check_file_path(filename, r, Level::high) && filename.starts_with("~/"))
      ctx.check_file_path("/private/var/mobile/" + filename.substr(2), r, Level::high);
    if ((filename.starts_with("/var/tmp/") || filename.starts_with("/private/var/tmp/")) &&
        filename.ends_with("-1") && !outgoing)
      ctx.alert(Level::medium,
                "Suspicious iMessage attachment " + core::printable(filename) + " on " +
                    (when ? core::format_iso(*when) : std::string()),
                when, r);
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn("sms.db: " + row->error() + " (attachments after it are missing)");
}

}  // namespace

extern const ModuleSpec kSmsAttachments{"sms_attachments", "SMSAttachments",
                                        "SMS and iMessage attachments (sms.db)", run};

}  // namespace vigil::modules::ios
