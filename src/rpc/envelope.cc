#include "rpc/envelope.h"

#include <limits>

namespace brs::rpc {
namespace {

uint32_t ReadBe32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

}  // namespace

Status AppendEnvelope(uint8_t flags, std::string_view payload, std::string* out) {
  if (payload.size() > std::numeric_limits<uint32_t>::max()) {
    return ResourceExhausted("message too large to frame");
  }
  const auto n = static_cast<uint32_t>(payload.size());
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>((n >> 24) & 0xff));
  out->push_back(static_cast<char>((n >> 16) & 0xff));
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>(n & 0xff));
  out->append(payload);
  return Status::Ok();
}

Status EnvelopeDecoder::Feed(std::string_view bytes) {
  if (!status_.ok()) return status_;
  Compact();
  buf_.append(bytes);
  // Validate the pending header early so an oversized length is refused
  // before its payload accumulates.
  if (buffered() >= kEnvelopeHeaderSize) {
    const char* h = buf_.data() + pos_;
    const auto flags = static_cast<uint8_t>(h[0]);
    if ((flags & ~(kFlagCompressed | kFlagEndStream)) != 0) {
      status_ = InvalidArgument("invalid envelope flags");
    } else if (ReadBe32(h + 1) > max_) {
      status_ =
          ResourceExhausted("message larger than limit of " + std::to_string(max_) + " bytes");
    }
  }
  return status_;
}

std::optional<Envelope> EnvelopeDecoder::Next() {
  if (!status_.ok() || buffered() < kEnvelopeHeaderSize) return std::nullopt;
  const char* h = buf_.data() + pos_;
  const auto flags = static_cast<uint8_t>(h[0]);
  const uint32_t len = ReadBe32(h + 1);
  if ((flags & ~(kFlagCompressed | kFlagEndStream)) != 0) {
    status_ = InvalidArgument("invalid envelope flags");
    return std::nullopt;
  }
  if (len > max_) {
    status_ = ResourceExhausted("message larger than limit of " + std::to_string(max_) + " bytes");
    return std::nullopt;
  }
  if (buffered() - kEnvelopeHeaderSize < len) return std::nullopt;
  Envelope e;
  e.flags = flags;
  e.payload.assign(h + kEnvelopeHeaderSize, len);
  pos_ += kEnvelopeHeaderSize + len;
  return e;
}

Status EnvelopeDecoder::Finish() const {
  if (!status_.ok()) return status_;
  if (buffered() != 0) return InvalidArgument("truncated envelope at end of stream");
  return Status::Ok();
}

void EnvelopeDecoder::Compact() {
  if (pos_ == 0) return;
  buf_.erase(0, pos_);
  pos_ = 0;
}

}  // namespace brs::rpc
