// The list of modules: one line per module in module_list.inc, in MVT's run order.
#include "modules/module.hpp"

namespace vigil::modules {

#define VIGIL_MODULE(platform, slug, spec) \
  namespace platform {                     \
  extern const ModuleSpec spec;            \
  }
#include "modules/module_list.inc"
#undef VIGIL_MODULE

namespace {
#define VIGIL_MODULE(platform, slug, spec) &platform::spec,
constexpr const ModuleSpec* kBackupModules[] = {
#include "modules/module_list.inc"
};
#undef VIGIL_MODULE
}  // namespace

std::span<const ModuleSpec* const> backup_modules() { return kBackupModules; }

}  // namespace vigil::modules
