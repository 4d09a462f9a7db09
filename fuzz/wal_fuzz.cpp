// Fuzzes the WAL reader: the input is a WAL file applied to a small real database image, which is
// then opened from memory and queried; nothing may crash, whatever the frames say.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/sqlite.hpp"

namespace {
std::string base_image() {
  sqlite3* db = nullptr;
  sqlite3_open(":memory:", &db);
  sqlite3_exec(db, "CREATE TABLE t(x TEXT); INSERT INTO t VALUES('a'),('b');", nullptr, nullptr,
               nullptr);
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0);
  std::string image(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
  sqlite3_free(bytes);
  sqlite3_close(db);
  return image;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string kImage = base_image();
  std::string image = kImage;
  if (!vigil::core::apply_wal(image, std::string_view(reinterpret_cast<const char*>(data), size)))
    return 0;
  std::string error;
  auto db = vigil::core::Database::open_image(std::move(image), error);
  if (!db) return 0;
  if (auto st = db->prepare("SELECT * FROM t", error))
    while (st->step()) (void)st->bytes(0);
  (void)db->columns("t");
  return 0;
}
