// Encrypted backups end to end, on the generated samples of shared/corpus/ios-encrypted-generated
// (known passwords, derived keys and plaintext hashes): decrypt-backup reproduces the oracle,
// extract-key and --key-file, check-backup reads the encrypted backup in place with the same
// results as the plain backup it came from, no decrypted byte reaches the disk, the password is
// never written, and damaged keybags, files and wrong passwords are clear, named errors.
#include <gtest/gtest.h>
#include <plist/plist.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>

#include "core/hash.hpp"
#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using vigil::test::run_vigil;
using vigil::test::TempDir;

fs::path sample(const std::string& kind) { return vigil::test::encrypted_sample(kind); }
json oracle(const std::string& kind) {
  return json::parse(vigil::test::encrypted_sample_oracle(kind));
}
fs::path plain_backup() { return vigil::test::shared_dir() / "corpus/mvt-tests/ios_backup"; }
std::string test_iocs() {
  return "--no-bundled-iocs --iocs '" +
         (vigil::test::shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2").string() +
         "'";
}
std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// The fast sample's password (non-ASCII on purpose) in a file, as --password-file reads it.
std::string password_file(const TempDir& home, const std::string& kind = "fastkdf") {
  auto path = home.path() / "password.txt";
  vigil::test::write_file(path, oracle(kind)["password"].get<std::string>() + "\n");
  return "--password-file " + quote(path);
}

// A writable copy of a sample.
fs::path copy_sample(const TempDir& home, const std::string& kind = "fastkdf") {
  auto dest = home.path() / "backup";
  fs::copy(sample(kind), dest, fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dest))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  fs::permissions(dest, fs::perms::owner_write, fs::perm_options::add);
  return dest;
}

json modules_of(const fs::path& out) {
  json info = json::parse(vigil::test::read_file(out / "info.json"));
  json by_name;
  for (const auto& m : info["modules"]) by_name[m["module"].get<std::string>()] = m;
  return by_name;
}

