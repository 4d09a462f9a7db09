// Differential fuzzing of the in-place reader of NSKeyedArchiver fields (Manifest.db's MBFile
// blobs, read once per file of a backup) against the tree parser it stands in for: both must
// accept and reject the same inputs and read the same values. Aborts on any disagreement.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/plist.hpp"

namespace {

using vigil::core::PlistNode;
using vigil::core::PlistRef;

// The MBFile members Manifest reads, a non-ASCII key and one no archive has.
constexpr std::string_view kKeys[] = {
    "Birth", "LastModified", "LastStatusChange", "Mode", "UserID", "Size", "Fläche", "", "$class"};

bool same_scalar(const PlistNode& fast, PlistRef tree) {
  const PlistNode* n = tree.node();
  bool scalar = n != nullptr && (n->type == PLIST_UINT || n->type == PLIST_UID ||
                                 n->type == PLIST_REAL || n->type == PLIST_DATE);
  if (!scalar) return fast.type == PLIST_NONE;
  return fast.type == n->type && fast.integer == n->integer &&
         std::memcmp(&fast.real, &n->real, sizeof fast.real) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::array<PlistNode, std::size(kKeys)> values;
  const bool read = vigil::core::read_archived_scalars(bytes, 1, kKeys, values);
  std::string error;
  auto plist = vigil::core::Plist::parse(bytes, error);
  PlistRef object = plist ? plist->root()["$objects"].at(1) : PlistRef();
  if (read != object.is_dict()) std::abort();
  for (std::size_t i = 0; read && i < std::size(kKeys); ++i)
    if (!same_scalar(values[i], object[kKeys[i]])) std::abort();
  return 0;
}
