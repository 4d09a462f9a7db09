#include "modules/ios/system_util.hpp"

#include "modules/ios/common.hpp"

namespace vigil::modules::ios::sys {

std::string json_string(const Json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string py_get(const Json& object, std::string_view key, std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  auto it = object.find(key);
  if (it == object.end()) return std::string(fallback);
  return py_str(*it);
}

std::string column_or_null(const core::Database& db, std::string_view table,
                           std::string_view column, std::string_view qualifier) {
  if (!db.has_column(table, column)) return "NULL";
  return std::string(qualifier) + "." + std::string(column);
}

std::optional<Micros> plist_cocoa_time(core::PlistRef value) {
  if (auto d = value.date()) return d;
  if (value.type() == PLIST_REAL) return core::from_cocoa(*value.real());
  if (auto i = value.integer()) return core::from_cocoa_integer(*i);
  return std::nullopt;
}

}  // namespace vigil::modules::ios::sys
