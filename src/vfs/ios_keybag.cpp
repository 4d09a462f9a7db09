#include "vfs/ios_keybag.hpp"

namespace vigil::vfs {

namespace {

std::uint32_t be32(std::string_view s) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

// Integers are 4-byte big-endian values; anything else is a malformed keybag.
bool integer(std::string_view value, std::string_view tag, std::uint32_t& out, std::string& error) {
  if (value.size() != 4) {
    error = "the backup keybag is malformed (" + std::string(tag) + " is " +
            std::to_string(value.size()) + " bytes, not 4)";
    return false;
  }
  out = be32(value);
  return true;
}

}  // namespace

std::optional<Keybag> Keybag::parse(std::string_view bytes, std::string& error) {
  Keybag bag;
  bool in_classes = false;
  std::size_t uuids = 0;
  for (std::size_t at = 0; at < bytes.size();) {
    if (bytes.size() - at < 8) {
      error = "the backup keybag is truncated (a record header at byte " + std::to_string(at) +
              " is cut off)";
      return std::nullopt;
    }
    std::string_view tag = bytes.substr(at, 4);
    std::uint32_t length = be32(bytes.substr(at + 4, 4));
    if (length > bytes.size() - at - 8) {
      error = "the backup keybag is truncated (" + std::string(tag) + " at byte " +
              std::to_string(at) + " claims " + std::to_string(length) + " bytes, " +
              std::to_string(bytes.size() - at - 8) + " are left)";
      return std::nullopt;
    }
    std::string_view value = bytes.substr(at + 8, length);
    at += 8 + std::size_t{length};
    std::uint32_t n = 0;
    if (tag == "UUID") {
      // The first UUID is the keybag's own; each later one opens a class-key record.
      if (++uuids >= 2) {
        in_classes = true;
        bag.classes.emplace_back();
      }
      continue;
    }
    if (in_classes) {
      KeybagClass& c = bag.classes.back();
      if (tag == "CLAS") {
        if (!integer(value, tag, c.protection_class, error)) return std::nullopt;
      } else if (tag == "WRAP") {
        if (!integer(value, tag, c.wrap, error)) return std::nullopt;
      } else if (tag == "WPKY") {
        c.wrapped_key.assign(value);
      }
      continue;
    }
    if (tag == "VERS") {
      if (!integer(value, tag, bag.version, error)) return std::nullopt;
    } else if (tag == "TYPE") {
      if (!integer(value, tag, bag.type, error)) return std::nullopt;
    } else if (tag == "SALT") {
      bag.salt.assign(value);
    } else if (tag == "ITER") {
      if (!integer(value, tag, n, error)) return std::nullopt;
      bag.iterations = n;
    } else if (tag == "DPSL") {
      bag.dp_salt.assign(value);
    } else if (tag == "DPIC") {
      if (!integer(value, tag, n, error)) return std::nullopt;
      bag.dp_iterations = n;
    }
  }
  if (bag.salt.empty() || bag.iterations == 0) {
    error = "the backup keybag has no SALT/ITER (truncated or not a backup keybag)";
    return std::nullopt;
  }
  if (bag.dp_iterations != 0 && bag.dp_salt.empty()) {
    error = "the backup keybag has DPIC but no DPSL";
    return std::nullopt;
  }
  if (bag.classes.empty()) {
    error = "the backup keybag holds no class keys (truncated?)";
    return std::nullopt;
  }
  return bag;
}

}  // namespace vigil::vfs
