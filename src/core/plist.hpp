// Property lists (XML and binary) through libplist, with a small read-only view for navigating
// them and a conversion to JSON for module records (dates as ISO text, data as base64).
#pragma once

#include <plist/plist.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace vigil::core {

using Json = nlohmann::ordered_json;

/// A non-owning view of one plist node (or of nothing: every accessor of a null view is empty).
class PlistRef {
 public:
  PlistRef() = default;
  explicit PlistRef(plist_t node) : node_(node) {}

  [[nodiscard]] bool valid() const { return node_ != nullptr; }
  [[nodiscard]] plist_type type() const;
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
  [[nodiscard]] plist_t raw() const { return node_; }

 private:
  plist_t node_ = nullptr;
};

/// An owned, parsed property list.
class Plist {
 public:
  /// Parses XML or binary; nullopt with `error` when it is neither.
  static std::optional<Plist> parse(std::string_view bytes, std::string& error);
  [[nodiscard]] PlistRef root() const { return PlistRef(root_.get()); }

 private:
  struct Free {
    void operator()(plist_t p) const { plist_free(p); }
  };
  std::unique_ptr<void, Free> root_;
};

std::string base64_encode(std::string_view bytes);

}  // namespace vigil::core
