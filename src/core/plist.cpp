#include "core/plist.hpp"

#include <array>
#include <cstdlib>
#include <cstring>

#include "core/text.hpp"

namespace vigil::core {

namespace {

constexpr std::size_t kMaxPlistBytes = 256u << 20;
constexpr int kMaxDepth = 256;
constexpr std::uint64_t kMaxNodes = 500'000;  // real plists hold tens of thousands

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_binary(std::string_view bytes) {
  return bytes.size() >= 8 && std::memcmp(bytes.data(), "bplist00", 8) == 0;
}

// The bplist00 format: objects, an offset table and a 32-byte trailer. Every read is bounded;
// depth, total nodes (shared objects are copied) and reference cycles are limited.
class BinaryPlistParser {
 public:
  explicit BinaryPlistParser(std::string_view b) : b_(b) {}

  /// Parses the whole tree into `root`, or only checks it when `root` is null (no allocation:
  /// the same checks, the same verdict).
  bool parse(PlistNode* root, std::string& error) {
    if (b_.size() < 8 + 32) return fail(error, "binary plist too short");
    std::string_view trailer = b_.substr(b_.size() - 32);
    offset_size_ = static_cast<unsigned char>(trailer[6]);
    ref_size_ = static_cast<unsigned char>(trailer[7]);
    objects_ = be(trailer.substr(8, 8));
    top_ = be(trailer.substr(16, 8));
    table_ = be(trailer.substr(24, 8));
    std::uint64_t end = b_.size() - 32;
    if (offset_size_ < 1 || offset_size_ > 8 || ref_size_ < 1 || ref_size_ > 8)
      return fail(error, "binary plist: bad trailer sizes");
    if (objects_ == 0 || table_ < 8 || table_ > end || objects_ > (end - table_) / offset_size_)
      return fail(error, "binary plist: bad offset table");
    if (top_ >= objects_) return fail(error, "binary plist: bad top object");
    on_path_.assign(objects_, false);
    if (!object(top_, 0, root)) return fail(error, problem_);
    return true;
  }

  // In-place navigation, once parse() has succeeded: object indexes, nullopt when absent.
  [[nodiscard]] std::uint64_t top() const { return top_; }

  /// The values of the first members named `keys[i]` of a dictionary, into `values[i]` (left
  /// empty when absent); false when the object is not a dictionary.
  bool members(std::uint64_t dict, std::span<const std::string_view> keys,
               std::span<std::optional<std::uint64_t>> values) {
    std::uint64_t pos = 0, count = 0;
    if (!container(dict, 0xD, pos, count)) return false;
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t key_pos = offset(ref(pos, i));
      auto marker = static_cast<unsigned char>(b_[key_pos]);
      std::uint64_t start = key_pos + 1, len = 0;
      length(marker & 0xF, start, len);
      // An ASCII-typed key of ASCII bytes reads as itself; any other is decoded.
      std::string_view text = (marker >> 4) == 0x5 ? b_.substr(start, len) : std::string_view();
      if ((marker >> 4) != 0x5 || !is_all_ascii(text)) {
        scratch_.clear();
        string_object(marker >> 4, marker & 0xF, key_pos + 1, &scratch_);
        text = scratch_;
      }
      for (std::size_t k = 0; k < keys.size() && k < values.size(); ++k)
        if (!values[k] && text == keys[k]) values[k] = ref(pos, count + i);
    }
    return true;
  }

  /// Element `i` of an array (or set: read as an array).
  std::optional<std::uint64_t> element(std::uint64_t array, std::uint64_t i) {
    std::uint64_t pos = 0, count = 0;
    if ((!container(array, 0xA, pos, count) && !container(array, 0xC, pos, count)) || i >= count)
      return std::nullopt;
    return ref(pos, i);
  }

  /// Reads an integer, UID, real or date object; false for any other type.
  bool scalar(std::uint64_t index, PlistNode& out) {
    unsigned type = static_cast<unsigned char>(b_[offset(index)]) >> 4;
    if (type != 0x1 && type != 0x2 && type != 0x3 && type != 0x8) return false;
    nodes_ = 0;
    return object(index, 0, &out);
  }

