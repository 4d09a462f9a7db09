// Encrypted-backup decryption against the generated samples' oracle (shared/corpus/
// ios-encrypted-generated: passwords, derived keys, class keys and the SHA-256 of every decrypted
// file): keybag parsing, both KDF stages, class-key and file-key unwrapping, payload and
// Manifest.db decryption, and the failures (truncated keybag, wrong password, damaged file key).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/plist.hpp"
#include "support/test_support.hpp"
#include "vfs/ios_backup.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::vfs::ClassKeys;
using vigil::vfs::IosBackup;
using vigil::vfs::Key;
using vigil::vfs::Keybag;

fs::path fastkdf() { return vigil::test::encrypted_sample("fastkdf"); }
json fastkdf_oracle() { return json::parse(vigil::test::encrypted_sample_oracle("fastkdf")); }

std::string keybag_bytes(const fs::path& backup) {
  std::string error;
  auto plist = vigil::core::Plist::parse(vigil::test::read_file(backup / "Manifest.plist"), error);
  EXPECT_TRUE(plist) << error;
  return plist ? plist->root()["BackupKeyBag"].data().value_or("") : "";
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

TEST(IosKeybag, ParsesTheSampleKeybag) {
  VIGIL_REQUIRE_SHARED();
  json o = fastkdf_oracle();
  std::string error;
  auto bag = Keybag::parse(keybag_bytes(fastkdf()), error);
  ASSERT_TRUE(bag) << error;
  EXPECT_EQ(bag->version, o["keybag_version"].get<std::uint32_t>());
  EXPECT_EQ(bag->type, 1u);
  EXPECT_EQ(bag->dp_iterations, o["kdf"]["DPIC"].get<std::uint64_t>());
  EXPECT_EQ(bag->iterations, o["kdf"]["ITER"].get<std::uint64_t>());
  EXPECT_EQ(bag->salt, unhex(o["kdf"]["SALT"]));
  EXPECT_EQ(bag->dp_salt, unhex(o["kdf"]["DPSL"]));
  ASSERT_EQ(bag->classes.size(), 11u);
  EXPECT_EQ(bag->classes.front().protection_class, 11u);
  EXPECT_EQ(bag->classes.back().protection_class, 1u);
  for (const auto& c : bag->classes) EXPECT_EQ(c.wrapped_key.size(), 40u);
}

TEST(IosKeybag, EveryTruncationIsRejectedOrParsedWithoutOverread) {
  VIGIL_REQUIRE_SHARED();
  std::string bytes = keybag_bytes(fastkdf());
  std::string error;
  auto cut = Keybag::parse(bytes.substr(0, 100), error);
  EXPECT_FALSE(cut);
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    // Cut inside a record: an error; cut between records: a shorter keybag at most.
    auto bag = Keybag::parse(bytes.substr(0, n), error);
    if (bag) {
      EXPECT_LT(bag->classes.size(), 12u);
    }
  }
  std::string huge = bytes;
  huge[4] = '\x7f';  // VERS claims ~2 GB
  EXPECT_FALSE(Keybag::parse(huge, error));
  EXPECT_NE(error.find("VERS"), std::string::npos) << error;
}

TEST(IosBackupCrypto, FastKdfDerivesTheOracleKeyAndClassKeys) {
  VIGIL_REQUIRE_SHARED();
  json o = fastkdf_oracle();
  std::string error;
  auto bag = Keybag::parse(keybag_bytes(fastkdf()), error);
  ASSERT_TRUE(bag) << error;
  std::vector<double> seen;
  auto key = vigil::vfs::derive_key(
      o["password"].get<std::string>(), *bag, [&](double f) { seen.push_back(f); }, error);
  ASSERT_TRUE(key) << error;
  EXPECT_EQ(key->hex(), o["derived_key"]);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), 1.0) << "progress ends at 100 %";
  auto classes = ClassKeys::unlock(*bag, *key);
  ASSERT_TRUE(classes);
  // Each class key is the KEK that wrapped the class's WPKY: re-derive through the Manifest key.
  std::string plist_error;
  auto manifest =
      vigil::core::Plist::parse(vigil::test::read_file(fastkdf() / "Manifest.plist"), plist_error);
  std::string manifest_key = manifest->root()["ManifestKey"].data().value_or("");
  ASSERT_EQ(manifest_key.size(), 44u);
  auto mkey = classes->unwrap(4, std::string_view(manifest_key).substr(4), error);
  ASSERT_TRUE(mkey) << error;
  EXPECT_EQ(mkey->hex(), o["manifest_db"]["manifest_key"]);
  auto class4 = Key::from_hex(o["class_keys"]["4"].get<std::string>());
  ASSERT_TRUE(class4);
  EXPECT_EQ(vigil::vfs::unwrap_key(*class4, std::string_view(manifest_key).substr(4))->hex(),
            o["manifest_db"]["manifest_key"]);
}

TEST(IosBackupCrypto, WrongPasswordUnlocksNothing) {
  VIGIL_REQUIRE_SHARED();
  std::string error;
  auto bag = Keybag::parse(keybag_bytes(fastkdf()), error);
  ASSERT_TRUE(bag);
  auto key = vigil::vfs::derive_key("vigil-test", *bag, nullptr, error);
  ASSERT_TRUE(key);
  EXPECT_FALSE(ClassKeys::unlock(*bag, *key));
}

