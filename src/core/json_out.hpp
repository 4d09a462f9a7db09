// Compact JSON text appended to a buffer, byte for byte as nlohmann's
// `dump(-1, ' ', false, error_handler_t::replace)` writes it (UTF-8 kept, control characters
// escaped, invalid UTF-8 replaced by U+FFFD), without its per-call string and serializer: the
// writer of every record and timeline line. JsonObject streams an object without building a tree.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace vigil::core {

using Json = nlohmann::ordered_json;

/// Appends `value` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view value);
/// Appends a JSON number the way nlohmann writes a double ("1.5", "2.0", "1e+16"; null when not
/// finite).
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, std::int64_t value);
/// Appends `value` as compact JSON.
void append_json(std::string& out, const Json& value);
/// Appends a JSON array of strings.
void append_json_strings(std::string& out, std::span<const std::string> values);
/// Appends evidence text as a JSON string literal the way `Json(utf8_or_escaped(bytes))` is
/// written, without the intermediate string when the bytes are valid UTF-8 (nearly always).
void append_json_text(std::string& out, std::string_view bytes);

/// One JSON object written member by member into `out`: `{` on construction, `}` on close().
class JsonObject {
 public:
  explicit JsonObject(std::string& out) : out_(out) { out_ += '{'; }
  JsonObject& string(std::string_view key, std::string_view text) {
    append_json_string(member(key), text);
    return *this;
  }
  JsonObject& number(std::string_view key, std::int64_t n) {
    append_json_number(member(key), n);
    return *this;
  }
  JsonObject& null(std::string_view key) {
    member(key) += "null";
    return *this;
  }
  void close() { out_ += '}'; }

  /// Starts a member: appends its key, and returns the buffer the caller appends its value to.
  std::string& member(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    append_json_string(out_, key);
    out_ += ':';
    return out_;
  }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace vigil::core
