// Handling of secret bytes: wiping and constant-time comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace brs {

// Overwrites `len` bytes at `p` with zeros in a way the compiler keeps.
void SecureWipe(void* p, size_t len);

// True when a and b are equal. Time depends only on the lengths, never on
// the contents; unequal lengths compare unequal.
bool ConstantTimeEqual(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len);
inline bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return ConstantTimeEqual(reinterpret_cast<const uint8_t*>(a.data()), a.size(),
                           reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

// An allocator that wipes memory before giving it back, for buffers that
// hold keys and shared secrets.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) {}  // NOLINT
  T* allocate(size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, size_t n) {
    SecureWipe(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const { return true; }
};

// Bytes that are wiped when freed (including on reallocation).
using SecretBytes = std::vector<uint8_t, WipingAllocator<uint8_t>>;

}  // namespace brs