 private:
  static std::uint64_t be(std::string_view s) {
    // Offsets, references and lengths are 1, 2, 4 or 8 bytes: one load each.
    switch (s.size()) {
      case 1:
        return static_cast<unsigned char>(s[0]);
      case 2: {
        std::uint16_t v = 0;
        std::memcpy(&v, s.data(), 2);
        return __builtin_bswap16(v);
      }
      case 4: {
        std::uint32_t v = 0;
        std::memcpy(&v, s.data(), 4);
        return __builtin_bswap32(v);
      }
      case 8: {
        std::uint64_t v = 0;
        std::memcpy(&v, s.data(), 8);
        return __builtin_bswap64(v);
      }
      default: {
        std::uint64_t v = 0;
        for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
        return v;
      }
    }
  }

  static bool fail(std::string& error, std::string message) {
    error = std::move(message);
    return false;
  }

  [[nodiscard]] std::uint64_t offset(std::uint64_t index) const {
    return be(b_.substr(table_ + index * offset_size_, offset_size_));
  }
  [[nodiscard]] std::uint64_t ref(std::uint64_t pos, std::uint64_t i) const {
    return be(b_.substr(pos + i * ref_size_, ref_size_));
  }
  // Where the references of a (checked) container of this type start, and how many it holds.
  bool container(std::uint64_t index, unsigned type, std::uint64_t& pos, std::uint64_t& count) {
    pos = offset(index);
    auto marker = static_cast<unsigned char>(b_[pos++]);
    return (marker >> 4) == type && length(marker & 0xF, pos, count);
  }

  bool bad(const char* why) {
    if (problem_.empty()) problem_ = std::string("binary plist: ") + why;
    return false;
  }

  // Whether n bytes are readable at pos (object data lies before the offset table).
  [[nodiscard]] bool fits(std::uint64_t pos, std::uint64_t n) const {
    return pos <= table_ && n <= table_ - pos;
  }

  bool length(unsigned low, std::uint64_t& pos, std::uint64_t& len) {
    if (low != 0xF) {
      len = low;
      return true;
    }
    if (!fits(pos, 1)) return bad("bad length");
    auto marker = static_cast<unsigned char>(b_[pos]);
    if ((marker >> 4) != 0x1 || (marker & 0xF) > 3) return bad("bad length");
    std::uint64_t bytes = std::uint64_t{1} << (marker & 0xF);
    if (!fits(pos + 1, bytes)) return bad("bad length");
    len = be(b_.substr(pos + 1, bytes));
    pos += 1 + bytes;
    return true;
  }

  // Checks a string object, and decodes it into `out` unless that is null.
  bool string_object(unsigned type, unsigned low, std::uint64_t pos, std::string* out) {
    std::uint64_t len = 0;
    if (!length(low, pos, len)) return false;
    if (type == 0x5) {  // ASCII (bytes above 0x7F read as Latin-1)
      if (!fits(pos, len)) return bad("string out of range");
      if (out != nullptr)
        for (char c : b_.substr(pos, len)) append_utf8(*out, static_cast<unsigned char>(c));
      return true;
    }
    if (len > table_ / 2 || !fits(pos, len * 2)) return bad("string out of range");
    if (out == nullptr) return true;
    for (std::uint64_t i = 0; i < len; ++i) {
      auto unit = static_cast<std::uint32_t>(be(b_.substr(pos + 2 * i, 2)));
      if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < len) {
        auto next = static_cast<std::uint32_t>(be(b_.substr(pos + 2 * (i + 1), 2)));
        if (next >= 0xDC00 && next <= 0xDFFF) {
          append_utf8(*out, 0x10000 + ((unit - 0xD800) << 10) + (next - 0xDC00));
          ++i;
          continue;
        }
      }
      append_utf8(*out, (unit >= 0xD800 && unit <= 0xDFFF) ? 0xFFFD : unit);
    }
    return true;
  }

