#include "modules/ios/common.hpp"

#include <charconv>
#include <cmath>

#include "core/json_out.hpp"
#include "core/text.hpp"

namespace vigil::modules::ios {

std::optional<core::Database> open_db_id(ModuleContext& ctx, std::string_view file_id,
                                         std::string_view what) {
  if (!ctx.backup().payload_path(file_id)) {
    ctx.not_found(std::string(what));
    return std::nullopt;
  }
  std::string error;
  auto db = ctx.backup().open_database(file_id, error);
  if (!db) ctx.warn(std::string(what) + " (" + std::string(file_id) + "): " + error);
  return db;
}

std::optional<core::Database> open_db(ModuleContext& ctx, std::string_view domain,
                                      std::string_view relative_path) {
  return open_db_id(ctx, vfs::IosBackup::file_id(domain, relative_path),
                    std::string(domain) + "/" + std::string(relative_path));
}

std::optional<core::Plist> read_plist_id(ModuleContext& ctx, std::string_view file_id,
                                         std::string_view what) {
  if (!ctx.backup().payload_path(file_id)) {
    ctx.not_found(std::string(what));
    return std::nullopt;
  }
  std::string error;
  auto bytes = ctx.backup().read(file_id, error);
  if (!bytes) {
    ctx.warn(std::string(what) + " (" + std::string(file_id) + "): " + error);
    return std::nullopt;
  }
  auto plist = core::Plist::parse(*bytes, error);
  if (!plist) ctx.warn(std::string(what) + " (" + std::string(file_id) + "): " + error);
  return plist;
}

std::optional<core::Plist> read_plist(ModuleContext& ctx, std::string_view domain,
                                      std::string_view relative_path) {
  return read_plist_id(ctx, vfs::IosBackup::file_id(domain, relative_path),
                       std::string(domain) + "/" + std::string(relative_path));
}

std::optional<core::Plist> read_info_plist(ModuleContext& ctx) {
  auto bytes = ctx.backup().read_top_level("Info.plist");
  if (!bytes) {
    ctx.not_found("Info.plist");
    return std::nullopt;
  }
  std::string error;
  auto plist = core::Plist::parse(*bytes, error);
  if (!plist) ctx.warn("Info.plist: " + error);
  return plist;
}

std::optional<core::Micros> cocoa_column(const core::Statement& row, int column) {
  if (column < 0) return std::nullopt;
  switch (row.type(column)) {
    case SQLITE_INTEGER:
      return core::from_cocoa_integer(row.integer(column));
    case SQLITE_FLOAT:
      return core::from_cocoa(row.real(column));
    default:
      return std::nullopt;
  }
}

std::optional<core::Micros> unix_column(const core::Statement& row, int column) {
  if (column < 0) return std::nullopt;
  switch (row.type(column)) {
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: {
      double v = row.real(column);
      if (v == 0) return std::nullopt;
      return core::from_unix_seconds(v);
    }
    default:
      return std::nullopt;
  }
}

Json column_json(const core::Statement& row, int column) {
  const auto cell = row.cell(column);
  switch (cell.type) {
    case SQLITE_INTEGER:
      return cell.integer;
    case SQLITE_FLOAT:
      return cell.real;
    case SQLITE_TEXT:
      return core::utf8_or_escaped(cell.bytes);
    case SQLITE_BLOB:
      return core::base64_encode(cell.bytes);
    default:
      return nullptr;
  }
}

void append_utf8_or_escaped(std::string& out, std::string_view bytes) {
  if (core::is_utf8(bytes))
    out.append(bytes);
  else
    out += core::utf8_or_escaped(bytes);
}

void append_column_json(std::string& out, const core::Statement& row, int column) {
  const auto cell = row.cell(column);
  switch (cell.type) {
    case SQLITE_INTEGER:
      core::append_json_number(out, cell.integer);
      return;
    case SQLITE_FLOAT:
      core::append_json_number(out, cell.real);
      return;
    case SQLITE_TEXT:
      core::append_json_text(out, cell.bytes);
      return;
    case SQLITE_BLOB:
      out += '"';
      core::append_base64(out, cell.bytes);
      out += '"';
      return;
    default:
      out += "null";
  }
}

void append_column_py_str(std::string& out, const core::Statement& row, int column) {
  const auto cell = column < 0 ? core::Statement::Cell{} : row.cell(column);
  switch (cell.type) {
    case SQLITE_INTEGER:
      core::append_json_number(out, cell.integer);
      return;
    case SQLITE_FLOAT:
      out += py_float(cell.real);
      return;
    case SQLITE_TEXT:
      append_utf8_or_escaped(out, cell.bytes);
      return;
    case SQLITE_BLOB:
      core::append_base64(out, cell.bytes);
      return;
    default:
      out += "None";
  }
}

void append_column_json_string(std::string& out, const core::Statement& row, int column) {
  if (const int type = row.type(column); type == SQLITE_TEXT || type == SQLITE_BLOB)
    append_column_py_str(out, row, column);
}

std::string json_string(const Json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::string py_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Python switches to exponent notation at 1e16 and below 1e-4; integral values get ".0".
  double magnitude = std::fabs(value);
  char buf[64];
  if (magnitude >= 1e16 || (magnitude != 0 && magnitude < 1e-4)) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    if (ec != std::errc{}) return "nan";
    // Like Python, at least two exponent digits: "1e+16", "1.5e-05".
    std::string text(buf, end);
    return text;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (ec != std::errc{}) return "nan";
  std::string text(buf, end);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

std::string py_str(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::number_float:
      return py_float(value.get<double>());
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return value.dump();
    default:
      return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

namespace {

bool could_be_domain(std::string_view part) {
  std::size_t dot = part.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || part.size() - dot < 3) return false;
  for (char c : part.substr(dot + 1))
    if (!core::is_ascii_alpha(c)) return false;
  return true;
}

}  // namespace

void check_manifest_path(ModuleContext& ctx, std::string_view relative_path, EventRef event) {
  if (relative_path.empty() || ctx.iocs() == nullptr) return;
  // Reused per thread: Manifest calls this for each of millions of files.
  thread_local std::string path, lower;
  path.assign("/");
  path += relative_path;
  if (ctx.check_file_path(path, event, Level::high)) return;
  lower.assign(relative_path);
  for (char& c : lower) c = core::ascii_lower(c);
  const std::string_view all = lower;
  for (std::size_t begin = 0; begin <= all.size();) {
    const std::size_t end = std::min(all.find('_', begin), all.size());
    const std::string_view part = all.substr(begin, end - begin);
    begin = end + 1;
    if (!could_be_domain(part)) continue;
    auto matches = ctx.iocs()->match_domain(part);
    if (matches.empty()) continue;
    ctx.alert(Level::high,
              "Found mention of domain \"" + matches.front().indicator->value +
                  "\" in a backup file with path: " + core::printable(lower),
              std::nullopt, event, &matches.front());
    return;
  }
}

}  // namespace vigil::modules::ios
