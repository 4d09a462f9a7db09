// An immutable open-addressing hash index from string keys to small integer ids, built once after
// loading. The matchers probe it several times per observed value (a host and each parent domain),
// so it stores the 64-bit hash beside each id and only compares strings on a hash hit.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <xxhash.h>

namespace vigil::indicators {

class FlatIndex {
 public:
  static std::uint64_t hash(std::string_view key) noexcept {
    return XXH3_64bits(key.data(), key.size());
  }

  /// Builds the table over `ids`; key_of(id) must return the key of id and stay valid as long as
  /// the index is used. Keys must be distinct.
  template <typename KeyOf>
  void build(const std::vector<std::uint32_t>& ids, KeyOf key_of) {
    std::size_t capacity = 16;
    while (capacity < ids.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    // A bit per hash bucket, ~16 bits per key: most misses are answered from this small array
    // (L1-resident for thousands of keys) without touching the larger slot table.
    std::size_t filter_bits = 512;
    while (filter_bits < ids.size() * 16) filter_bits *= 2;
    filter_.assign(filter_bits / 64, 0);
    filter_mask_ = filter_bits - 1;
    for (std::uint32_t id : ids) {
      std::string_view key = key_of(id);
      std::uint64_t h = hash(key);
      std::size_t pos = h & mask_;
      while (slots_[pos].id_plus_one != 0) pos = (pos + 1) & mask_;
      slots_[pos] = Slot{h, id + 1};
      std::size_t bit = (h >> 32) & filter_mask_;
      filter_[bit / 64] |= std::uint64_t{1} << (bit % 64);
    }
  }

  /// The id stored under `key` (hash `h`), or -1.
  template <typename KeyOf>
  [[nodiscard]] std::int64_t find(std::string_view key, std::uint64_t h, KeyOf key_of) const {
    if (slots_.empty()) return -1;
    std::size_t bit = (h >> 32) & filter_mask_;
    if ((filter_[bit / 64] & (std::uint64_t{1} << (bit % 64))) == 0) return -1;
    for (std::size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot& slot = slots_[pos];
      if (slot.id_plus_one == 0) return -1;
      if (slot.hash == h && key_of(slot.id_plus_one - 1) == key) return slot.id_plus_one - 1;
    }
  }

  [[nodiscard]] bool empty() const noexcept { return slots_.empty(); }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id_plus_one = 0;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::vector<std::uint64_t> filter_;
  std::size_t filter_mask_ = 0;
};

}  // namespace vigil::indicators
