// Info.plist at the backup's root: the device (model, iOS version, IMEI, serial…) and the backup
// date. MVT's 18 keys, value or null.
#include "modules/ios/common.hpp"

namespace vigil::modules::ios {

namespace {

constexpr std::string_view kKeys[] = {"Build Version",
                                      "Device Name",
                                      "Display Name",
                                      "GUID",
                                      "ICCID",
                                      "IMEI",
                                      "MEID",
                                      "Installed Applications",
                                      "Last Backup Date",
                                      "Phone Number",
                                      "Product Name",
                                      "Product Type",
                                      "Product Version",
                                      "Serial Number",
                                      "Target Identifier",
                                      "Target Type",
                                      "Unique Identifier",
                                      "iTunes Version"};

void run(ModuleContext& ctx) {
  auto plist = read_info_plist(ctx);
  if (!plist) return;
  Json r = Json::object();
  for (std::string_view key : kKeys) {
    auto value = plist->root()[key];
    r[std::string(key)] = value.valid() ? value.to_json() : Json(nullptr);
  }
  ctx.emit(r);
}

}  // namespace

extern const ModuleSpec kBackupInfo{"backup_info", "BackupInfo",
                                    "Device and backup details (Info.plist)", run, true};

}  // namespace vigil::modules::ios