  // Parses one object into `node`, or only checks it (and everything under it) when null.
  bool object(std::uint64_t index, int depth, PlistNode* node) {
    if (depth > kMaxDepth) return bad("nesting too deep");
    if (++nodes_ > kMaxNodes) return bad("expands to too many objects");
    std::uint64_t pos = offset(index);
    if (pos < 8 || pos >= table_) return bad("object offset out of range");
    auto marker = static_cast<unsigned char>(b_[pos++]);
    unsigned type = marker >> 4, low = marker & 0xF;
    PlistNode& n = node != nullptr ? *node : scratch_node_;  // only checking: a throwaway
    switch (type) {
      case 0x0:
        if (low == 8 || low == 9) {
          n.type = PLIST_BOOLEAN;
          n.boolean = low == 9;
          return true;
        }
        if (low == 0 || low == 0xF) return true;  // null / fill
        return bad("bad marker");
      case 0x1: {
        if (low > 4 || !fits(pos, std::uint64_t{1} << low)) return bad("bad integer");
        std::uint64_t bytes = std::uint64_t{1} << low;
        // 16-byte integers keep their low 64 bits; 8-byte ones are signed.
        n.type = PLIST_UINT;
        n.integer = static_cast<std::int64_t>(
            be(b_.substr(pos + (bytes > 8 ? bytes - 8 : 0), bytes > 8 ? 8 : bytes)));
        return true;
      }
      case 0x2:
      case 0x3: {
        if (!((type == 0x2 && (low == 2 || low == 3)) || (type == 0x3 && low == 3)) ||
            !fits(pos, std::uint64_t{1} << low))
          return bad("bad real");
        std::uint64_t raw = be(b_.substr(pos, std::size_t{1} << low));
        double value = 0;
        if (low == 2) {
          auto bits = static_cast<std::uint32_t>(raw);
          float f = 0;
          std::memcpy(&f, &bits, 4);
          value = f;
        } else {
          std::memcpy(&value, &raw, 8);
        }
        n.type = type == 0x2 ? PLIST_REAL : PLIST_DATE;
        n.real = value;
        return true;
      }
      case 0x4: {
        std::uint64_t len = 0;
        if (!length(low, pos, len)) return false;
        if (!fits(pos, len)) return bad("data out of range");
        n.type = PLIST_DATA;
        if (node != nullptr) node->bytes.assign(b_.substr(pos, len));
        return true;
      }
      case 0x5:
      case 0x6:
        n.type = PLIST_STRING;
        return string_object(type, low, pos, node != nullptr ? &node->bytes : nullptr);
      case 0x8:
        if (!fits(pos, low + 1)) return bad("bad UID");
        n.type = PLIST_UID;
        n.integer = static_cast<std::int64_t>(be(b_.substr(pos, low + 1)));
        return true;
      case 0xA:
      case 0xC:
      case 0xD: {
        std::uint64_t count = 0;
        if (!length(low, pos, count)) return false;
        std::uint64_t refs = type == 0xD ? 2 : 1;
        if (count > table_ / ref_size_ / refs || !fits(pos, count * refs * ref_size_))
          return bad("container out of range");
        std::uint64_t slot = index;
        if (on_path_[slot]) return bad("reference cycle");
        on_path_[slot] = true;
        n.type = type == 0xD ? PLIST_DICT : PLIST_ARRAY;
        for (std::uint64_t i = 0; i < count; ++i) {
          std::uint64_t value_ref = ref(pos, type == 0xD ? count + i : i);
          if (value_ref >= objects_) return bad("bad object reference");
          if (type == 0xD) {
            std::uint64_t key_ref = ref(pos, i);
            if (key_ref >= objects_) return bad("bad object reference");
            std::uint64_t key_pos = offset(key_ref);
            if (key_pos < 8 || key_pos >= table_) return bad("object offset out of range");
            auto key_marker = static_cast<unsigned char>(b_[key_pos]);
            unsigned key_type = key_marker >> 4;
            if (key_type != 0x5 && key_type != 0x6) return bad("dictionary key is not a string");
            std::string* key = nullptr;
            if (node != nullptr) key = &node->keys.emplace_back();
            if (!string_object(key_type, key_marker & 0xF, key_pos + 1, key)) return false;
          }
          PlistNode* child = node != nullptr ? &node->children.emplace_back() : nullptr;
          if (!object(value_ref, depth + 1, child)) return false;
        }
        on_path_[slot] = false;
        return true;
      }
      default:
        return bad("unknown object type");
    }
  }

