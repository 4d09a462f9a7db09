// Helpers shared by the iOS backup modules: finding and opening their artifacts with the
// context's "not present" and warning bookkeeping, and MVT-compatible text for timeline data.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/plist.hpp"
#include "core/sqlite.hpp"
#include "modules/module.hpp"

namespace vigil::modules::ios {

/// Opens the SQLite database stored for (domain, relative path). Not in the backup → noted as
/// not present; present but unreadable → a warning naming the file.
std::optional<core::Database> open_db(ModuleContext& ctx, std::string_view domain,
                                      std::string_view relative_path);
/// The same for a file known by its ID (e.g. a Manifest row).
std::optional<core::Database> open_db_id(ModuleContext& ctx, std::string_view file_id,
                                         std::string_view what);
/// Reads and parses the plist stored for (domain, relative path), with the same bookkeeping.
std::optional<core::Plist> read_plist(ModuleContext& ctx, std::string_view domain,
                                      std::string_view relative_path);
std::optional<core::Plist> read_plist_id(ModuleContext& ctx, std::string_view file_id,
                                         std::string_view what);
/// The backup's own Info.plist (device, backup date, applications): absent → noted as not
/// present; unreadable → a warning "Info.plist: <error>".
std::optional<core::Plist> read_info_plist(ModuleContext& ctx);

/// Cocoa time column → timestamp (REAL seconds or INTEGER seconds/nanoseconds since 2001).
std::optional<core::Micros> cocoa_column(const core::Statement& row, int column);
/// Unix-seconds column → timestamp.
std::optional<core::Micros> unix_column(const core::Statement& row, int column);
/// A column as JSON: integer, real, text (invalid UTF-8 made printable), blob as base64, null.
Json column_json(const core::Statement& row, int column);
/// Appends core::utf8_or_escaped(bytes), without an intermediate string for valid UTF-8.
void append_utf8_or_escaped(std::string& out, std::string_view bytes);
/// Appends column_json(row, column) as compact JSON, without the tree.
void append_column_json(std::string& out, const core::Statement& row, int column);
/// Appends py_str(column_json(row, column)) without the tree; "None" for no column (-1).
void append_column_py_str(std::string& out, const core::Statement& row, int column);
/// Appends json_string(column_json(row, column)) without the tree: the text (made printable) or
/// the blob as base64; nothing for a number or NULL.
void append_column_json_string(std::string& out, const core::Statement& row, int column);

/// The string of a JSON value, or "" when it is not a string.
std::string json_string(const Json& value);
/// Python's repr() of a float ("0.0", "253438.0", "1.5", "1e+16", "inf", "nan").
std::string py_float(double value);
/// Python's str() of a record value as MVT's f-strings show it: null → "None", booleans
/// "True"/"False", floats as py_float, strings verbatim, containers as compact JSON.
std::string py_str(const Json& value);

/// Manifest's indicator checks of a backup file's relative path: as a file path, else each
/// '_'-separated part that looks like a domain (MVT's "mention of domain").
void check_manifest_path(ModuleContext& ctx, std::string_view relative_path, EventRef event);

}  // namespace vigil::modules::ios
