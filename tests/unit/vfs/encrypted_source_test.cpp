// Encrypted databases read in place through the read-only VFS (CbcFileSource, open_payload): reads
// at any offset and length equal the whole-file decryption, queries equal the in-memory image,
// opening creates no file anywhere, and concurrent use is correct. On the fastkdf sample of
// shared/corpus/ios-encrypted-generated (its oracle gives every file key).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/hash.hpp"
#include "core/plist.hpp"
#include "support/test_support.hpp"
#include "vfs/ios_backup.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::core::Database;
using vigil::vfs::CbcFileSource;
using vigil::vfs::ClassKeys;
using vigil::vfs::IosBackup;
using vigil::vfs::Key;

fs::path sample() { return vigil::test::encrypted_sample("fastkdf"); }
json oracle() { return json::parse(vigil::test::encrypted_sample_oracle("fastkdf")); }
fs::path payload(const fs::path& backup, const std::string& id) {
  return backup / id.substr(0, 2) / id;
}

// The whole ciphertext decrypted at once (padding kept), as before the VFS.
std::string decrypt_whole(const fs::path& path, const Key& key) {
  std::string bytes = vigil::test::read_file(path);
  EXPECT_TRUE(vigil::vfs::decrypt_cbc(
      key, std::span(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size())));
  return bytes;
}

std::string read_source(const vigil::core::ByteSource& source, std::uint64_t offset,
                        std::size_t n) {
  std::string out(n, '\0');
  EXPECT_TRUE(source.read(offset, std::span(reinterpret_cast<unsigned char*>(out.data()), n)))
      << offset << "+" << n;
  return out;
}

// Random reads (any alignment), the first and last blocks, and whole-block reads, against `plain`.
void expect_reads_match(const vigil::core::ByteSource& source, const std::string& plain,
                        unsigned seed) {
  ASSERT_EQ(source.size(), plain.size());
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 400; ++i) {
    std::uint64_t offset = rng() % plain.size();
    std::size_t max = std::min<std::uint64_t>(plain.size() - offset, i % 4 == 0 ? 70000 : 300);
    std::size_t n = 1 + rng() % max;
    ASSERT_EQ(read_source(source, offset, n), plain.substr(offset, n)) << offset << "+" << n;
  }
  for (std::uint64_t offset : {std::uint64_t{0}, std::uint64_t{15}, std::uint64_t{16},
                               plain.size() - 17, plain.size() - 16, plain.size() - 1})
    EXPECT_EQ(read_source(source, offset, plain.size() - offset), plain.substr(offset)) << offset;
  for (std::uint64_t page = 0; page + 4096 <= plain.size(); page += 4096)
    ASSERT_EQ(read_source(source, page, 4096), plain.substr(page, 4096)) << page;
  EXPECT_EQ(read_source(source, 0, plain.size()), plain);
  // Beyond the end: refused, not read past (the VFS zero-fills instead).
  std::string out(32, '\0');
  auto span = std::span(reinterpret_cast<unsigned char*>(out.data()), out.size());
  EXPECT_FALSE(source.read(plain.size() - 16, span));
  EXPECT_FALSE(source.read(plain.size() + 16, span));
}

