// Connect/gRPC length-prefixed envelopes: 1 flags byte, 4-byte big-endian
// length, payload. Pure codec, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::rpc {

inline constexpr uint8_t kFlagCompressed = 0x01;
inline constexpr uint8_t kFlagEndStream = 0x02;  // Connect only
inline constexpr size_t kEnvelopeHeaderSize = 5;
inline constexpr size_t kDefaultMaxMessageSize = 16u << 20;
// The largest payload an envelope's 4-byte length can carry.
inline constexpr size_t kMaxFramedMessage = 0xffffffffu;

struct Envelope {
  uint8_t flags = 0;
  std::string payload;
};

// Appends the envelope (flags, length, payload) to *out. Payloads longer than
// 2^32-1 bytes cannot be framed: returns resource_exhausted.
Status AppendEnvelope(uint8_t flags, std::string_view payload, std::string* out);

// Incremental decoder. Feed() bytes as they arrive; Next() yields complete
// envelopes. A declared length above max_message_size is rejected with
// resource_exhausted as soon as the header is seen, before any payload is
// buffered. Unknown flag bits are invalid_argument. After an error the
// decoder stays failed.
class EnvelopeDecoder {
 public:
  explicit EnvelopeDecoder(size_t max_message_size = kDefaultMaxMessageSize)
      : max_(max_message_size) {}

  // Adds bytes. Returns the sticky error, if any.
  Status Feed(std::string_view bytes);
  // The next complete envelope, nullopt when more bytes are needed; check
  // status() to tell "need more" from "failed".
  std::optional<Envelope> Next();
  const Status& status() const { return status_; }
  // At end of body: OK if no partial envelope is pending, else
  // invalid_argument ("truncated envelope").
  Status Finish() const;
  // Bytes buffered but not yet returned.
  size_t buffered() const { return buf_.size() - pos_; }

 private:
  void Compact();
  size_t max_;
  std::string buf_;
  size_t pos_ = 0;
  Status status_;
};

}  // namespace brs::rpc
