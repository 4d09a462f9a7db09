// Property lists. Binary plists are parsed by vigil's own bounded parser (libplist trusts their
// structure: a dictionary key that is not a string, or a key holding a NUL byte, aborts the
// process, and shared sub-objects expand exponentially); XML plists go through libplist. Both
// become one immutable tree, navigated through PlistRef and converted to JSON for records.
#pragma once

#include <plist/plist.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace vigil::core {

using Json = nlohmann::ordered_json;

/// One value of a property list. `type` uses libplist's constants (PLIST_DICT, PLIST_STRING…).
struct PlistNode {
  plist_type type = PLIST_NONE;
  std::string bytes;         ///< string (UTF-8) or data
  std::int64_t integer = 0;  ///< integer or UID
  double real = 0;           ///< real, or a date's seconds since 2001
  bool boolean = false;
  std::vector<std::string> keys;    ///< dictionary keys, in file order (may hold NUL bytes)
  std::vector<PlistNode> children;  ///< array items or dictionary values
};

/// A non-owning view of one plist node (or of nothing: every accessor of a null view is empty).
class PlistRef {
 public:
  PlistRef() = default;
  explicit PlistRef(const PlistNode* node) : node_(node) {}

  [[nodiscard]] bool valid() const { return node_ != nullptr; }
  [[nodiscard]] plist_type type() const { return node_ ? node_->type : PLIST_NONE; }
  [[nodiscard]] bool is_dict() const { return type() == PLIST_DICT; }
  [[nodiscard]] bool is_array() const { return type() == PLIST_ARRAY; }

  /// Dictionary member (null view when absent or not a dictionary).
  [[nodiscard]] PlistRef operator[](std::string_view key) const;
  /// Array element (null view when out of range or not an array).
  [[nodiscard]] PlistRef at(std::size_t index) const;
  [[nodiscard]] std::size_t size() const;  ///< array length or dictionary member count
  /// Dictionary members in file order.
  [[nodiscard]] std::vector<std::pair<std::string, PlistRef>> items() const;

  [[nodiscard]] std::optional<std::string> string() const;
  [[nodiscard]] std::optional<std::int64_t> integer() const;  ///< also from a UID
  [[nodiscard]] std::optional<double> real() const;           ///< also from an integer
  [[nodiscard]] std::optional<bool> boolean() const;
  [[nodiscard]] std::optional<std::string> data() const;
  [[nodiscard]] std::optional<Micros> date() const;

  /// JSON form: dates as "YYYY-MM-DD HH:MM:SS.ffffff", data as base64, UIDs as integers.
  [[nodiscard]] Json to_json() const;
  [[nodiscard]] const PlistNode* node() const { return node_; }

 private:
  const PlistNode* node_ = nullptr;
};

/// An owned, parsed property list.
class Plist {
 public:
  /// Parses XML or binary; nullopt with `error` when it is neither, or is malformed.
  static std::optional<Plist> parse(std::string_view bytes, std::string& error);
  [[nodiscard]] PlistRef root() const { return PlistRef(root_.get()); }

 private:
  std::shared_ptr<const PlistNode> root_;
};

/// Reads members of the dictionary `$objects[index]` of an NSKeyedArchiver plist without building
/// its tree when it is binary (Manifest.db holds one such MBFile blob per file of the backup).
/// False exactly when Plist::parse fails or that object is not a dictionary; otherwise `values[i]`
/// is the first member named `keys[i]` when that is an integer, UID, real or date (else it stays
/// PLIST_NONE). Read them through PlistRef.
bool read_archived_scalars(std::string_view bytes, std::size_t index,
                           std::span<const std::string_view> keys, std::span<PlistNode> values);

std::string base64_encode(std::string_view bytes);
/// Appends base64_encode(bytes) to `out`.
void append_base64(std::string& out, std::string_view bytes);

}  // namespace vigil::core
