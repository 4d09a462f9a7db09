// .GlobalPreferences.plist: system-wide preferences; LDMGlobalEnabled tells whether Lockdown Mode
// (Apple's hardening against mercenary spyware) is on. Location: HomeDomain
// Library/Preferences/.GlobalPreferences.plist.
#include "modules/ios/common.hpp"

namespace vigil::modules::ios {

namespace {

void run(ModuleContext& ctx) {
  auto plist = read_plist(ctx, "HomeDomain", "Library/Preferences/.GlobalPreferences.plist");
  if (!plist) return;
  for (auto& [key, value] : plist->root().items()) {
    Json r;
    r["entry"] = key;
    r["value"] = value.to_json();
    if (key == "LDMGlobalEnabled") {
      if (value.boolean() == true)
        ctx.alert(Level::informational, "Lockdown mode enabled", std::nullopt, r);
      if (value.boolean() == false)
        ctx.alert(Level::low, "Lockdown mode disabled", std::nullopt, r);
    }
    ctx.emit(r);
  }
}

}  // namespace

extern const ModuleSpec kGlobalPreferences{"global_preferences", "GlobalPreferences",
                                           "System preferences, Lockdown Mode", run};

}  // namespace vigil::modules::ios
