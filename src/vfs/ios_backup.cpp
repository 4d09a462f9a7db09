#include "vfs/ios_backup.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>

#include "core/file.hpp"
#include "core/hash.hpp"
#include "core/plist.hpp"

namespace vigil::vfs {

namespace fs = std::filesystem;

namespace {

bool looks_like_backup(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "Manifest.db", ec) ||
         fs::is_regular_file(dir / "Manifest.plist", ec);
}

// Every file read whole is a property list, and the plist parser refuses more than 256 MiB: read
// one byte more than that at most, so a huge (or sparse) hostile file costs bounded memory and
// time and still gets the parser's "too large" message.
constexpr std::streamsize kMaxReadBytes = (std::streamsize{256} << 20) + 1;

std::optional<std::string> slurp(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string out;
  std::array<char, 1 << 16> buffer;
  while (std::ssize(out) < kMaxReadBytes) {
    in.read(buffer.data(),
            std::min<std::streamsize>(std::ssize(buffer), kMaxReadBytes - std::ssize(out)));
    if (in.gcount() <= 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  return out;
}

// An encrypted file read whole (a plist; databases are decrypted page by page instead) is
// decrypted in memory: above this it is refused rather than exhausting memory on a hostile
// declared size.
constexpr std::uintmax_t kMaxEncryptedBytes = std::uintmax_t{4} << 30;

// Reads a whole file into wiped memory, where it is then decrypted in place.
std::optional<core::SecureBuffer> read_secure(const fs::path& path, std::string& error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    if (fd >= 0) ::close(fd);
    error = "cannot be read";
    return std::nullopt;
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxEncryptedBytes) {
    ::close(fd);
    error = "is larger than 4 GiB";
    return std::nullopt;
  }
  auto size = static_cast<std::size_t>(st.st_size);
  core::SecureBuffer buffer(size);
  std::size_t got = 0;
  while (size != 0 && !buffer.empty() && got < size) {
    ssize_t n = ::read(fd, buffer.data() + got, size - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (got != size) {
    error = size != 0 && buffer.empty() ? "is too large for memory" : "cannot be read";
    return std::nullopt;
  }
  return buffer;
}

// Writes a new file readable by its owner only (decrypted evidence), from a source read in
// chunks through a wiped buffer: memory stays flat whatever the file's size.
bool write_private(const fs::path& path, const core::ByteSource& source) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  core::SecureBuffer buffer(kChunk);
  bool ok = !buffer.empty();
  for (std::uint64_t at = 0; ok && at < source.size();) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, source.size() - at));
    ok = source.read(at, buffer.bytes().first(n)) && core::write_all(fd, buffer.data(), n);
    at += n;
  }
  return ::close(fd) == 0 && ok;
}

