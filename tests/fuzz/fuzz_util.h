// Shared helpers of the libFuzzer targets: reading a fuzz input as a few
// control bytes and length-prefixed pieces, and a check that crashes (so
// libFuzzer keeps the input) when a property of the code under test fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// A broken property: print it and abort (libFuzzer saves the input).
#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace brs::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }
  size_t size() const { return rest_.size(); }
  // One byte (0 once the input is used up).
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  uint16_t U16() { return static_cast<uint16_t>(Byte() << 8 | Byte()); }
  // A piece: a 2-byte big-endian length, then that many bytes (fewer at the
  // end of the input).
  std::string_view Piece() {
    size_t n = U16();
    if (n > rest_.size()) n = rest_.size();
    std::string_view p = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return p;
  }
  std::string_view Take(size_t n) {
    if (n > rest_.size()) n = rest_.size();
    std::string_view p = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return p;
  }
  std::string_view Rest() {
    std::string_view p = rest_;
    rest_ = {};
    return p;
  }

 private:
  std::string_view rest_;
};

// The encoding Input::Piece reads (for seed generators).
inline std::string PieceBytes(std::string_view p) {
  std::string out;
  out.push_back(static_cast<char>(p.size() >> 8));
  out.push_back(static_cast<char>(p.size() & 0xff));
  out.append(p.substr(0, 0xffff));
  return out;
}

}  // namespace brs::fuzz