TEST(EncryptedBackupCli, DecryptBackupReproducesTheOracleAndCheckBackupReadsIt) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  json o = oracle("fastkdf");
  auto before = vigil::test::tree_digest(sample("fastkdf"));
  auto dest = home.path() / "plain";
  auto run = run_vigil("decrypt-backup " + password_file(home) + " " + quote(sample("fastkdf")) +
                           " -d " + quote(dest) + " </dev/null",
                       home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  EXPECT_EQ(vigil::test::tree_digest(sample("fastkdf")), before) << "the evidence changed";
  std::size_t payloads = 0;
  for (const auto& f : o["files"]) {
    std::string id = f["fileID"];
    EXPECT_EQ(vigil::core::sha256_file_hex(dest / id.substr(0, 2) / id), f["sha256"]) << id;
    ++payloads;
  }
  EXPECT_EQ(payloads, 10u);
  EXPECT_EQ(vigil::core::sha256_file_hex(dest / "Manifest.db"),
            o["manifest_db"]["plaintext_sha256"]);
  for (const auto& [name, digest] : o["plists"].items())
    EXPECT_EQ(vigil::core::sha256_file_hex(dest / name), digest) << name;
  EXPECT_EQ(fs::status(dest / "Manifest.db").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  // The copy still says IsEncrypted, but its Manifest.db is plain: read as a plain backup.
  auto out = home.path() / "out";
  auto check = run_vigil(
      "check-backup " + test_iocs() + " -o " + quote(out) + " " + quote(dest) + " </dev/null",
      home.path(), true);
  ASSERT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(modules_of(out)["manifest"]["records"], 3721);
  EXPECT_EQ(modules_of(out)["sms"]["records"], 1);

  auto again = run_vigil("decrypt-backup " + password_file(home) + " " + quote(sample("fastkdf")) +
                             " -d " + quote(dest) + " </dev/null",
                         home.path(), true);
  EXPECT_EQ(again.status, 3) << "never into a folder that has files";
  EXPECT_NE(again.out.find("not empty"), std::string::npos) << again.out;
}

TEST(EncryptedBackupCli, ExtractKeyAndKeyFile) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  json o = oracle("fastkdf");
  auto printed =
      run_vigil("extract-key " + password_file(home) + " " + quote(sample("fastkdf")), home.path());
  ASSERT_EQ(printed.status, 0);
  EXPECT_EQ(printed.out, o["derived_key"].get<std::string>() + "\n");
  auto key_file = home.path() / "case.key";
  auto written = run_vigil("extract-key " + password_file(home) + " --key-file " + quote(key_file) +
                               " " + quote(sample("fastkdf")),
                           home.path());
  ASSERT_EQ(written.status, 0);
  EXPECT_EQ(vigil::test::read_file(key_file), o["derived_key"].get<std::string>());
  EXPECT_EQ(fs::status(key_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  auto out = home.path() / "out";
  auto check =
      run_vigil("check-backup " + test_iocs() + " -m sms -m tcc --key-file " + quote(key_file) +
                    " -o " + quote(out) + " " + quote(sample("fastkdf")) + " </dev/null",
                home.path(), true);
  ASSERT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(modules_of(out)["sms"]["alerts"], 1);
  EXPECT_EQ(modules_of(out)["tcc"]["records"], 11);

  vigil::test::write_file(key_file, std::string(64, 'z'));
  auto bad = run_vigil(
      "check-backup --key-file " + quote(key_file) + " " + quote(sample("fastkdf")) + " </dev/null",
      home.path(), true);
  EXPECT_EQ(bad.status, 3) << bad.out;
  EXPECT_NE(bad.out.find("does not hold a key"), std::string::npos) << bad.out;
}

// The real iteration counts (10,000,000 SHA-256 rounds): the one test that pays for them.
TEST(EncryptedBackupCli, RealKdfPasswordFromTheEnvironment) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  json o = oracle("realkdf");
  setenv("VIGIL_BACKUP_PASSWORD", o["password"].get<std::string>().c_str(), 1);
  auto run = run_vigil("extract-key " + quote(sample("realkdf")) + " </dev/null", home.path());
  unsetenv("VIGIL_BACKUP_PASSWORD");
  ASSERT_EQ(run.status, 0);
  EXPECT_EQ(run.out, o["derived_key"].get<std::string>() + "\n");
}

// What the plain backup's results become when its WhatsApp LID database is absent: no LID pair
// record or event, and the LID chat's partner left unresolved.
std::string without_lid(const std::string& name, std::string text) {
  auto replace = [&](const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  auto drop_lines = [&](const std::string& holding) {
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
      std::size_t end = text.find('\n', at);
      end = end == std::string::npos ? text.size() : end + 1;
      std::string line = text.substr(at, end - at);
      if (line.find(holding) == std::string::npos) out += line;
      at = end;
    }
    text = out;
  };
  if (name == "whatsapp.json") {
    drop_lines("\"lid_phone_number_pair\"");
    replace("\"partner_resolved_phone_number\":\"+14155550100\"",
            "\"partner_resolved_phone_number\":null");
  } else if (name == "timeline.csv" || name == "timeline.jsonl") {
    drop_lines("lid_pair_recorded");
    replace("'Alice Example' (+14155550100)", "'Alice Example' (100000000000001@lid)");
  }
  return text;
}

// Same records and alerts as the plain backup the sample was made from, except what the sample's
// README lists: the Manifest `size` of the 9 rows whose payload MVT's authors had replaced, and
// WhatsApp's LID database, which has no Manifest.db row and so is not in the encrypted sample.
TEST(EncryptedBackupCli, SameRecordsAndAlertsAsThePlainBackup) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto plain = home.path() / "plain", encrypted = home.path() / "encrypted";
  ASSERT_EQ(
      run_vigil("check-backup " + test_iocs() + " -o " + quote(plain) + " " + quote(plain_backup()),
                home.path())
          .status,
      0);
  auto run = run_vigil("check-backup " + test_iocs() + " " + password_file(home) + " -o " +
                           quote(encrypted) + " " + quote(sample("fastkdf")) + " </dev/null",
                       home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  std::set<std::string> names, enc_names;
  for (const auto& e : fs::directory_iterator(plain)) names.insert(e.path().filename().string());
  for (const auto& e : fs::directory_iterator(encrypted))
    enc_names.insert(e.path().filename().string());
  EXPECT_EQ(enc_names, names);
  EXPECT_TRUE(names.count("alerts.json") && names.count("whatsapp.json"));
  for (const auto& name : names) {
    // report.html embeds info.json (run times, target path, "encrypted").
    if (name == "info.json" || name == "command.log" || name == "report.html") continue;
    std::string a = vigil::test::read_file(plain / name);
    std::string b = vigil::test::read_file(encrypted / name);
    if (name != "manifest.json") {
      EXPECT_EQ(without_lid(name, a), b) << name;
      continue;
    }
    json pa = json::parse(a), pb = json::parse(b);
    ASSERT_EQ(pa.size(), pb.size());
    std::size_t sizes = 0;
    for (std::size_t i = 0; i < pa.size(); ++i) {
      if (pa[i]["size"] != pb[i]["size"]) ++sizes;
      pa[i].erase("size");
      pb[i].erase("size");
    }
    EXPECT_EQ(pa, pb);
    EXPECT_EQ(sizes, 9u);
  }
  json info = json::parse(vigil::test::read_file(encrypted / "info.json"));
  EXPECT_EQ(info["encrypted"], true);
}

// Every file under `root` (recursively) that holds `marker`.
std::vector<std::string> holding(const fs::path& root, const std::string& marker) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && vigil::test::read_file(e.path()).find(marker) != std::string::npos)
      out.push_back(e.path().string());
  return out;
}

