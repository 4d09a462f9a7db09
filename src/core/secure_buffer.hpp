// Memory for decrypted evidence and keys: an anonymous mapping that is locked in RAM when the
// process may lock that much (so it is never swapped out), excluded from core dumps, and wiped
// before it is returned to the system. Nothing of it ever reaches a file.
#pragma once

#include <cstddef>
#include <span>

namespace vigil::core {

class SecureBuffer {
 public:
  SecureBuffer() = default;
  /// `size` zeroed bytes; empty() when the memory cannot be mapped.
  explicit SecureBuffer(std::size_t size);
  SecureBuffer(SecureBuffer&& other) noexcept;
  SecureBuffer& operator=(SecureBuffer&& other) noexcept;
  SecureBuffer(const SecureBuffer&) = delete;
  SecureBuffer& operator=(const SecureBuffer&) = delete;
  ~SecureBuffer();

  [[nodiscard]] unsigned char* data() { return data_; }
  [[nodiscard]] const unsigned char* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool locked() const { return locked_; }
  /// Shortens the visible size (the tail is wiped; the mapping stays as it was).
  void truncate(std::size_t size);
  [[nodiscard]] std::span<unsigned char> bytes() { return {data_, size_}; }

 private:
  void release();
  unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
  bool locked_ = false;
};

}  // namespace vigil::core