bool is_file_id(std::string_view id) {
  if (id.size() != 40) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string IosBackup::file_id(std::string_view domain, std::string_view relative_path) {
  std::string input = std::string(domain) + "-" + std::string(relative_path);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return core::to_hex(digest, sizeof digest);
}

std::optional<IosBackup> IosBackup::open(const fs::path& path, std::string& error,
                                         std::string& note) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    error = path.string() + " is not a folder";
    return std::nullopt;
  }
  fs::path root = path;
  if (!looks_like_backup(path)) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_directory(ec) && looks_like_backup(entry.path())) found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    if (found.empty()) {
      error = path.string() +
              " does not look like an iTunes/Finder backup (no Manifest.db or Manifest.plist)";
      return std::nullopt;
    }
    if (found.size() > 1) {
      error =
          path.string() + " holds " + std::to_string(found.size()) + " backups; give one of them:";
      for (const auto& f : found) error += "\n  " + f.string();
      return std::nullopt;
    }
    root = found.front();
    note = "found a backup in the subfolder " + root.string();
  }
  IosBackup backup;
  backup.root_ = fs::absolute(root);
  bool flagged = false, have_plist = false;
  if (auto manifest = backup.read_top_level("Manifest.plist")) {
    have_plist = true;
    std::string perror;
    if (auto plist = core::Plist::parse(*manifest, perror)) {
      flagged = plist->root()["IsEncrypted"].boolean().value_or(false);
      backup.keybag_ = plist->root()["BackupKeyBag"].data().value_or("");
      backup.manifest_key_ = plist->root()["ManifestKey"].data().value_or("");
    }
  }
  std::string derror;
  for (const char* name : {"Manifest.db", "Manifest.db-wal"})
    if (fs::is_regular_file(backup.root_ / name, ec)) backup.note_read(backup.root_ / name);
  auto db = core::Database::open_evidence(backup.root_ / "Manifest.db", derror,
                                          core::Database::Threads::shared);
  if (db) backup.manifest_ = std::make_shared<core::Database>(std::move(*db));
  // iOS 10.2+ encrypts Manifest.db (and says how in ManifestKey); a readable one beside a
  // ManifestKey is a decrypted copy. Older backups keep Manifest.db plain and have no ManifestKey.
  backup.encrypted_ = flagged && (!backup.manifest_ || backup.manifest_key_.empty());
  if (!backup.manifest_ && !backup.encrypted_) {
    if (!have_plist && fs::exists(backup.root_ / "Manifest.db", ec)) {
      // Ciphertext without the Manifest.plist that says so: one error, not a cascade of absent
      // artifacts (MVT #402, #462); what Info.plist holds is still checked.
      backup.problem_ = "Manifest.db is not a readable database (" + derror +
                        ") and Manifest.plist is missing: if the backup is encrypted, its keys "
                        "were in Manifest.plist";
    } else {
      // Damaged (e.g. truncated): payloads are still found at their known IDs; the Manifest
      // module reports this once.
      note += (note.empty() ? "" : "; ") + ("Manifest.db cannot be read (" + derror +
                                            "); checking the files at their known locations only");
    }
  }
  return backup;
}

std::optional<Keybag> IosBackup::keybag(std::string& error) const {
  if (keybag_.empty()) {
    error = "Manifest.plist of the encrypted backup " + root_.string() + " has no BackupKeyBag";
    return std::nullopt;
  }
  std::string why;
  auto bag = Keybag::parse(keybag_, why);
  if (!bag) error = "Manifest.plist BackupKeyBag: " + why;
  return bag;
}

IosBackup::Unlock IosBackup::unlock(const Key& derived, std::string& error) {
  auto bag = keybag(error);
  if (!bag) return Unlock::damaged;
  auto keys = ClassKeys::unlock(*bag, derived);
  if (!keys) {
    error = "wrong password: it does not unlock the keys of the encrypted backup " +
            root_.string() + " (the key unwrap check failed)";
    return Unlock::wrong_key;
  }
  keys_ = std::make_shared<const ClassKeys>(std::move(*keys));
  if (manifest_key_.empty()) {
    if (manifest_) return Unlock::ok;
    error = "Manifest.db cannot be read and Manifest.plist has no ManifestKey";
    return Unlock::damaged;
  }
  auto source = manifest_source(error);
  if (!source) return Unlock::damaged;
  std::string derror;
  auto db = core::Database::open_source(std::move(source), derror, core::Database::Threads::shared);
  if (!db) {
    error = "Manifest.db does not decrypt to a database (" + derror + "): it is damaged";
    return Unlock::damaged;
  }
  manifest_ = std::make_shared<core::Database>(std::move(*db));
  return Unlock::ok;
}

