// Feeds mutated SQLite databases to every module: the input is the payload of every database the
// modules open (sms.db, TCC.db, DataUsage.sqlite, ChatStorage.sqlite, History.db…), read through
// the same evidence path as a real check (IosBackup, Database::open_evidence). Seeds are real
// databases; whatever their pages say, no crash, no hang, and the records serialise.
#include <cstdint>
#include <string_view>

#include "backup_fixture.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vigil::fuzz::FuzzBackup backup(vigil::fuzz::kDatabases);
  backup.set_payloads(std::string_view(reinterpret_cast<const char*>(data), size));
  backup.run_modules();
  return 0;
}
