// Handling of secret bytes: wiping and constant-time comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

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

}  // namespace brs
