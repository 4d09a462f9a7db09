// AddressBook.sqlitedb: the device's contacts. Location: HomeDomain
// Library/AddressBook/AddressBook.sqlitedb. ABPerson holds one row per contact (First, Middle,
// Last, Organization…); ABMultiValue one row per phone number, e-mail, URL… (record_id →
// ABPerson.ROWID, value). One record per non-null multi-value, as MVT extracts them. Why it
// matters: it resolves the handles seen in messages, calls and IDStatusCache lookups to names,
// and shows contacts an attacker may have added.
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "HomeDomain", "Library/AddressBook/AddressBook.sqlitedb");
  if (!db) return;
  if (!db->has_table("ABPerson") || !db->has_table("ABMultiValue") ||
      !db->has_column("ABMultiValue", "record_id") || !db->has_column("ABMultiValue", "value")) {
    ctx.warn("AddressBook.sqlitedb: no ABPerson/ABMultiValue tables (schema not recognised)");
    return;
  }
  auto p = [&](std::string_view column) {
    return sys::column_or_null(*db, "ABPerson", column, "person");
  };
  std::string error;
  auto row = db->prepare("SELECT multi.value, " + p("First") + ", " + p("Middle") + ", " +
                             p("Last") + ", " + p("Organization") +
                             " FROM ABPerson person JOIN ABMultiValue multi"
                             " ON person.ROWID = multi.record_id"
                             " WHERE multi.value IS NOT NULL ORDER BY person.ROWID",
                         error);
  if (!row) {
    ctx.warn("AddressBook.sqlitedb: " + error);
    return;
  }
  while (row->step()) {
    Json r;
    r["value"] = column_json(*row, 0);
    r["first"] = column_json(*row, 1);
    r["middle"] = column_json(*row, 2);
    r["last"] = column_json(*row, 3);
    r["organization"] = column_json(*row, 4);
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn("AddressBook.sqlitedb: " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kContacts{"contacts", "Contacts", "Address book (AddressBook.sqlitedb)",
                                  run};

}  // namespace vigil::modules::ios
