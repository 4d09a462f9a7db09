#include "modules/ios/system_util.hpp"

#include <charconv>
#include <cmath>

namespace vigil::modules::ios::sys {

std::string py_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Python switches to exponent notation at 1e16 and below 1e-4; integral values get ".0".
  double magnitude = std::fabs(value);
  char buf[64];
  if (magnitude >= 1e16 || (magnitude != 0 && magnitude < 1e-4)) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    if (ec != std::errc{}) return "nan";
    // Like Python, at least two exponent digits: "1e+16", "1.5e-05".
    std::string text(buf, end);
    return text;
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (ec != std::errc{}) return "nan";
  std::string text(buf, end);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

std::string py_str(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "None";
    case Json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case Json::value_t::number_float:
      return py_float(value.get<double>());
    case Json::value_t::string:
      return value.get<std::string>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return value.dump();
    default:
      return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
}

std::string json_string(const Json& object, std::string_view key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::string py_get(const Json& object, std::string_view key, std::string_view fallback) {
  if (!object.is_object()) return std::string(fallback);
  auto it = object.find(key);
  if (it == object.end()) return std::string(fallback);
  return py_str(*it);
}

std::string column_or_null(const core::Database& db, std::string_view table,
                           std::string_view column, std::string_view qualifier) {
  if (!db.has_column(table, column)) return "NULL";
  return std::string(qualifier) + "." + std::string(column);
}

std::optional<Micros> plist_cocoa_time(core::PlistRef value) {
  if (auto d = value.date()) return d;
  if (value.type() == PLIST_REAL) return core::from_cocoa(*value.real());
  if (auto i = value.integer()) return core::from_cocoa_integer(*i);
  return std::nullopt;
}

namespace {

// A minimal, bounds-checked reader of the binary plist object table (bplist00): enough to list
// dictionary keys byte-exactly.
class BplistReader {
 public:
  explicit BplistReader(std::string_view bytes) : b_(bytes) {}

  bool init() {
    if (b_.size() < 8 + 32 || b_.substr(0, 8) != "bplist00") return false;
    std::string_view trailer = b_.substr(b_.size() - 32);
    offset_size_ = static_cast<unsigned char>(trailer[6]);
    ref_size_ = static_cast<unsigned char>(trailer[7]);
    objects_ = be(trailer.substr(8, 8));
    top_ = be(trailer.substr(16, 8));
    table_ = be(trailer.substr(24, 8));
    if (offset_size_ < 1 || offset_size_ > 8 || ref_size_ < 1 || ref_size_ > 8) return false;
    if (objects_ == 0 || top_ >= objects_ || table_ < 8 || table_ >= b_.size() - 32) return false;
    // The offset table must fit before the trailer.
    if (objects_ > (b_.size() - 32 - table_) / offset_size_) return false;
    return true;
  }
  [[nodiscard]] std::uint64_t top() const { return top_; }

  /// The dictionary's key and value references; nullopt when the object is not a dictionary.
  std::optional<std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>> dict(
      std::uint64_t ref) const {
    std::size_t pos = 0;
    std::uint64_t count = 0;
    if (!header(ref, 0xD, pos, count)) return std::nullopt;
    if (count > (b_.size() - pos) / (2 * ref_size_)) return std::nullopt;
    std::vector<std::uint64_t> keys(count), values(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      keys[i] = be(b_.substr(pos + i * ref_size_, ref_size_));
      values[i] = be(b_.substr(pos + (count + i) * ref_size_, ref_size_));
      if (keys[i] >= objects_ || values[i] >= objects_) return std::nullopt;
    }
    return std::make_pair(std::move(keys), std::move(values));
  }

  /// A string object (ASCII or UTF-16BE) as UTF-8 bytes, NULs kept.
  std::optional<std::string> string(std::uint64_t ref) const {
    std::size_t pos = 0;
    std::uint64_t count = 0;
    if (header(ref, 0x5, pos, count)) {
      if (count > b_.size() - pos) return std::nullopt;
      return std::string(b_.substr(pos, count));
    }
    if (!header(ref, 0x6, pos, count) || count > (b_.size() - pos) / 2) return std::nullopt;
    std::string out;
    for (std::uint64_t i = 0; i < count; ++i) {
      auto unit = [&](std::uint64_t k) {
        return static_cast<std::uint32_t>(be(b_.substr(pos + 2 * k, 2)));
      };
      std::uint32_t c = unit(i);
      if (c >= 0xD800 && c < 0xDC00 && i + 1 < count) {
        std::uint32_t low = unit(i + 1);
        if (low >= 0xDC00 && low < 0xE000) {
          c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
          ++i;
        }
      }
      append_utf8(out, c);
    }
    return out;
  }

 private:
  static std::uint64_t be(std::string_view bytes) {
    std::uint64_t v = 0;
    for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  }
  static void append_utf8(std::string& out, std::uint32_t c) {
    auto put = [&](std::uint32_t v) { out += static_cast<char>(static_cast<unsigned char>(v)); };
    if (c < 0x80) {
      put(c);
    } else if (c < 0x800) {
      put(0xC0 | (c >> 6));
      put(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      put(0xE0 | (c >> 12));
      put(0x80 | ((c >> 6) & 0x3F));
      put(0x80 | (c & 0x3F));
    } else {
      put(0xF0 | (c >> 18));
      put(0x80 | ((c >> 12) & 0x3F));
      put(0x80 | ((c >> 6) & 0x3F));
      put(0x80 | (c & 0x3F));
    }
  }
  // Object `ref` of type `type`: its payload position and element count.
  bool header(std::uint64_t ref, unsigned type, std::size_t& pos, std::uint64_t& count) const {
    if (ref >= objects_) return false;
    std::uint64_t offset = be(b_.substr(table_ + ref * offset_size_, offset_size_));
    if (offset < 8 || offset >= table_) return false;
    auto marker = static_cast<unsigned char>(b_[offset]);
    if ((marker >> 4) != type) return false;
    pos = offset + 1;
    count = marker & 0xFu;
    if (count == 0xF) {  // the count follows as an integer object
      if (pos >= table_) return false;
      auto int_marker = static_cast<unsigned char>(b_[pos]);
      if ((int_marker >> 4) != 0x1 || (int_marker & 0xFu) > 3) return false;
      std::size_t width = std::size_t{1} << (int_marker & 0xFu);
      if (pos + 1 + width > table_) return false;
      count = be(b_.substr(pos + 1, width));
      pos += 1 + width;
    }
    return pos <= table_;
  }

  std::string_view b_;
  std::size_t offset_size_ = 0, ref_size_ = 0;
  std::uint64_t objects_ = 0, top_ = 0, table_ = 0;
};

}  // namespace

std::optional<std::vector<PlistKeys>> binary_plist_keys(std::string_view bytes) {
  BplistReader reader(bytes);
  if (!reader.init()) return std::nullopt;
  auto root = reader.dict(reader.top());
  if (!root) return std::nullopt;
  std::vector<PlistKeys> out;
  out.reserve(root->first.size());
  for (std::size_t i = 0; i < root->first.size(); ++i) {
    auto key = reader.string(root->first[i]);
    if (!key) return std::nullopt;
    PlistKeys entry{std::move(*key), std::nullopt};
    if (auto child = reader.dict(root->second[i])) {
      entry.children.emplace();
      entry.children->reserve(child->first.size());
      for (std::uint64_t ref : child->first) {
        auto child_key = reader.string(ref);
        if (!child_key) return std::nullopt;
        entry.children->push_back(std::move(*child_key));
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace vigil::modules::ios::sys
