// Helpers shared by the SYSTEM group of iOS modules (configuration profiles, applications,
// DataUsage, locationd, calendar…): record fields as MVT's timeline texts read them (py_str, in
// common.hpp, for Python's str()) and SELECT-list building for schema variants.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/plist.hpp"
#include "core/sqlite.hpp"
#include "modules/module.hpp"

namespace vigil::modules::ios::sys {

/// A string member of a JSON object, or "" when absent or not a string.
std::string json_string(const Json& object, std::string_view key);
/// py_str of a member of a JSON object, or `fallback` when absent (Python's dict.get(key, "")).
std::string py_get(const Json& object, std::string_view key, std::string_view fallback = "");

/// "<qualifier>.<column>" when the table has the column, else "NULL" (for optional columns of
/// schema variants).
std::string column_or_null(const core::Database& db, std::string_view table,
                           std::string_view column, std::string_view qualifier);

/// A plist timestamp as MVT's Mac-time conversion reads it: a date node, or a number of seconds
/// (or nanoseconds) since 2001-01-01. 0 or anything else → nullopt.
std::optional<Micros> plist_cocoa_time(core::PlistRef value);

}  // namespace vigil::modules::ios::sys