  std::string_view b_;
  unsigned offset_size_ = 0, ref_size_ = 0;
  std::uint64_t objects_ = 0, top_ = 0, table_ = 0, nodes_ = 0;
  std::vector<bool> on_path_;
  std::string problem_;
  std::string scratch_;
  PlistNode scratch_node_;
};

// XML plists: libplist parses them (it refuses NUL characters), then they are copied into the
// same tree as binary ones.
PlistNode from_libplist(plist_t p, int depth) {
  PlistNode node;
  if (p == nullptr || depth > kMaxDepth) return node;
  node.type = plist_get_node_type(p);
  switch (node.type) {
    case PLIST_BOOLEAN: {
      std::uint8_t v = 0;
      plist_get_bool_val(p, &v);
      node.boolean = v != 0;
      break;
    }
    case PLIST_UINT: {
      std::uint64_t v = 0;
      plist_get_uint_val(p, &v);
      node.integer = static_cast<std::int64_t>(v);
      break;
    }
    case PLIST_UID: {
      std::uint64_t v = 0;
      plist_get_uid_val(p, &v);
      node.integer = static_cast<std::int64_t>(v);
      break;
    }
    case PLIST_REAL:
      plist_get_real_val(p, &node.real);
      break;
    case PLIST_DATE: {
      std::int32_t sec = 0, usec = 0;
      plist_get_date_val(p, &sec, &usec);
      node.real = static_cast<double>(sec) + static_cast<double>(usec) / 1e6;
      break;
    }
    case PLIST_STRING:
    case PLIST_KEY: {
      std::uint64_t length = 0;
      const char* ptr = plist_get_string_ptr(p, &length);
      if (ptr != nullptr) node.bytes.assign(ptr, length);
      node.type = PLIST_STRING;
      break;
    }
    case PLIST_DATA: {
      std::uint64_t length = 0;
      const char* ptr = plist_get_data_ptr(p, &length);
      if (ptr != nullptr) node.bytes.assign(ptr, length);
      break;
    }
    case PLIST_ARRAY:
      for (std::uint32_t i = 0; i < plist_array_get_size(p); ++i)
        node.children.push_back(from_libplist(plist_array_get_item(p, i), depth + 1));
      break;
    case PLIST_DICT: {
      plist_dict_iter it = nullptr;
      plist_dict_new_iter(p, &it);
      for (;;) {
        char* key = nullptr;
        plist_t value = nullptr;
        plist_dict_next_item(p, it, &key, &value);
        if (value == nullptr) {
          std::free(key);
          break;
        }
        node.keys.emplace_back(key ? key : "");
        node.children.push_back(from_libplist(value, depth + 1));
        std::free(key);
      }
      std::free(it);
      break;
    }
    default:
      node.type = PLIST_NONE;
      break;
  }
  return node;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  append_base64(out, bytes);
  return out;
}

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    const char quad[] = {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63],
                         kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
    out.append(quad, 4);
  }
  if (std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t v = byte(i) << 16;
    if (rest == 2) v |= byte(i + 1) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
}

PlistRef PlistRef::operator[](std::string_view key) const {
  if (!is_dict()) return {};
  for (std::size_t i = 0; i < node_->keys.size(); ++i)
    if (node_->keys[i] == key) return PlistRef(&node_->children[i]);
  return {};
}

PlistRef PlistRef::at(std::size_t index) const {
  if (!is_array() || index >= node_->children.size()) return {};
  return PlistRef(&node_->children[index]);
}

std::size_t PlistRef::size() const {
  return (is_array() || is_dict()) ? node_->children.size() : 0;
}

std::vector<std::pair<std::string, PlistRef>> PlistRef::items() const {
  std::vector<std::pair<std::string, PlistRef>> out;
  if (!is_dict()) return out;
  for (std::size_t i = 0; i < node_->keys.size(); ++i)
    out.emplace_back(node_->keys[i], PlistRef(&node_->children[i]));
  return out;
}

std::optional<std::string> PlistRef::string() const {
  if (type() != PLIST_STRING) return std::nullopt;
  return node_->bytes;
}

