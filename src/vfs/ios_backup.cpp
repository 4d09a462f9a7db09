#include "vfs/ios_backup.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>

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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
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
  auto manifest_plist = backup.read_top_level("Manifest.plist");
  if (manifest_plist) {
    std::string perror;
    if (auto plist = core::Plist::parse(*manifest_plist, perror))
      backup.encrypted_ = plist->root()["IsEncrypted"].boolean().value_or(false);
  }
  if (!backup.encrypted_) {
    std::string derror;
    for (const char* name : {"Manifest.db", "Manifest.db-wal"})
      if (fs::is_regular_file(backup.root_ / name, ec)) backup.note_read(backup.root_ / name);
    auto db = core::Database::open_evidence(backup.root_ / "Manifest.db", derror,
                                            core::Database::Threads::shared);
    if (db) {
      backup.manifest_ = std::make_shared<core::Database>(std::move(*db));
    } else if (!manifest_plist) {
      // Ciphertext without the Manifest.plist that says so: each module would report its
      // artifact absent, a cascade hiding the one real problem (MVT #402, #462).
      error = (backup.root_ / "Manifest.db").string() + " cannot be read (" + derror +
              ") and there is no Manifest.plist: an encrypted backup whose Manifest.plist is "
              "missing, or not a backup";
      return std::nullopt;
    } else {
      // Damaged (e.g. truncated): payloads are still found at their known IDs; the Manifest
      // module reports this once.
      note += (note.empty() ? "" : "; ") + ("Manifest.db cannot be read (" + derror +
                                            "); checking the files at their known locations only");
    }
  }
  return backup;
}

std::optional<fs::path> IosBackup::payload_path(std::string_view id) const {
  if (!is_file_id(id)) return std::nullopt;
  fs::path path = root_ / std::string(id.substr(0, 2)) / std::string(id);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

std::optional<std::string> IosBackup::read(std::string_view id) const {
  auto path = payload_path(id);
  if (!path) return std::nullopt;
  note_read(*path);
  return slurp(*path);
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
  auto wal = *path;
  wal += "-wal";
  std::error_code ec;
  if (fs::is_regular_file(wal, ec)) note_read(wal);  // open_evidence applies it
  return core::Database::open_evidence(*path, error);
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
  // The LIKE runs over the relativePath index alone (a covering scan: a few MB), then the rows
  // are fetched by path. A plain `WHERE relativePath LIKE ? ORDER BY fileID` walks the fileID
  // index and looks up every row of the table in fileID order, reading Manifest.db many times.
  return query("relativePath IN (SELECT relativePath FROM Files WHERE relativePath LIKE ?)",
               {std::string(pattern)});
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