TEST(EncryptedSource, ReadsAtAnyOffsetEqualTheWholeFileDecryption) {
  VIGIL_REQUIRE_SHARED();
  json o = oracle();
  std::string error;
  // Manifest.db (3.3 MB), with its padded last block: whole and cut to the image.
  auto mkey = Key::from_hex(o["manifest_db"]["manifest_key"].get<std::string>());
  ASSERT_TRUE(mkey);
  std::string whole = decrypt_whole(sample() / "Manifest.db", *mkey);
  auto manifest = CbcFileSource::open(sample() / "Manifest.db", *mkey, error);
  ASSERT_TRUE(manifest) << error;
  EXPECT_EQ(manifest->file_size(), whole.size());
  expect_reads_match(*manifest, whole, 1);
  std::array<unsigned char, 16> last{};
  ASSERT_TRUE(manifest->last_block(last));
  EXPECT_EQ(std::string(last.begin(), last.end()), whole.substr(whole.size() - 16));
  std::uint64_t size = vigil::vfs::without_padding(manifest->file_size(), last);
  EXPECT_EQ(size, o["manifest_db"]["plaintext_size"].get<std::uint64_t>());
  manifest->limit(size);
  expect_reads_match(*manifest, whole.substr(0, size), 2);
  EXPECT_EQ(vigil::core::sha256_hex(read_source(*manifest, 0, size)),
            o["manifest_db"]["plaintext_sha256"]);

  // Every payload, cut to its recorded size (the padding block is beyond it).
  for (const auto& f : o["files"]) {
    auto key = Key::from_hex(f["file_key"].get<std::string>());
    ASSERT_TRUE(key);
    auto path = payload(sample(), f["fileID"]);
    std::string plain = decrypt_whole(path, *key);
    auto source = CbcFileSource::open(path, *key, error);
    ASSERT_TRUE(source) << error;
    expect_reads_match(*source, plain, 3);
    source->limit(f["size"].get<std::uint64_t>());
    std::string cut = plain.substr(0, f["size"].get<std::size_t>());
    EXPECT_EQ(vigil::core::sha256_hex(cut), f["sha256"]);
    expect_reads_match(*source, cut, 4);
  }
}

TEST(EncryptedSource, OpenPayloadKeepsDecryptPayloadsSizesAndErrors) {
  VIGIL_REQUIRE_SHARED();
  json o = oracle();
  std::string error, note;
  auto backup = IosBackup::open(sample(), error, note);
  ASSERT_TRUE(backup) << error;
  auto bag = backup->keybag(error);
  ASSERT_TRUE(bag) << error;
  auto classes = ClassKeys::unlock(*bag, *Key::from_hex(o["derived_key"].get<std::string>()));
  ASSERT_TRUE(classes);
  ASSERT_EQ(backup->unlock(*Key::from_hex(o["derived_key"].get<std::string>()), error),
            IosBackup::Unlock::ok)
      << error;
  std::string blob;
  ASSERT_TRUE(backup->for_each_file(
      [&](const vigil::vfs::BackupFile& f, std::string_view b) {
        if (f.relative_path == "Library/SMS/sms.db") blob.assign(b);
      },
      error));
  auto file = vigil::vfs::file_encryption(blob, error);
  ASSERT_TRUE(file) << error;
  auto path = payload(sample(), "3d0d7e5fb2ce288813306e4d4636395e047a3d28");
  auto source = vigil::vfs::open_payload(*classes, *file, path, error);
  ASSERT_TRUE(source) << error;
  EXPECT_EQ(source->size(), 28672u);
  EXPECT_EQ(vigil::core::sha256_hex(read_source(*source, 0, source->size())),
            "2d7c6e9a504cd54ea8a389ebf27285d06d4a3043c35ec06e458c5a571eaf48d0");
  // No recorded size: the PKCS#7 padding is dropped, as decrypt_payload does.
  auto unsized = *file;
  unsized.size.reset();
  auto padded = vigil::vfs::open_payload(*classes, unsized, path, error);
  ASSERT_TRUE(padded) << error;
  EXPECT_EQ(padded->size(), 28672u);

  vigil::test::TempDir dir;
  std::string cipher = vigil::test::read_file(path);
  auto damaged = *file;
  damaged.wrapped_key[7] = static_cast<char>(damaged.wrapped_key[7] ^ 1);
  std::string why;
  EXPECT_FALSE(vigil::vfs::open_payload(*classes, damaged, path, why));
  EXPECT_NE(why.find("cannot be unwrapped"), std::string::npos) << why;
  vigil::test::write_file(dir.path() / "cut", cipher.substr(0, cipher.size() - 5));
  why.clear();
  EXPECT_FALSE(vigil::vfs::open_payload(*classes, *file, dir.path() / "cut", why));
  EXPECT_NE(why.find("not whole AES blocks"), std::string::npos) << why;
  vigil::test::write_file(dir.path() / "short", cipher.substr(0, cipher.size() - 32));
  why.clear();
  EXPECT_FALSE(vigil::vfs::open_payload(*classes, *file, dir.path() / "short", why));
  EXPECT_NE(why.find("shorter than its recorded size"), std::string::npos) << why;
  why.clear();
  EXPECT_FALSE(vigil::vfs::open_payload(*classes, *file, dir.path() / "absent", why));
  EXPECT_NE(why.find("cannot be read"), std::string::npos) << why;
}