std::shared_ptr<const core::ByteSource> IosBackup::manifest_source(std::string& error) const {
  if (manifest_key_.size() != 4 + Key::kSize + 8) {
    error = "Manifest.plist ManifestKey is " + std::to_string(manifest_key_.size()) +
            " bytes, not 44: Manifest.db cannot be decrypted";
    return nullptr;
  }
  auto p = reinterpret_cast<const unsigned char*>(manifest_key_.data());
  std::uint32_t protection_class =
      p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
  std::string why;
  auto key = keys_->unwrap(protection_class, std::string_view(manifest_key_).substr(4), why);
  if (!key) {
    error = "Manifest.db cannot be decrypted: " + why;
    return nullptr;
  }
  auto source = CbcFileSource::open(root_ / "Manifest.db", *key, why);
  if (!source) {
    error = "Manifest.db " + why;
    return nullptr;
  }
  if (source->file_size() % 16 != 0) {
    error = "Manifest.db is not whole AES blocks (" + std::to_string(source->file_size()) +
            " bytes): it is truncated or damaged";
    return nullptr;
  }
  // The plaintext is the ciphertext's length less the PKCS#7 padding of the last block.
  if (source->file_size() != 0) {
    std::array<unsigned char, 16> last{};
    if (!source->last_block(last)) {
      error = "Manifest.db cannot be read";
      return nullptr;
    }
    source->limit(without_padding(source->file_size(), last));
    OPENSSL_cleanse(last.data(), last.size());
  }
  return source;
}

std::optional<core::SecureBuffer> IosBackup::decrypt(std::string_view id, std::string_view blob,
                                                     std::string& error) const {
  auto path = payload_path(id);
  if (!path) {
    error = "not in the backup";
    return std::nullopt;
  }
  auto file = file_encryption(blob, error);
  if (!file) return std::nullopt;
  auto data = read_secure(*path, error);
  if (!data) return std::nullopt;
  auto size = decrypt_payload(*keys_, *file, data->bytes(), error);
  if (!size) return std::nullopt;
  data->truncate(*size);
  return data;
}

std::optional<std::string> IosBackup::encryption_blob(std::string_view id,
                                                      std::string& error) const {
  if (!keys_) {
    error = "the backup is encrypted and its keys are not available";
    return std::nullopt;
  }
  std::string blob;
  if (manifest_) {
    auto st = manifest_->prepare("SELECT file FROM Files WHERE fileID = ?", error);
    if (!st) return std::nullopt;
    st->bind(1, id);
    if (st->step()) blob.assign(st->bytes(0));
  }
  if (blob.empty()) {
    error = "encrypted, and Manifest.db holds no key for it";
    return std::nullopt;
  }
  return blob;
}

std::optional<core::SecureBuffer> IosBackup::decrypt(std::string_view id,
                                                     std::string& error) const {
  auto blob = encryption_blob(id, error);
  if (!blob) return std::nullopt;
  return decrypt(id, *blob, error);
}

std::shared_ptr<const core::ByteSource> IosBackup::payload_source(std::string_view id,
                                                                  std::string_view blob,
                                                                  std::string& error) const {
  auto path = payload_path(id);
  if (!path) {
    error = "not in the backup";
    return nullptr;
  }
  auto file = file_encryption(blob, error);
  if (!file) return nullptr;
  return open_payload(*keys_, *file, *path, error);
}

bool IosBackup::write_decrypted(
    const fs::path& dest, const std::function<void(const BackupFile&, const std::string&)>& skipped,
    std::size_t& written, std::string& error) const {
  written = 0;
  std::error_code ec;
  if (fs::exists(dest, ec) && !fs::is_empty(dest, ec)) {
    error = dest.string() + " exists and is not empty";
    return false;
  }
  fs::create_directories(dest, ec);
  fs::permissions(dest, fs::perms::owner_all, ec);
  if (ec) {
    error = "cannot create " + dest.string() + ": " + ec.message();
    return false;
  }
  std::string why;
  // iOS 10.2+ encrypts Manifest.db; older backups keep it plain.
  std::shared_ptr<const core::ByteSource> manifest;
  if (manifest_key_.empty()) {
    manifest = FileSource::open(root_ / "Manifest.db", why);
    if (!manifest) error = "Manifest.db " + why;
  } else {
    manifest = manifest_source(error);
  }
  if (!manifest) return false;
  if (!write_private(dest / "Manifest.db", *manifest)) {
    error = "cannot write " + (dest / "Manifest.db").string();
    return false;
  }
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().extension() != ".plist") continue;
    if (!fs::copy_file(entry.path(), dest / entry.path().filename(), ec)) {
      error = "cannot write " + (dest / entry.path().filename()).string();
      return false;
    }
  }
  bool ok = true;
  bool listed = for_each_file(
      [&](const BackupFile& file, std::string_view blob) {
        if (!ok || file.flags != 1 || !payload_path(file.file_id)) return;
        auto data = payload_source(file.file_id, blob, why);
        if (!data) {
          skipped(file, why);
          return;
        }
        auto dir = dest / file.file_id.substr(0, 2);
        fs::create_directories(dir, ec);
        if (!write_private(dir / file.file_id, *data)) {
          error = "cannot write " + (dir / file.file_id).string();
          ok = false;
          return;
        }
        ++written;
      },
      why);
  if (!listed) error = "Manifest.db: " + why;
  return ok && listed;
}

