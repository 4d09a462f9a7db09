#include "core/plist.hpp"

#include <gtest/gtest.h>

#include <array>

#include "support/test_support.hpp"

namespace vigil::core {
namespace {

// A binary plist writer just big enough for the tests: objects are given as raw encodings.
std::string bplist(const std::vector<std::string>& objects, std::uint8_t top = 0) {
  std::string out = "bplist00";
  std::vector<std::size_t> offsets;
  for (const auto& o : objects) {
    offsets.push_back(out.size());
    out += o;
  }
  std::size_t table = out.size();
  for (auto off : offsets) out += static_cast<char>(off);
  std::string trailer(32, '\0');
  trailer[6] = 1;  // offset size
  trailer[7] = 1;  // ref size
  trailer[15] = static_cast<char>(objects.size());
  trailer[23] = static_cast<char>(top);
  trailer[31] = static_cast<char>(table);
  return out + trailer;
}

TEST(Plist, RealXmlAndBinaryFiles) {
  VIGIL_REQUIRE_SHARED();
  std::string error;
  auto info = Plist::parse(
      test::read_file(test::shared_dir() / "corpus/mvt-tests/ios_backup/Info.plist"), error);
  ASSERT_TRUE(info) << error;
  EXPECT_EQ(info->root()["Build Version"].string(), "18C66");
  EXPECT_EQ(format_iso(*info->root()["Last Backup Date"].date()), "2021-12-03 19:33:13.000000");
  auto prefs = Plist::parse(
      test::read_file(test::shared_dir() /
                      "corpus/mvt-tests/ios_backup/0d/0dc926a1810f7aee4e8f38793ed788701f93bf9d"),
      error);
  ASSERT_TRUE(prefs) << error;
  EXPECT_EQ(prefs->root().size(), 16u);
  EXPECT_EQ(prefs->root()["LDMGlobalEnabled"].boolean(), true);
}

TEST(Plist, BinaryKeysWithNulBytesAndUtf16) {
  // {"a\0\0b": "v", "é": 5}: libplist asserts on the first key; vigil keeps it whole.
  std::string error;
  auto p = Plist::parse(
      bplist({std::string("\xD2\x01\x02\x03\x04", 5),
              std::string("\x54"
                          "a\0\0b",
                          5),
              std::string("\x61\x00\xE9", 3), std::string("\x51v", 2), std::string("\x10\x05", 2)}),
      error);
  ASSERT_TRUE(p) << error;
  auto items = p->root().items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].first, std::string("a\0\0b", 4));
  EXPECT_EQ(items[0].second.string(), "v");
  EXPECT_EQ(items[1].first, "\xC3\xA9");
  EXPECT_EQ(items[1].second.integer(), 5);
}

TEST(Plist, HostileBinaryStructuresAreErrors) {
  std::string error;
  // A dictionary whose key is an integer.
  EXPECT_FALSE(Plist::parse(bplist({"\xD1\x01\x02", std::string("\x10\x01", 2), "\x51v"}), error));
  EXPECT_EQ(error, "binary plist: dictionary key is not a string");
  // An array that contains itself.
  EXPECT_FALSE(Plist::parse(bplist({std::string("\xA1\x00", 2)}), error));
  EXPECT_EQ(error, "binary plist: reference cycle");
  // Doubling arrays: 40 levels would expand to 2^40 nodes.
  std::vector<std::string> bomb;
  for (int i = 0; i < 40; ++i)
    bomb.push_back(std::string("\xA2", 1) + static_cast<char>(i + 1) + static_cast<char>(i + 1));
  bomb.push_back("\x09");
  EXPECT_FALSE(Plist::parse(bplist(bomb), error));
  EXPECT_EQ(error, "binary plist: expands to too many objects");
  // Lengths and offsets beyond the file.
  EXPECT_FALSE(Plist::parse(bplist({"\x5F\x13\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"}), error));
  EXPECT_FALSE(Plist::parse(std::string("bplist00") + std::string(40, '\xFF'), error));
  EXPECT_FALSE(Plist::parse("bplist00", error));
  EXPECT_FALSE(Plist::parse("<plist><dict><key>a</key>", error));
  EXPECT_FALSE(Plist::parse("", error));
}

TEST(Plist, JsonForm) {
  std::string error;
  auto p = Plist::parse(
      "<?xml version=\"1.0\"?><plist "
      "version=\"1.0\"><dict><key>d</key><date>2021-07-18T00:00:00Z</date>"
      "<key>b</key><data>AAEC</data><key>n</key><integer>-5</integer><key>a</key><array><true/"
      "><real>1.5</real></array>"
      "</dict></plist>",
      error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->root().to_json().dump(),
            R"({"d":"2021-07-18 00:00:00.000000","b":"AAEC","n":-5,"a":[true,1.5]})");
}

TEST(Plist, ArchivedScalarsReadInPlace) {
  constexpr std::string_view keys[] = {"Birth", "Mode", "Size", "RelativePath", "Missing"};
  std::array<PlistNode, std::size(keys)> values;
  std::string blob =
      test::read_file(test::source_dir() / "fuzz/corpus/plist_fields/mvt_file.mbfile");
  ASSERT_TRUE(read_archived_scalars(blob, 1, keys, values));
  EXPECT_EQ(PlistRef(&values[0]).integer(), 1610674727);
  EXPECT_EQ(PlistRef(&values[1]).integer(), 33152);  // 0o100600
  EXPECT_EQ(PlistRef(&values[2]).integer(), 92);
  EXPECT_EQ(PlistRef(&values[3]).type(), PLIST_UID);  // a reference to the path string
  EXPECT_EQ(PlistRef(&values[4]).type(), PLIST_NONE);

  // Dates, reals and UIDs as the tree reads them; strings are not scalars.
  blob = test::read_file(test::source_dir() / "fuzz/corpus/plist_fields/dates_reals_utf16.mbfile");
  constexpr std::string_view more[] = {"Birth", "LastModified", "Mode", "UserID", "Fläche"};
  std::array<PlistNode, std::size(more)> read;
  ASSERT_TRUE(read_archived_scalars(blob, 1, more, read));
  EXPECT_EQ(format_iso(*PlistRef(&read[0]).date()), "2021-07-18 12:00:00.000000");
  EXPECT_EQ(PlistRef(&read[1]).real(), 1627953807.25);
  EXPECT_EQ(PlistRef(&read[2]).integer(), 33188);
  EXPECT_EQ(PlistRef(&read[3]).type(), PLIST_NONE);
  EXPECT_EQ(PlistRef(&read[4]).integer(), 1);

  // Whatever Plist::parse rejects is rejected, even far from the object read: here a cycle.
  std::string error;
  std::string cyclic = bplist({"\xD1\x01\x02", "\x58$objects", "\xA3\x03\x04\x05", "\x50", "\xD0",
                               std::string("\xA1\x05", 2)});
  EXPECT_FALSE(Plist::parse(cyclic, error));
  EXPECT_FALSE(read_archived_scalars(cyclic, 1, keys, values));
  std::string fine = bplist({"\xD1\x01\x02", "\x58$objects", "\xA2\x03\x04", "\x50", "\xD0"});
  EXPECT_TRUE(Plist::parse(fine, error)) << error;
  EXPECT_TRUE(read_archived_scalars(fine, 1, keys, values));
  EXPECT_FALSE(read_archived_scalars(fine, 0, keys, values)) << "$objects[0] is a string";
  EXPECT_FALSE(read_archived_scalars(fine, 2, keys, values)) << "out of range";
  EXPECT_FALSE(read_archived_scalars("", 1, keys, values));
}

}  // namespace
}  // namespace vigil::core
