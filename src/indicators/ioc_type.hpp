// The kinds of indicator vigil loads and matches, one per supported STIX2 object path.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vigil::indicators {

enum class IocType : std::uint8_t {
  domain,            ///< domain-name:value
  url,               ///< url:value
  ipv4,              ///< ipv4-addr:value (and IPv4 literals found in domain-name:value)
  ipv6,              ///< ipv6-addr:value
  process,           ///< process:name
  email,             ///< email-addr:value
  file_name,         ///< file:name
  file_path,         ///< file:path
  md5,               ///< file:hashes.MD5
  sha1,              ///< file:hashes.SHA-1
  sha256,            ///< file:hashes.SHA-256
  app_id,            ///< app:id (Android package name / iOS bundle id)
  app_cert,          ///< app:cert.* (signing-certificate hash, any algorithm)
  profile,           ///< configuration-profile:id (iOS profile UUID)
  android_property,  ///< android-property:name
};

inline constexpr std::size_t kIocTypeCount = 15;
inline constexpr std::array<IocType, kIocTypeCount> kAllIocTypes = {
    IocType::domain,    IocType::url,       IocType::ipv4,
    IocType::ipv6,      IocType::process,   IocType::email,
    IocType::file_name, IocType::file_path, IocType::md5,
    IocType::sha1,      IocType::sha256,    IocType::app_id,
    IocType::app_cert,  IocType::profile,   IocType::android_property};

/// The stable name used in JSON output and on the command line ("file-path", "app-id", …).
std::string_view to_string(IocType type) noexcept;
std::optional<IocType> ioc_type_from_string(std::string_view name) noexcept;
constexpr std::size_t index_of(IocType type) noexcept { return static_cast<std::size_t>(type); }

}  // namespace vigil::indicators
