// CallHistory.storedata: the phone's call log (cellular, FaceTime and VoIP apps through
// CallKit), a Core Data store. Location: HomeDomain Library/CallHistoryDB/CallHistory.storedata.
// Table ZCALLRECORD: ZDATE (Cocoa seconds), ZDURATION (seconds), ZLOCATION, ZADDRESS (the other
// party; TEXT, or a BLOB on some versions), ZSERVICE_PROVIDER (com.apple.Telephony,
// com.apple.FaceTime, an app's bundle ID; absent before iOS 9). Why it matters: it dates
// contacts with an attacker (e.g. missed FaceTime calls around a zero-click exploitation) and
// gives context to the other artifacts' timeline.
#include "core/text.hpp"
#include "modules/ios/common.hpp"
#include "modules/ios/system_util.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  auto db = open_db(ctx, "HomeDomain", "Library/CallHistoryDB/CallHistory.storedata");
  if (!db) return;
  if (!db->has_table("ZCALLRECORD")) {
    ctx.warn("CallHistory.storedata: no ZCALLRECORD table (schema not recognised)");
    return;
  }
  auto c = [&](std::string_view column) {
    return sys::column_or_null(*db, "ZCALLRECORD", column, "c");
  };
  std::string error;
  auto row =
      db->prepare("SELECT " + c("ZDATE") + ", " + c("ZDURATION") + ", " + c("ZLOCATION") + ", " +
                      c("ZADDRESS") + ", " + c("ZSERVICE_PROVIDER") + " FROM ZCALLRECORD c",
                  error);
  if (!row) {
    ctx.warn("CallHistory.storedata: " + error);
    return;
  }
  while (row->step()) {
    Json r;
    auto when = cocoa_column(*row, 0);
    r["isodate"] = iso_or_null(when);
    r["duration"] = column_json(*row, 1);
    r["location"] = column_json(*row, 2);
    // ZADDRESS may be a BLOB holding UTF-8 text (MVT decodes it): text either way.
    r["number"] =
        row->type(3) == SQLITE_NULL ? Json(nullptr) : Json(core::utf8_or_escaped(row->bytes(3)));
    r["provider"] = column_json(*row, 4);
    ctx.timeline(when, "call",
                 "From " + py_str(r["number"]) + " using " + py_str(r["provider"]) + " during " +
                     py_str(r["duration"]) + " seconds");
    ctx.emit(r);
  }
  if (!row->error().empty())
    ctx.warn("CallHistory.storedata: " + row->error() + " (rows after it are missing)");
}

}  // namespace

extern const ModuleSpec kCalls{"calls", "Calls", "Call history (CallHistory.storedata)", run};

}  // namespace vigil::modules::ios