// The plaintext payloads' bytes never reach the output folder or TMPDIR: markers are the SQLite
// header and a varied 32-byte window from the middle of every plaintext file, none of which a
// record reproduces.
TEST(EncryptedBackupCli, NoDecryptedByteReachesTheDisk) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto tmp = home.path() / "tmp";
  fs::create_directories(tmp);
  std::vector<std::string> markers = {std::string("SQLite format 3\0", 16)};
  json o = oracle("fastkdf");
  for (const auto& f : o["files"]) {
    std::string id = f["fileID"];
    std::string plain = vigil::test::read_file(plain_backup() / id.substr(0, 2) / id);
    for (std::size_t at = plain.size() / 2; at + 32 <= plain.size(); ++at) {
      std::string window = plain.substr(at, 32);
      if (std::set<char>(window.begin(), window.end()).size() >= 16) {
        markers.push_back(window);
        break;
      }
    }
  }
  ASSERT_GE(markers.size(), 10u);
  auto out = home.path() / "out";
  auto before = vigil::test::evidence_state(sample("fastkdf"));
  setenv("TMPDIR", tmp.c_str(), 1);
  auto run = run_vigil("check-backup " + test_iocs() + " " + password_file(home) + " -o " +
                           quote(out) + " " + quote(sample("fastkdf")) + " </dev/null",
                       home.path(), true);
  unsetenv("TMPDIR");
  ASSERT_EQ(run.status, 0) << run.out;
  // Databases are read through the read-only VFS: no -journal, -wal or -shm beside them.
  EXPECT_EQ(vigil::test::evidence_state(sample("fastkdf")), before);
  EXPECT_GE(modules_of(out)["sms"]["records"], 1) << "the payloads were read";
  for (const auto& marker : markers) {
    EXPECT_EQ(holding(out, marker), std::vector<std::string>{});
    EXPECT_EQ(holding(tmp, marker), std::vector<std::string>{});
  }
}

TEST(EncryptedBackupCli, PasswordIsNeverWritten) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  std::string password = oracle("fastkdf")["password"];
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup -m backup_info --no-bundled-iocs --password '" + password +
                           "' -o " + quote(out) + " " + quote(sample("fastkdf")) + " </dev/null",
                       home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  json info = json::parse(vigil::test::read_file(out / "info.json"));
  EXPECT_NE(info["command_line"].get<std::string>().find("--password ***"), std::string::npos)
      << info["command_line"];
  EXPECT_EQ(holding(out, password), std::vector<std::string>{});
  EXPECT_EQ(holding(out, password.substr(0, 9)), std::vector<std::string>{}) << "nor a prefix";
  EXPECT_EQ(run.out.find(password), std::string::npos);
}

TEST(EncryptedBackupCli, WrongPasswordIsOneSentence) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --password wrong -o " + quote(out) + " " +
                           quote(sample("fastkdf")) + " </dev/null",
                       home.path(), true);
  EXPECT_EQ(run.status, 7);
  EXPECT_EQ(std::count(run.out.begin(), run.out.end(), '\n'), 1) << run.out;
  EXPECT_NE(run.out.find("wrong password"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(out)) << "nothing is written";
  auto key = run_vigil("extract-key --password wrong " + quote(sample("fastkdf")) + " </dev/null",
                       home.path(), true);
  EXPECT_EQ(key.status, 7);
  EXPECT_EQ(key.out.find("0585"), std::string::npos);
}