std::optional<IosBackup> unlocked(const fs::path& path) {
  std::string error, note;
  auto backup = IosBackup::open(path, error, note);
  EXPECT_TRUE(backup) << error;
  if (!backup) return std::nullopt;
  EXPECT_EQ(backup->unlock(*Key::from_hex(oracle()["derived_key"].get<std::string>()), error),
            IosBackup::Unlock::ok)
      << error;
  return backup;
}

// Every row of every table, in rowid order where there is one, as text.
std::string dump(const Database& db) {
  std::string out, error;
  auto tables = db.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name",
      error);
  EXPECT_TRUE(tables) << error;
  while (tables && tables->step()) {
    std::string name(tables->bytes(0));
    auto st = db.prepare("SELECT * FROM \"" + name + "\" ORDER BY 1, 2", error);
    if (!st) st = db.prepare("SELECT * FROM \"" + name + "\" ORDER BY 1", error);
    EXPECT_TRUE(st) << name << ": " << error;
    out += "== " + name + "\n";
    while (st && st->step()) {
      for (int i = 0; i < st->column_count(); ++i) (out += st->bytes(i)) += '|';
      out += '\n';
    }
    if (st) {
      EXPECT_EQ(st->error(), "") << name;
    }
  }
  return out;
}

TEST(EncryptedSource, QueriesThroughTheVfsEqualTheInMemoryImage) {
  VIGIL_REQUIRE_SHARED();
  json o = oracle();
  auto backup = unlocked(sample());
  ASSERT_TRUE(backup);
  std::size_t databases = 0;
  for (const auto& f : o["files"]) {
    std::string rel = f["relativePath"];
    if (rel.ends_with(".plist")) continue;
    std::string id = f["fileID"], error;
    auto through_vfs = backup->open_database(id, error);
    ASSERT_TRUE(through_vfs) << rel << ": " << error;
    std::string plain =
        decrypt_whole(payload(sample(), id), *Key::from_hex(f["file_key"].get<std::string>()));
    plain.resize(f["size"].get<std::size_t>());
    auto image = Database::open_image(plain, error);
    ASSERT_TRUE(image) << rel << ": " << error;
    std::string rows = dump(*through_vfs);
    EXPECT_EQ(rows, dump(*image)) << rel;
    EXPECT_GT(rows.size(), 100u) << rel;
    ++databases;
  }
  EXPECT_EQ(databases, 9u);
  // Manifest.db, opened by unlock() through the VFS: every row.
  std::string whole =
      decrypt_whole(sample() / "Manifest.db",
                    *Key::from_hex(o["manifest_db"]["manifest_key"].get<std::string>()));
  whole.resize(o["manifest_db"]["plaintext_size"].get<std::size_t>());
  std::string error;
  auto image = Database::open_image(whole, error);
  ASSERT_TRUE(image) << error;
  auto st = image->prepare("SELECT fileID, domain, relativePath, flags, file FROM Files", error);
  ASSERT_TRUE(st) << error;
  std::string expected, got;
  while (st->step()) {
    for (int i = 0; i < 5; ++i) (expected += st->bytes(i)) += '|';
    expected += '\n';
  }
  ASSERT_TRUE(backup->for_each_file(
      [&](const vigil::vfs::BackupFile& f, std::string_view blob) {
        got += f.file_id + "|" + f.domain + "|" + f.relative_path + "|" + std::to_string(f.flags) +
               "|" + std::string(blob) + "|\n";
      },
      error))
      << error;
  EXPECT_EQ(got, expected);
  EXPECT_GE(std::count(got.begin(), got.end(), '\n'), 3721);
}

// The names (and sizes) of every file under `dir`.
std::map<std::string, std::uintmax_t> listing(const fs::path& dir) {
  std::map<std::string, std::uintmax_t> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out[e.path().string()] = e.is_regular_file() ? e.file_size() : 0;
  return out;
}

