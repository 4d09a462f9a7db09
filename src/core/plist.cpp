#include "core/plist.hpp"

#include <cstdlib>
#include <cstring>

namespace vigil::core {

namespace {
// libplist's Mac epoch for dates: seconds since 2001-01-01 in libplist 2.2.
constexpr std::int64_t kPlistEpochOffset = kCocoaEpochOffsetSeconds;
constexpr std::size_t kMaxPlistBytes = 256u << 20;
}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

plist_type PlistRef::type() const { return node_ ? plist_get_node_type(node_) : PLIST_NONE; }

PlistRef PlistRef::operator[](std::string_view key) const {
  if (!is_dict()) return {};
  return PlistRef(plist_dict_get_item(node_, std::string(key).c_str()));
}

PlistRef PlistRef::at(std::size_t index) const {
  if (!is_array() || index >= size()) return {};
  return PlistRef(plist_array_get_item(node_, static_cast<std::uint32_t>(index)));
}

std::size_t PlistRef::size() const {
  if (is_array()) return plist_array_get_size(node_);
  if (is_dict()) return plist_dict_get_size(node_);
  return 0;
}

std::vector<std::pair<std::string, PlistRef>> PlistRef::items() const {
  std::vector<std::pair<std::string, PlistRef>> out;
  if (!is_dict()) return out;
  plist_dict_iter it = nullptr;
  plist_dict_new_iter(node_, &it);
  for (;;) {
    char* key = nullptr;
    plist_t value = nullptr;
    plist_dict_next_item(node_, it, &key, &value);
    if (value == nullptr) {
      std::free(key);
      break;
    }
    out.emplace_back(key ? key : "", PlistRef(value));
    std::free(key);
  }
  std::free(it);
  return out;
}

std::optional<std::string> PlistRef::string() const {
  if (type() != PLIST_STRING && type() != PLIST_KEY) return std::nullopt;
  std::uint64_t length = 0;
  const char* ptr = plist_get_string_ptr(node_, &length);
  if (ptr == nullptr) return std::string();
  return std::string(ptr, length);
}

std::optional<std::int64_t> PlistRef::integer() const {
  if (type() == PLIST_UINT) {
    std::uint64_t v = 0;
    plist_get_uint_val(node_, &v);
    return static_cast<std::int64_t>(v);
  }
  if (type() == PLIST_UID) {
    std::uint64_t v = 0;
    plist_get_uid_val(node_, &v);
    return static_cast<std::int64_t>(v);
  }
  return std::nullopt;
}

std::optional<double> PlistRef::real() const {
  if (type() == PLIST_REAL) {
    double v = 0;
    plist_get_real_val(node_, &v);
    return v;
  }
  if (auto i = integer()) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> PlistRef::boolean() const {
  if (type() != PLIST_BOOLEAN) return std::nullopt;
  std::uint8_t v = 0;
  plist_get_bool_val(node_, &v);
  return v != 0;
}

std::optional<std::string> PlistRef::data() const {
  if (type() != PLIST_DATA) return std::nullopt;
  std::uint64_t length = 0;
  const char* ptr = plist_get_data_ptr(node_, &length);
  if (ptr == nullptr) return std::string();
  return std::string(ptr, length);
}

std::optional<Micros> PlistRef::date() const {
  if (type() != PLIST_DATE) return std::nullopt;
  std::int32_t sec = 0, usec = 0;
  plist_get_date_val(node_, &sec, &usec);
  return (std::int64_t{sec} + kPlistEpochOffset) * 1000000 + usec;
}

Json PlistRef::to_json() const {
  switch (type()) {
    case PLIST_BOOLEAN:
      return *boolean();
    case PLIST_UINT: {
      std::uint64_t v = 0;
      plist_get_uint_val(node_, &v);
      // libplist keeps negative integers as their two's complement.
      return static_cast<std::int64_t>(v);
    }
    case PLIST_UID:
      return *integer();
    case PLIST_REAL:
      return *real();
    case PLIST_STRING:
    case PLIST_KEY:
      return *string();
    case PLIST_DATA:
      return base64_encode(*data());
    case PLIST_DATE:
      return format_iso(*date());
    case PLIST_ARRAY: {
      Json out = Json::array();
      for (std::size_t i = 0; i < size(); ++i) out.push_back(at(i).to_json());
      return out;
    }
    case PLIST_DICT: {
      Json out = Json::object();
      for (auto& [key, value] : items()) out[key] = value.to_json();
      return out;
    }
    default:
      return nullptr;
  }
}

std::optional<Plist> Plist::parse(std::string_view bytes, std::string& error) {
  if (bytes.size() > kMaxPlistBytes) {
    error = "larger than 256 MiB";
    return std::nullopt;
  }
  plist_t root = nullptr;
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), "bplist00", 8) == 0) {
    plist_from_bin(bytes.data(), static_cast<std::uint32_t>(bytes.size()), &root);
  } else {
    plist_from_xml(bytes.data(), static_cast<std::uint32_t>(bytes.size()), &root);
  }
  if (root == nullptr) {
    error = "not a property list";
    return std::nullopt;
  }
  Plist out;
  out.root_.reset(root);
  return out;
}

}  // namespace vigil::core