std::optional<fs::path> IosBackup::payload_path(std::string_view id) const {
  if (!is_file_id(id)) return std::nullopt;
  fs::path path = root_ / std::string(id.substr(0, 2)) / std::string(id);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

std::optional<std::string> IosBackup::read(std::string_view id, std::string& error) const {
  auto path = payload_path(id);
  if (!path) {
    error = "not in the backup";
    return std::nullopt;
  }
  note_read(*path);
  if (!encrypted_) {
    auto bytes = slurp(*path);
    if (!bytes) error = "cannot be read";
    return bytes;
  }
  auto data = decrypt(id, error);
  if (!data) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(data->data()), data->size());
}

std::optional<std::string> IosBackup::read_top_level(std::string_view name) const {
  auto path = root_ / std::string(name);
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) note_read(path);
  return slurp(path);
}

void IosBackup::note_read(const fs::path& path) const {
  std::lock_guard lock(reads_->mutex);
  reads_->paths.insert(path);
}

std::vector<fs::path> IosBackup::files_read() const {
  std::lock_guard lock(reads_->mutex);
  return {reads_->paths.begin(), reads_->paths.end()};
}

std::optional<core::Database> IosBackup::open_database(std::string_view id,
                                                       std::string& error) const {
  auto path = payload_path(id);
  if (!path) {
    error = "not in the backup";
    return std::nullopt;
  }
  note_read(*path);
  if (!encrypted_) {
    auto wal = *path;
    wal += "-wal";
    std::error_code ec;
    if (fs::is_regular_file(wal, ec)) note_read(wal);  // open_evidence applies it
    return core::Database::open_evidence(*path, error);
  }
  // Decrypted page by page as SQLite reads it (a -wal beside an encrypted payload is not
  // applied, as before: backups hold a database's WAL as a payload of its own).
  auto blob = encryption_blob(id, error);
  if (!blob) return std::nullopt;
  auto source = payload_source(id, *blob, error);
  if (!source) return std::nullopt;
  return core::Database::open_source(std::move(source), error);
}

std::vector<BackupFile> IosBackup::query(const std::string& where,
                                         std::vector<std::string> args) const {
  std::vector<BackupFile> out;
  if (!manifest_) return out;
  std::string error;
  auto st = manifest_->prepare(
      "SELECT fileID, domain, relativePath, flags FROM Files WHERE " + where + " ORDER BY fileID",
      error);
  if (!st) return out;
  for (std::size_t i = 0; i < args.size(); ++i) st->bind(static_cast<int>(i + 1), args[i]);
  while (st->step())
    out.push_back(BackupFile{std::string(st->bytes(0)), std::string(st->bytes(1)),
                             std::string(st->bytes(2)), st->integer(3)});
  return out;
}

std::vector<BackupFile> IosBackup::find(std::string_view domain,
                                        std::string_view relative_path) const {
  return query("domain = ? AND relativePath = ?",
               {std::string(domain), std::string(relative_path)});
}

std::vector<BackupFile> IosBackup::find_path(std::string_view relative_path) const {
  return query("relativePath = ?", {std::string(relative_path)});
}

