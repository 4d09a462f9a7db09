#include "core/hash.hpp"

#include <gtest/gtest.h>

#include "support/test_support.hpp"

namespace vigil::core {
namespace {

TEST(Hash, Sha256OfBytes) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Sha256OfFileMatchesTheCorpusFigures) {
  VIGIL_REQUIRE_SHARED();
  // MVT's test_utils::hashes figure for the AndroidQF backup.
  EXPECT_EQ(sha256_file_hex(test::shared_dir() / "corpus/mvt-tests/androidqf/backup.ab"),
            "f0e32fe8a7fd5ac0e2de19636d123c0072e979396986139ba2bc49ec385dc325");
  EXPECT_FALSE(sha256_file_hex(test::shared_dir() / "no-such-file"));
}

}  // namespace
}  // namespace vigil::core