TEST(IosBackupCrypto, KeyHexRoundTrip) {
  auto key = Key::from_hex(" 058514d6454167dc163fd8ccd4fccf2a4db94d826c56b9b90ae07971dc0ea0fa\n");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->hex(), "058514d6454167dc163fd8ccd4fccf2a4db94d826c56b9b90ae07971dc0ea0fa");
  EXPECT_FALSE(Key::from_hex("058514d6"));
  EXPECT_FALSE(Key::from_hex(std::string(64, 'g')));
}

std::optional<IosBackup> unlocked(const fs::path& path, const std::string& key_hex) {
  std::string error, note;
  auto backup = IosBackup::open(path, error, note);
  EXPECT_TRUE(backup) << error;
  if (!backup) return std::nullopt;
  EXPECT_TRUE(backup->encrypted());
  auto key = Key::from_hex(key_hex);
  EXPECT_EQ(backup->unlock(*key, error), IosBackup::Unlock::ok) << error;
  return backup;
}

TEST(IosBackupCrypto, EveryPayloadDecryptsToTheOracleHash) {
  VIGIL_REQUIRE_SHARED();
  json o = fastkdf_oracle();
  auto backup = unlocked(fastkdf(), o["derived_key"]);
  ASSERT_TRUE(backup);
  EXPECT_EQ(backup->find_path("Library/SMS/sms.db").size(), 1u) << "Manifest.db decrypted";
  std::size_t checked = 0;
  for (const auto& f : o["files"]) {
    std::string id = f["fileID"], error;
    auto bytes = backup->read(id, error);
    ASSERT_TRUE(bytes) << id << ": " << error;
    EXPECT_EQ(bytes->size(), f["size"].get<std::size_t>()) << id;
    EXPECT_EQ(vigil::core::sha256_hex(*bytes), f["sha256"]) << id;
    ++checked;
  }
  EXPECT_EQ(checked, 10u);
  std::string error;
  auto sms = backup->open_database("3d0d7e5fb2ce288813306e4d4636395e047a3d28", error);
  ASSERT_TRUE(sms) << error;
  EXPECT_TRUE(sms->has_table("message"));
}

TEST(IosBackupCrypto, DamagedFileKeyAndCiphertextAreNamedErrors) {
  VIGIL_REQUIRE_SHARED();
  json o = fastkdf_oracle();
  auto backup = unlocked(fastkdf(), o["derived_key"]);
  ASSERT_TRUE(backup);
  std::string blob, error;
  ASSERT_TRUE(backup->for_each_file(
      [&](const vigil::vfs::BackupFile& f, std::string_view b) {
        if (f.relative_path == "Library/SMS/sms.db") blob.assign(b);
      },
      error));
  auto file = vigil::vfs::file_encryption(blob, error);
  ASSERT_TRUE(file) << error;
  EXPECT_TRUE(file->has_key);
  EXPECT_EQ(file->protection_class, 4u);
  EXPECT_EQ(file->size, 28672);
  std::string cipher =
      vigil::test::read_file(fastkdf() / "3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28");
  std::string error_key;
  auto damaged = *file;
  damaged.wrapped_key[7] = static_cast<char>(damaged.wrapped_key[7] ^ 1);
  std::string work = cipher;
  auto span = std::span(reinterpret_cast<unsigned char*>(work.data()), work.size());
  auto classes = [&] {
    std::string e;
    auto bag = Keybag::parse(keybag_bytes(fastkdf()), e);
    return ClassKeys::unlock(*bag, *Key::from_hex(o["derived_key"].get<std::string>()));
  }();
  ASSERT_TRUE(classes);
  EXPECT_FALSE(vigil::vfs::decrypt_payload(*classes, damaged, span, error_key));
  EXPECT_NE(error_key.find("cannot be unwrapped"), std::string::npos) << error_key;
  EXPECT_EQ(work, cipher) << "nothing decrypted with a bad key";

  std::string error_cut;
  auto cut = span.first(span.size() - 5);
  EXPECT_FALSE(vigil::vfs::decrypt_payload(*classes, *file, cut, error_cut));
  EXPECT_NE(error_cut.find("not whole AES blocks"), std::string::npos) << error_cut;
  std::string error_short;
  auto short_one = span.first(span.size() - 32);
  EXPECT_FALSE(vigil::vfs::decrypt_payload(*classes, *file, short_one, error_short));
  EXPECT_NE(error_short.find("shorter than its recorded size"), std::string::npos) << error_short;

  auto size = vigil::vfs::decrypt_payload(*classes, *file, span, error);
  ASSERT_TRUE(size) << error;
  EXPECT_EQ(vigil::core::sha256_hex(work.substr(0, *size)),
            "2d7c6e9a504cd54ea8a389ebf27285d06d4a3043c35ec06e458c5a571eaf48d0");
}

TEST(IosBackupCrypto, WithoutPaddingOnlyStripsAValidBlockAfterWholePages) {
  std::vector<unsigned char> image(1024, 0);
  EXPECT_EQ(vigil::vfs::without_padding(image), 1024u);
  image.insert(image.end(), 16, 16);
  EXPECT_EQ(vigil::vfs::without_padding(image), 1024u);
  image.back() = 15;
  EXPECT_EQ(vigil::vfs::without_padding(image), 1040u);
}

}  // namespace
