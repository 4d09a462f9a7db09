// Helpers shared by the messaging modules (SMS, Whatsapp, WhatsappContacts, InteractionC): the two
// WhatsApp apps and their containers, the ContactsV2.sqlite reader with the identifier index
// InteractionC resolves WhatsApp peers with, link collection for message fields, and the one-line
// form of message text in timeline strings.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "modules/ios/common.hpp"

namespace vigil::modules::ios {

/// Appends `text` with its newlines as the two characters "\\n" (timeline data strings are one
/// line).
void append_escaped_newlines(std::string& out, std::string_view text);

/// Builds records from every result column of a statement ("table.*" queries), keyed by column
/// name; of equally named columns the last wins. Appends without per-key lookups. A module's own
/// members (`extra`, set after the columns in this order) can also be written with the columns,
/// as compact JSON text without a tree: a column of the same name then holds the member's value
/// in place, as assigning to an existing key of a tree does.
class ColumnRecord {
 public:
  explicit ColumnRecord(const core::Statement& row, std::span<const std::string_view> extra = {});
  /// A fresh object holding the current row's columns.
  [[nodiscard]] Json build(const core::Statement& row) const;
  /// Appends the current row's columns and the extra members as one compact JSON object:
  /// `values[i]` is the JSON text of `extra[i]`, empty to leave that member unset.
  void write(const core::Statement& row, std::span<const std::string_view> values,
             std::string& out) const;
  /// Index of the last result column with this name, or -1.
  [[nodiscard]] int index(std::string_view name) const;

 private:
  std::vector<std::string> names_;
  std::vector<bool> keep_;
  std::vector<std::string> keys_;        // `"name":` of each column
  std::vector<int> replaced_by_;         // per column: the extra member written there, or -1
  std::vector<std::string> extra_keys_;  // `"name":` of each extra member
  std::vector<std::size_t> appended_;    // extra members that are not columns, in order
};

/// The JSON texts of a ColumnRecord's extra members, one after another in one buffer reused from
/// row to row: append a member's text to text(), then end_member(); an empty member is unset.
class MemberTexts {
 public:
  void clear() {
    text_.clear();
    ends_.clear();
  }
  std::string& text() { return text_; }
  void end_member() { ends_.push_back(text_.size()); }
  /// The members' texts, in order; valid until the next change.
  std::span<const std::string_view> parts() {
    parts_.clear();
    std::size_t begin = 0;
    for (std::size_t end : ends_) {
      parts_.push_back(std::string_view(text_).substr(begin, end - begin));
      begin = end;
    }
    return parts_;
  }

 private:
  std::string text_;
  std::vector<std::size_t> ends_;
  std::vector<std::string_view> parts_;
};

/// One WhatsApp app: WhatsApp Messenger or WhatsApp Business (same databases, another container).
struct WhatsappApp {
  std::string_view label;       ///< "WhatsApp", "WhatsApp Business" (records' "app" field)
  std::string_view bundle_id;   ///< "net.whatsapp.WhatsApp", "net.whatsapp.WhatsAppSMB"
  std::string_view domain;      ///< its shared app-group container in the backup
  std::string_view url_source;  ///< source of its URL results: "whatsapp", "whatsapp_business"
};
std::span<const WhatsappApp> whatsapp_apps();

/// Opens an optional database of the backup without noting it as not present when absent; a
/// present but unreadable file is a warning when `warn` is set.
std::optional<core::Database> open_optional_db(ModuleContext& ctx, std::string_view domain,
                                               std::string_view relative_path, bool warn);

/// The Messages store, HomeDomain Library/SMS/sms.db (SMS, SMSAttachments), with open_db's
/// bookkeeping; without `table` it is a warning ("sms.db: no <table> table …") and nullopt.
std::optional<core::Database> open_sms_db(ModuleContext& ctx, std::string_view table);

/// One row of ContactsV2.sqlite's ZWAADDRESSBOOKCONTACT as the WhatsappContacts record, with its
/// times.
struct WhatsappContactRow {
  Json record;
  std::optional<core::Micros> disappearing_mode_timestamp, about_timestamp,
      about_expiration_timestamp, last_updated;
};

/// Streams the contacts of an opened ContactsV2.sqlite to `visit`. Problems (no table, a row
/// error) are warnings naming `what` when `warn` is set. Returns false when nothing could be read.
bool read_whatsapp_contacts(ModuleContext& ctx, const core::Database& db, std::string_view what,
                            bool warn, const std::function<void(WhatsappContactRow&)>& visit);

/// WhatsApp contacts by LID ("<digits>@lid") and by phone digits, to turn the identifiers other
/// databases hold into a phone number and a name.
class WhatsappContactIndex {
 public:
  struct Resolved {
    std::optional<std::string> phone;
    std::optional<std::string> name;
    [[nodiscard]] bool any() const { return phone || name; }
  };
  /// Reads the app's ContactsV2.sqlite quietly (absence and problems are the WhatsappContacts
  /// module's to report). False when there is no usable database.
  bool load(ModuleContext& ctx, const WhatsappApp& app);
  void add(const Json& contact_record);
  /// A LID, a JID ("<digits>@s.whatsapp.net": the phone is known even without a contact), a
  /// "+<digits>" phone number (name only); group JIDs and anything else resolve to nothing.
  [[nodiscard]] Resolved resolve(std::string_view identifier) const;
  [[nodiscard]] bool empty() const { return by_lid_.empty() && by_phone_.empty(); }

 private:
  std::unordered_map<std::string, Resolved> by_lid_, by_phone_;
};

/// The digits of a string ("+1 (415) 555-0100" -> "14155550100").
std::string digits_of(std::string_view s);

/// WhatsApp's own media servers: every attachment has such a URL; not a link anybody sent.
bool is_whatsapp_media_url(std::string_view link);

/// The links of one message, gathered over its text fields.
class MessageLinks {
 public:
  /// Adds the links of `text`. `skip(link)` drops links (WhatsApp's own media URLs).
  void add_text(std::string_view text, const std::function<bool(std::string_view)>& skip = nullptr);
  /// scheme:// and www. links, de-duplicated, in text order: the record's "links", urls.json.
  [[nodiscard]] const std::vector<std::string>& shown() const { return shown_; }
  /// Every link, bare host names included, de-duplicated: what the indicators are checked on.
  [[nodiscard]] const std::vector<std::string>& checked() const { return checked_; }
  /// Raises one alert (MVT's level CRITICAL) for the first link that matches an indicator.
  bool check(ModuleContext& ctx, EventRef record) const;
  /// One URL result per shown link.
  void report(ModuleContext& ctx, std::optional<core::Micros> when, std::string_view source) const;

 private:
  std::vector<std::string> shown_, checked_;
  std::unordered_set<std::string> seen_shown_, seen_checked_;
};

}  // namespace vigil::modules::ios
