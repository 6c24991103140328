// The conformance runner's stdin/stdout framing: each message is a 4-byte
// big-endian length, then that many bytes of a serialized protobuf.
#pragma once

#include <google/protobuf/message.h>

#include <cstdio>
#include <string>

namespace brs::conformance {

// Reads one size-prefixed message; false at end of input or on bad bytes.
inline bool ReadPrefixed(std::FILE* in, google::protobuf::Message* msg) {
  unsigned char len[4];
  if (std::fread(len, 1, 4, in) != 4) return false;
  const size_t n = (size_t{len[0]} << 24) | (size_t{len[1]} << 16) | (size_t{len[2]} << 8) | len[3];
  std::string buf(n, '\0');
  if (n > 0 && std::fread(buf.data(), 1, n, in) != n) return false;
  return msg->ParseFromString(buf);
}

// Writes one size-prefixed message and flushes.
inline bool WritePrefixed(std::FILE* out, const google::protobuf::Message& msg) {
  std::string buf;
  if (!msg.SerializeToString(&buf)) return false;
  const size_t n = buf.size();
  const unsigned char len[4] = {static_cast<unsigned char>(n >> 24),
                                static_cast<unsigned char>(n >> 16),
                                static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
  return std::fwrite(len, 1, 4, out) == 4 && std::fwrite(buf.data(), 1, n, out) == n &&
         std::fflush(out) == 0;
}

}  // namespace brs::conformance
