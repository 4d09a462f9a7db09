// WhatsApp's address book, ContactsV2.sqlite (table ZWAADDRESSBOOKCONTACT, a Core Data store):
// one row per contact with its WhatsApp JID, LID ("<digits>@lid", the privacy identifier newer
// versions use instead of the phone number), phone number, names, "about" text and the
// per-contact disappearing-messages timer. Location: the shared app-group container,
// AppDomainGroup-group.net.whatsapp.WhatsApp.shared/ContactsV2.sqlite, and the same file in
// WhatsApp Business's container (group.net.whatsapp.WhatsAppSMB.shared). Strings are UTF-8
// text or blobs depending on the version; columns are picked by presence (ZPHONESTATUS was
// ZPHONENUMBERSTATUS). Times are Cocoa seconds. Why it matters: disappearing messages hide the
// content an attacker sent, the timer's start tells when; the LID map names the people behind
// the identifiers InteractionC and chat sessions show. Often absent from incremental backups.
#include "modules/ios/whatsapp_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  for (const auto& app : whatsapp_apps()) {
    const bool business = app.bundle_id != whatsapp_apps().front().bundle_id;
    auto db = business ? open_optional_db(ctx, app.domain, "ContactsV2.sqlite", true)
                       : open_db(ctx, app.domain, "ContactsV2.sqlite");
    if (!db) continue;
    const std::string prefix = business ? "[WhatsApp Business] " : "";
    read_whatsapp_contacts(
        ctx, *db, std::string(app.label) + " ContactsV2.sqlite", true,
        [&](WhatsappContactRow& row) {
          Json& r = row.record;
          r["app"] = std::string(app.label);
          std::string contact = json_string(r["whatsapp_id"]);
          if (contact.empty()) contact = json_string(r["lid"]);
          if (contact.empty()) contact = json_string(r["phone_number"]);
          if (contact.empty()) contact = "unknown";
          if (std::string name = json_string(r["full_name"]); !name.empty())
            contact += " (" + name + ")";
          ctx.timeline(row.disappearing_mode_timestamp, "disappearing_mode_set",
                       prefix + "WhatsApp disappearing messages timer set to '" +
                           py_str(r["disappearing_mode_label"]) + "' for " + contact);
          std::string about = json_string(r["about_text"]);
          ctx.timeline(row.about_timestamp, "about_changed",
                       prefix + "WhatsApp about text of " + contact + " changed" +
                           (about.empty() ? "" : " to \"" + about + "\""));
          ctx.timeline(row.about_expiration_timestamp, "about_expiration",
                       prefix + "WhatsApp about text of " + contact + " scheduled to expire");
          ctx.timeline(row.last_updated, "contact_last_updated",
                       prefix + "WhatsApp contact record for " + contact + " updated");
          ctx.emit(r);
        });
  }
}

}  // namespace

extern const ModuleSpec kWhatsappContacts{
    "whatsapp_contacts", "WhatsappContacts",
    "WhatsApp contacts, LIDs and disappearing-message timers (ContactsV2.sqlite)", run};

}  // namespace vigil::modules::ios