std::optional<std::int64_t> PlistRef::integer() const {
  if (type() != PLIST_UINT && type() != PLIST_UID) return std::nullopt;
  return node_->integer;
}

std::optional<double> PlistRef::real() const {
  if (type() == PLIST_REAL) return node_->real;
  if (auto i = integer()) return static_cast<double>(*i);
  return std::nullopt;
}

std::optional<bool> PlistRef::boolean() const {
  if (type() != PLIST_BOOLEAN) return std::nullopt;
  return node_->boolean;
}

std::optional<std::string> PlistRef::data() const {
  if (type() != PLIST_DATA) return std::nullopt;
  return node_->bytes;
}

std::optional<Micros> PlistRef::date() const {
  if (type() != PLIST_DATE) return std::nullopt;
  auto t = from_unix_seconds(node_->real + static_cast<double>(kCocoaEpochOffsetSeconds));
  return t;
}

Json PlistRef::to_json() const {
  switch (type()) {
    case PLIST_BOOLEAN:
      return node_->boolean;
    case PLIST_UINT:
    case PLIST_UID:
      return node_->integer;
    case PLIST_REAL:
      return node_->real;
    case PLIST_STRING:
      return utf8_or_escaped(node_->bytes);
    case PLIST_DATA:
      return base64_encode(node_->bytes);
    case PLIST_DATE: {
      auto t = date();
      return t ? Json(format_iso(*t)) : Json(nullptr);
    }
    case PLIST_ARRAY: {
      Json out = Json::array();
      for (const auto& child : node_->children) out.push_back(PlistRef(&child).to_json());
      return out;
    }
    case PLIST_DICT: {
      Json out = Json::object();
      for (std::size_t i = 0; i < node_->keys.size(); ++i)
        out[utf8_or_escaped(node_->keys[i])] = PlistRef(&node_->children[i]).to_json();
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
  Plist out;
  if (is_binary(bytes)) {
    auto root = std::make_shared<PlistNode>();
    if (!BinaryPlistParser(bytes).parse(root.get(), error)) return std::nullopt;
    out.root_ = std::move(root);
    return out;
  }
  plist_t root = nullptr;
  plist_from_xml(bytes.data(), static_cast<std::uint32_t>(bytes.size()), &root);
  if (root == nullptr) {
    error = "not a property list";
    return std::nullopt;
  }
  out.root_ = std::make_shared<const PlistNode>(from_libplist(root, 0));
  plist_free(root);
  return out;
}

bool read_archived_scalars(std::string_view bytes, std::size_t index,
                           std::span<const std::string_view> keys, std::span<PlistNode> values) {
  for (auto& v : values) v = PlistNode{};
  auto take = [](PlistRef v) {
    const PlistNode* n = v.node();
    bool scalar = n != nullptr && (n->type == PLIST_UINT || n->type == PLIST_UID ||
                                   n->type == PLIST_REAL || n->type == PLIST_DATE);
    return scalar ? *n : PlistNode{};
  };
  std::string error;
  if (bytes.size() > kMaxPlistBytes || !is_binary(bytes)) {
    auto plist = Plist::parse(bytes, error);
    if (!plist) return false;
    PlistRef object = plist->root()["$objects"].at(index);
    if (!object.is_dict()) return false;
    for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i)
      values[i] = take(object[keys[i]]);
    return true;
  }
  BinaryPlistParser parser(bytes);
  if (!parser.parse(nullptr, error)) return false;
  constexpr std::string_view kObjects[] = {"$objects"};
  std::optional<std::uint64_t> objects;
  parser.members(parser.top(), kObjects, {&objects, 1});
  auto object = objects ? parser.element(*objects, index) : std::nullopt;
  std::array<std::optional<std::uint64_t>, 16> few;
  std::vector<std::optional<std::uint64_t>> many;
  if (keys.size() > few.size()) many.resize(keys.size());
  std::span<std::optional<std::uint64_t>> found =
      many.empty() ? std::span(few).first(keys.size()) : std::span(many);
  if (!object || !parser.members(*object, keys, found)) return false;
  for (std::size_t i = 0; i < keys.size() && i < values.size(); ++i)
    if (found[i]) parser.scalar(*found[i], values[i]);
  return true;
}

}  // namespace vigil::core
