#include "indicators/ioc_type.hpp"

namespace vigil::indicators {

namespace {
constexpr std::array<std::string_view, kIocTypeCount> kNames = {
    "domain", "url",  "ipv4",   "ipv6",   "process",  "email",   "file-name",       "file-path",
    "md5",    "sha1", "sha256", "app-id", "app-cert", "profile", "android-property"};
}  // namespace

std::string_view to_string(IocType type) noexcept { return kNames[index_of(type)]; }

std::optional<IocType> ioc_type_from_string(std::string_view name) noexcept {
  for (IocType t : kAllIocTypes)
    if (kNames[index_of(t)] == name) return t;
  return std::nullopt;
}

}  // namespace vigil::indicators
