#include "modules/ios/common.hpp"

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
  auto bytes = ctx.backup().read(file_id);
  if (!bytes) {
    ctx.not_found(std::string(what));
    return std::nullopt;
  }
  std::string error;
  auto plist = core::Plist::parse(*bytes, error);
  if (!plist) ctx.warn(std::string(what) + " (" + std::string(file_id) + "): " + error);
  return plist;
}

std::optional<core::Plist> read_plist(ModuleContext& ctx, std::string_view domain,
                                      std::string_view relative_path) {
  return read_plist_id(ctx, vfs::IosBackup::file_id(domain, relative_path),
                       std::string(domain) + "/" + std::string(relative_path));
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
  switch (row.type(column)) {
    case SQLITE_INTEGER:
      return row.integer(column);
    case SQLITE_FLOAT:
      return row.real(column);
    case SQLITE_TEXT:
      return core::utf8_or_escaped(row.bytes(column));
    case SQLITE_BLOB:
      return core::base64_encode(row.bytes(column));
    default:
      return nullptr;
  }
}

}  // namespace vigil::modules::ios