TEST(EncryptedSource, OpeningCreatesNoFileAnywhere) {
  VIGIL_REQUIRE_SHARED();
  vigil::test::TempDir dir;
  fs::copy(sample(), dir.path() / "backup", fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dir.path() / "backup"))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dir.path() / "backup", fs::perms::owner_write, fs::perm_options::add);
  fs::create_directories(dir.path() / "tmp");
  const char* old_tmpdir = std::getenv("TMPDIR");
  std::string saved = old_tmpdir ? old_tmpdir : "";
  setenv("TMPDIR", (dir.path() / "tmp").c_str(), 1);
  setenv("SQLITE_TMPDIR", (dir.path() / "tmp").c_str(), 1);
  auto before = listing(dir.path());
  {
    auto backup = unlocked(dir.path() / "backup");
    ASSERT_TRUE(backup);
    json o = oracle();
    for (const auto& f : o["files"]) {
      std::string rel = f["relativePath"];
      if (rel.ends_with(".plist")) continue;
      std::string error;
      auto db = backup->open_database(f["fileID"].get<std::string>(), error);
      ASSERT_TRUE(db) << error;
      EXPECT_FALSE(dump(*db).empty());
      // A sort over everything (no index), and a temporary table: in memory.
      auto st = db->prepare(
          "SELECT name, sql FROM sqlite_master ORDER BY length(sql) DESC, random()", error);
      ASSERT_TRUE(st) << error;
      while (st->step()) {
      }
    }
    EXPECT_FALSE(backup->find_path_like("%.db").empty());
    EXPECT_FALSE(backup->find_domain("HomeDomain").empty());
  }
  EXPECT_EQ(listing(dir.path()), before) << "no -journal, -wal, -shm or temporary file";
  if (old_tmpdir)
    setenv("TMPDIR", saved.c_str(), 1);
  else
    unsetenv("TMPDIR");
  unsetenv("SQLITE_TMPDIR");
}

TEST(EncryptedSource, ConcurrentUseFromSeveralThreads) {
  VIGIL_REQUIRE_SHARED();
  json o = oracle();
  auto backup = unlocked(sample());
  ASSERT_TRUE(backup);
  struct Expected {
    std::string id, relative_path, rows;
    std::size_t in_manifest;
  };
  std::vector<Expected> expected;
  for (const auto& f : o["files"]) {
    std::string rel = f["relativePath"], error;
    if (rel.ends_with(".plist")) continue;
    auto db = backup->open_database(f["fileID"].get<std::string>(), error);
    ASSERT_TRUE(db) << error;
    expected.push_back({f["fileID"], rel, dump(*db), backup->find_path(rel).size()});
  }
  std::size_t like = backup->find_path_like("Library/%").size();
  // A source shared by threads too (reads must be thread-safe on their own).
  auto mkey = Key::from_hex(o["manifest_db"]["manifest_key"].get<std::string>());
  std::string error;
  auto shared_source = CbcFileSource::open(sample() / "Manifest.db", *mkey, error);
  ASSERT_TRUE(shared_source) << error;
  std::string whole = decrypt_whole(sample() / "Manifest.db", *mkey);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int round = 0; round < 4; ++round) {
        for (std::size_t i = 0; i < expected.size(); ++i) {
          const auto& e = expected[(i + t) % expected.size()];
          std::string err;
          auto db = backup->open_database(e.id, err);  // its own connection, per thread
          if (!db || dump(*db) != e.rows) ++mismatches;
          if (backup->find_path(e.relative_path).size() != e.in_manifest) ++mismatches;
        }
        // Manifest.db: one connection shared by every thread.
        if (backup->find_path_like("Library/%").size() != like) ++mismatches;
        for (int i = 0; i < 50; ++i) {
          std::uint64_t offset = rng() % whole.size();
          std::size_t n = 1 + rng() % std::min<std::uint64_t>(9000, whole.size() - offset);
          std::string out(n, '\0');
          if (!shared_source->read(offset,
                                   std::span(reinterpret_cast<unsigned char*>(out.data()), n)) ||
              out != whole.substr(offset, n))
            ++mismatches;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
