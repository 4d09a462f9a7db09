// Helpers shared by the SYSTEM group of iOS modules (configuration profiles, applications,
// DataUsage, locationd, calendar…): MVT-compatible text for timeline data (Python's str() of a
// value, which MVT's f-strings produce) and SELECT-list building for schema variants.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plist.hpp"
#include "core/sqlite.hpp"
#include "modules/module.hpp"

namespace vigil::modules::ios::sys {

/// Python's repr() of a float ("0.0", "253438.0", "1.5", "1e+16", "inf", "nan").
std::string py_float(double value);
/// Python's str() of a record value as MVT's f-strings show it: null → "None", booleans
/// "True"/"False", floats as py_float, strings verbatim, containers as compact JSON.
std::string py_str(const Json& value);
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

/// The keys of a binary plist's top-level dictionary and, for each value that is a dictionary,
/// its keys — byte-exact, in file order. libplist returns keys as C strings, cut at the first
/// NUL; IDStatusCache handles of FORCEDENTRY-style lookups contain NULs. nullopt when the bytes
/// are not a well-formed binary plist with a dictionary root.
struct PlistKeys {
  std::string key;
  std::optional<std::vector<std::string>> children;  ///< set when the value is a dictionary
};
std::optional<std::vector<PlistKeys>> binary_plist_keys(std::string_view bytes);

}  // namespace vigil::modules::ios::sys
