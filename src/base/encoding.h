// Byte encodings used on the wire and in config files: hex, base64 (standard
// and URL alphabets, with or without padding) and big-endian integers.
// Decoders reject anything malformed instead of skipping it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace brs {

using Bytes = std::vector<uint8_t>;

inline std::string_view AsStringView(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string HexEncode(const uint8_t* data, size_t len);
inline std::string HexEncode(const Bytes& b) { return HexEncode(b.data(), b.size()); }
// Accepts upper- and lower-case digits; rejects odd lengths and non-hex.
StatusOr<Bytes> HexDecode(std::string_view hex);

// The body of a JSON string literal for `s` (quotes, backslashes and control
// characters escaped; bytes >= 0x80 passed through).
std::string JsonEscape(std::string_view s);

enum class Base64Alphabet { kStandard, kUrl };
enum class Base64Padding { kNone, kPadded };

std::string Base64Encode(const uint8_t* data, size_t len, Base64Alphabet alphabet,
                         Base64Padding padding);
inline std::string Base64Encode(const Bytes& b, Base64Alphabet a, Base64Padding p) {
  return Base64Encode(b.data(), b.size(), a, p);
}
// Strict: the alphabet given, padding exactly as given (kNone rejects '='),
// no whitespace, and the unused low bits of the last symbol must be zero.
StatusOr<Bytes> Base64Decode(std::string_view text, Base64Alphabet alphabet, Base64Padding padding);

inline void PutU32BE(Bytes& out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
inline void PutU64BE(Bytes& out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
}
inline uint32_t GetU32BE(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint64_t GetU64BE(const uint8_t* p) {
  return (uint64_t{GetU32BE(p)} << 32) | GetU32BE(p + 4);
}

}  // namespace brs