std::vector<BackupFile> IosBackup::find_path_like(std::string_view pattern) const {
  if (auto paths = expected_matches(pattern)) {
    std::vector<BackupFile> out;
    for (const auto& path : *paths) {
      auto rows = find_path(path);
      std::move(rows.begin(), rows.end(), std::back_inserter(out));
    }
    std::stable_sort(out.begin(), out.end(), [](const BackupFile& a, const BackupFile& b) {
      return a.file_id < b.file_id;  // ORDER BY fileID, BINARY
    });
    return out;
  }
  {
    std::lock_guard lock(patterns_->mutex);
    ++patterns_->like_queries;
  }
  // The LIKE runs over the relativePath index alone (a covering scan: a few MB), then the rows
  // are fetched by path. A plain `WHERE relativePath LIKE ? ORDER BY fileID` walks the fileID
  // index and looks up every row of the table in fileID order, reading Manifest.db many times.
  return query("relativePath IN (SELECT relativePath FROM Files WHERE relativePath LIKE ?)",
               {std::string(pattern)});
}

void IosBackup::expect_path_patterns(std::vector<std::string> patterns) const {
  std::lock_guard lock(patterns_->mutex);
  patterns_->expected = std::move(patterns);
  patterns_->scanned = false;
  patterns_->matches.clear();
}

std::size_t IosBackup::like_queries() const {
  std::lock_guard lock(patterns_->mutex);
  return patterns_->like_queries;
}

std::optional<std::vector<std::string>> IosBackup::expected_matches(
    std::string_view pattern) const {
  if (!manifest_) return std::nullopt;
  PathPatterns& p = *patterns_;
  std::lock_guard lock(p.mutex);
  const auto it = std::find(p.expected.begin(), p.expected.end(), pattern);
  if (it == p.expected.end()) return std::nullopt;
  if (!p.scanned) {
    p.scanned = true;
    p.usable = false;
    std::string error;
    auto st = manifest_->prepare("SELECT relativePath FROM Files", error);
    if (!st) return std::nullopt;
    std::vector<std::set<std::string, std::less<>>> found(p.expected.size());
    while (st->step()) {
      const int type = st->type(0);
      if (type == SQLITE_NULL) continue;  // NULL LIKE … is NULL: no match
      if (type != SQLITE_TEXT) return std::nullopt;
      const std::string_view path = st->bytes(0);
      for (std::size_t i = 0; i < p.expected.size(); ++i)
        if (core::sql_like(p.expected[i], path) && !found[i].contains(path)) found[i].emplace(path);
    }
    if (!st->error().empty()) return std::nullopt;
    p.matches.clear();
    for (auto& paths : found) p.matches.emplace_back(paths.begin(), paths.end());
    p.usable = true;
  }
  if (!p.usable) return std::nullopt;
  return p.matches[static_cast<std::size_t>(it - p.expected.begin())];
}

std::vector<BackupFile> IosBackup::find_domain(std::string_view domain) const {
  return query("domain = ?", {std::string(domain)});
}

std::optional<BackupFile> IosBackup::find_id(std::string_view id) const {
  auto rows = query("fileID = ?", {std::string(id)});
  if (!rows.empty()) return rows.front();
  if (payload_path(id)) return BackupFile{std::string(id), "", "", 1};
  return std::nullopt;
}

bool IosBackup::for_each_file(const std::function<void(const BackupFile&, std::string_view)>& visit,
                              std::string& error) const {
  if (!manifest_) {  // damaged (open() noted it): say why once more, for the Manifest module
    (void)core::Database::open_evidence(root_ / "Manifest.db", error);
    return false;
  }
  auto st =
      manifest_->prepare("SELECT fileID, domain, relativePath, flags, file FROM Files", error);
  if (!st) return false;
  BackupFile row;
  while (st->step()) {
    row.file_id.assign(st->bytes(0));
    row.domain.assign(st->bytes(1));
    row.relative_path.assign(st->bytes(2));
    row.flags = st->integer(3);
    visit(row, st->bytes(4));
  }
  if (!st->error().empty()) {
    error = st->error();
    return false;
  }
  return true;
}

}  // namespace vigil::vfs
