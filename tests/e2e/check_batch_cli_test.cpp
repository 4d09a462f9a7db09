// `vigil check-batch`: generated backups (one nested deeper), an encrypted one with its password
// file, one with a wrong password beside it, and a corrupt one, checked in parallel; every case in
// summary.csv, the broken ones reported while the others are checked.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "e2e/run_vigil.hpp"
#include "support/test_support.hpp"

namespace {

namespace fs = std::filesystem;
using vigil::test::run_vigil;
using vigil::test::TempDir;

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  return out;
}

TEST(CheckBatchCli, GeneratedEncryptedNestedAndCorruptCases) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  auto cases = home.path() / "cases";
  auto stix = vigil::test::shared_dir() / "corpus/mvt-tests/stix2/mvt-test-generated.stix2";
  auto generate = [&](const fs::path& dir, int seed) {
    std::string cmd = "python3 '" +
                      (vigil::test::shared_dir() / "bench/make_ios_backup.py").string() + "' '" +
                      dir.string() + "' --scale 200 --seed " + std::to_string(seed) + " --truth '" +
                      (home.path() / ("truth" + std::to_string(seed))).string() + "' --iocs '" +
                      stix.string() + "' > /dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  };
  generate(cases / "alice-phone", 1);
  generate(cases / "site-b/2024/bob", 2);
  fs::copy(vigil::test::shared_dir() / "corpus/ios-encrypted-generated/mvt-ios_backup-fastkdf",
           cases / "carol-encrypted", fs::copy_options::recursive);
  fs::copy(vigil::test::shared_dir() / "corpus/ios-encrypted-generated/mvt-ios_backup-fastkdf",
           cases / "erin-encrypted", fs::copy_options::recursive);
  vigil::test::write_file(cases / "erin-encrypted.password", "not the password\n");
  vigil::test::write_file(cases / "dave-corrupt/Manifest.plist", "bplist00 not a plist");
  vigil::test::write_file(cases / "dave-corrupt/Manifest.db",
                          std::string("SQLite format 3\0 torn", 22));
  vigil::test::write_file(cases / "notes/readme.txt", "not an acquisition");
  vigil::test::write_file(home.path() / "secrets/carol.txt", "vigil-tëst-ü🔑\n");
  vigil::test::write_file(home.path() / "secrets/passwords.tsv",
                          "# case\tpassword file\ncarol-encrypted\tcarol.txt\n");
  auto before = vigil::test::tree_digest(cases);

  auto out = home.path() / "out";
  auto run = run_vigil("check-batch --no-bundled-iocs --iocs '" + stix.string() + "' -w 2 " +
                           "--passwords '" + (home.path() / "secrets/passwords.tsv").string() +
                           "' -o '" + out.string() + "' '" + cases.string() + "'",
                       home.path(), true);
  EXPECT_EQ(run.status, 3) << run.out;  // erin's case could not be checked
  EXPECT_EQ(vigil::test::tree_digest(cases), before) << "the evidence changed";

  std::istringstream csv(vigil::test::read_file(out / "summary.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line,
            "\"case\",\"type\",\"device\",\"ios_version\",\"date\",\"critical\",\"high\","
            "\"medium\",\"low\",\"informational\",\"warnings\",\"status\",\"report\"\r");
  std::map<std::string, std::vector<std::string>> rows;
  while (std::getline(csv, line)) {
    auto f = csv_fields(line);
    ASSERT_EQ(f.size(), 13u) << line;
    rows[f[0]] = f;
  }
  ASSERT_EQ(rows.size(), 5u) << run.out;
  for (const char* ok : {"alice-phone", "site-b_2024_bob"}) {
    const auto& r = rows[ok];
    EXPECT_EQ(r[11], "ok") << ok;
    EXPECT_EQ(r[1], "ios-backup");
    EXPECT_NE(r[2].find("iPhone14,5"), std::string::npos) << r[2];
    EXPECT_EQ(r[3], "17.4.1");
    EXPECT_FALSE(r[4].empty());
    EXPECT_TRUE(fs::exists(out / "cases" / ok / "report.html")) << ok;
    EXPECT_TRUE(fs::exists(out / "cases" / ok / "timeline.csv")) << ok;
  }
  // The encrypted case is decrypted in memory with its password file: the MVT test backup's
  // records, so its three CRITICAL alerts with MVT's test indicators (and the warning of that
  // backup's sms.db, which has no attachment table).
  EXPECT_EQ(rows["carol-encrypted"][11].rfind("checked with 1 warning: sms_attachments: sms.db", 0),
            0u)
      << rows["carol-encrypted"][11];
  EXPECT_EQ(rows["carol-encrypted"][5], "3") << rows["carol-encrypted"][5];
  EXPECT_TRUE(fs::exists(out / "cases/carol-encrypted/report.html"));
  EXPECT_EQ(rows["erin-encrypted"][11].rfind("encrypted: wrong password in ", 0), 0u)
      << rows["erin-encrypted"][11];
  EXPECT_NE(rows["erin-encrypted"][11].find("erin-encrypted.password"), std::string::npos);
  // A torn backup is checked as far as it can be read; the summary says what could not be.
  EXPECT_EQ(rows["dave-corrupt"][11].rfind("checked with 1 warning: manifest: Manifest.db", 0), 0u)
      << rows["dave-corrupt"][11];
  std::string summary = vigil::test::read_file(out / "summary.html");
  for (const auto& [id, r] : rows) EXPECT_NE(summary.find(id), std::string::npos) << id;
  EXPECT_NE(summary.find("cases/alice-phone/report.html"), std::string::npos);
}

TEST(CheckBatchCli, EncryptedCaseWithoutPasswordNeedsOne) {
  VIGIL_REQUIRE_SHARED();
  TempDir home;
  fs::create_directories(home.path() / "cases");
  fs::copy(vigil::test::shared_dir() / "corpus/ios-encrypted-generated/mvt-ios_backup-fastkdf",
           home.path() / "cases/x", fs::copy_options::recursive);
  auto run = run_vigil("check-batch --no-bundled-iocs -o '" + (home.path() / "out").string() +
                           "' '" + (home.path() / "cases").string() + "'",
                       home.path());
  EXPECT_EQ(run.status, 3);
  EXPECT_NE(
      vigil::test::read_file(home.path() / "out/summary.csv").find("encrypted: needs password"),
      std::string::npos);
}

}  // namespace