TEST(EncryptedBackupCli, NoPasswordAndNoTerminalSaysHowToGiveIt) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto run =
      run_vigil("check-backup " + quote(sample("fastkdf")) + " </dev/null", home.path(), true);
  EXPECT_EQ(run.status, 6);
  EXPECT_NE(run.out.find("--password-file"), std::string::npos) << run.out;
}

// Replaces Manifest.plist's BackupKeyBag with its first `keep` bytes.
void truncate_keybag(const fs::path& backup, std::size_t keep) {
  std::string bytes = vigil::test::read_file(backup / "Manifest.plist");
  plist_t root = nullptr;
  plist_from_bin(bytes.data(), static_cast<uint32_t>(bytes.size()), &root);
  ASSERT_NE(root, nullptr);
  plist_t bag = plist_dict_get_item(root, "BackupKeyBag");
  char* data = nullptr;
  uint64_t size = 0;
  plist_get_data_val(bag, &data, &size);
  ASSERT_GT(size, keep);
  plist_set_data_val(bag, data, keep);
  std::free(data);
  char* out = nullptr;
  uint32_t out_size = 0;
  plist_to_bin(root, &out, &out_size);
  vigil::test::write_file(backup / "Manifest.plist", std::string(out, out_size));
  std::free(out);
  plist_free(root);
}

TEST(EncryptedBackupCli, TruncatedKeybagIsNamedAndTheRestRuns) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto backup = copy_sample(home);
  truncate_keybag(backup, 700);
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup --no-bundled-iocs " + password_file(home) + " -o " +
                           quote(out) + " " + quote(backup) + " </dev/null",
                       home.path(), true);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_NE(run.out.find("BackupKeyBag"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("truncated"), std::string::npos) << run.out;
  EXPECT_EQ(modules_of(out)["backup_info"]["records"], 1) << "Info.plist is not encrypted";
}

TEST(EncryptedBackupCli, MissingManifestPlistIsNamed) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto backup = copy_sample(home);
  fs::remove(backup / "Manifest.plist");
  auto out = home.path() / "out";
  auto run = run_vigil(
      "check-backup --no-bundled-iocs -o " + quote(out) + " " + quote(backup) + " </dev/null",
      home.path(), true);
  EXPECT_EQ(run.status, 3) << run.out;
  EXPECT_NE(run.out.find("Manifest.plist is missing"), std::string::npos) << run.out;
  EXPECT_EQ(modules_of(out)["backup_info"]["records"], 1);
}

// A truncated payload and a damaged one: each a warning naming its file; the rest still runs.
TEST(EncryptedBackupCli, DamagedFilesAreWarningsAndTheRestRuns) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto backup = copy_sample(home);
  auto sms = backup / "3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28";
  fs::resize_file(sms, fs::file_size(sms) - 5);
  auto prefs = backup / "0d/0dc926a1810f7aee4e8f38793ed788701f93bf9d";
  std::string bytes = vigil::test::read_file(prefs);
  bytes[3] = static_cast<char>(bytes[3] ^ 0x20);  // garbles the first plaintext block
  vigil::test::write_file(prefs, bytes);
  auto out = home.path() / "out";
  auto run = run_vigil("check-backup " + test_iocs() + " " + password_file(home) + " -o " +
                           quote(out) + " " + quote(backup) + " </dev/null",
                       home.path(), true);
  ASSERT_EQ(run.status, 0) << run.out;
  json modules = modules_of(out);
  ASSERT_EQ(modules["sms"]["warnings"].size(), 1u) << modules["sms"];
  std::string warning = modules["sms"]["warnings"][0];
  EXPECT_NE(warning.find("3d0d7e5fb2ce288813306e4d4636395e047a3d28"), std::string::npos);
  EXPECT_NE(warning.find("not whole AES blocks"), std::string::npos) << warning;
  ASSERT_FALSE(modules["global_preferences"]["warnings"].empty());
  EXPECT_NE(modules["global_preferences"]["warnings"][0].get<std::string>().find(
                ".GlobalPreferences.plist"),
            std::string::npos);
  EXPECT_EQ(modules["tcc"]["records"], 11);
  EXPECT_EQ(modules["manifest"]["records"], 3721);
  EXPECT_EQ(modules["whatsapp"]["alerts"], 1);
}

}  // namespace
