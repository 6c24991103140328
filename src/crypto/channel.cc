#include "crypto/channel.h"

#include <limits>
#include <string>

#include "base/encoding.h"

namespace brs::crypto {
namespace {

std::string ActionName(const v1sync::SyncStreamItem& item) {
  if (item.action_case() == v1sync::SyncStreamItem::ACTION_NOT_SET) return "an empty item";
  const auto* field = v1sync::SyncStreamItem::descriptor()->FindFieldByNumber(item.action_case());
  return field ? field->name() : "action " + std::to_string(item.action_case());
}

}  // namespace

std::string_view ChannelErrorName(ChannelError e) {
  switch (e) {
    case ChannelError::kNone:
      return "kNone";
    case ChannelError::kNotEncrypted:
      return "kNotEncrypted";
    case ChannelError::kBadNonce:
      return "kBadNonce";
    case ChannelError::kReplayedNonce:
      return "kReplayedNonce";
    case ChannelError::kOutOfOrderNonce:
      return "kOutOfOrderNonce";
    case ChannelError::kTooLarge:
      return "kTooLarge";
    case ChannelError::kAuthFailed:
      return "kAuthFailed";
    case ChannelError::kBadInnerItem:
      return "kBadInnerItem";
    case ChannelError::kBroken:
      return "kBroken";
  }
  return "unknown";
}

std::array<uint8_t, kChannelNonceSize> ChannelNonce(uint64_t counter) {
  std::array<uint8_t, kChannelNonceSize> nonce{};
  for (int i = 0; i < 8; ++i) nonce[11 - i] = static_cast<uint8_t>(counter >> (8 * i));
  return nonce;
}

StatusOr<Channel> Channel::Create(std::span<const uint8_t> send_key,
                                  std::span<const uint8_t> recv_key, const Transcript& transcript) {
  if (send_key.size() != kSessionKeySize || recv_key.size() != kSessionKeySize) {
    return InvalidArgument("channel: session keys must be 32 bytes");
  }
  BRS_ASSIGN_OR_RETURN(AesGcm send, AesGcm::Create(send_key));
  BRS_ASSIGN_OR_RETURN(AesGcm recv, AesGcm::Create(recv_key));
  return Channel(SecretBytes(send_key.begin(), send_key.end()),
                 SecretBytes(recv_key.begin(), recv_key.end()), std::move(send), std::move(recv),
                 transcript);
}

Status Channel::Fail(ChannelError e, std::string message) {
  last_error_ = e;
  recv_broken_ = true;
  return InvalidArgument("channel: " + std::move(message));
}

StatusOr<v1sync::SyncStreamItem> Channel::Seal(const v1sync::SyncStreamItem& inner) {
  const size_t size = inner.ByteSizeLong();
  if (size > kMaxChannelCiphertextSize - kAesGcmTagSize) {
    return ResourceExhausted("channel: item of " + std::to_string(size) +
                             " bytes exceeds the 16 MiB limit");
  }
  if (send_counter_ == std::numeric_limits<uint64_t>::max()) {
    return Status(Code::kOutOfRange, "channel: send counter exhausted");
  }
  SecretBytes plain(size);
  if (!inner.SerializeToArray(plain.data(), static_cast<int>(size))) {
    return Internal("channel: cannot serialize item");
  }
  const auto nonce = ChannelNonce(send_counter_);
  BRS_ASSIGN_OR_RETURN(Bytes ct, send_.Seal(nonce, plain));
  ++send_counter_;
  v1sync::SyncStreamItem outer;
  auto* enc = outer.mutable_encrypted();
  enc->set_nonce(nonce.data(), nonce.size());
  enc->set_ciphertext(ct.data(), ct.size());
  return outer;
}

StatusOr<v1sync::SyncStreamItem> Channel::Open(const v1sync::SyncStreamItem& outer) {
  if (recv_broken_) {
    return Fail(ChannelError::kBroken, "receive side closed after an earlier error");
  }
  if (!outer.has_encrypted()) {
    return Fail(ChannelError::kNotEncrypted,
                "expected an encrypted item after setup, got " + ActionName(outer));
  }
  const std::string& nonce = outer.encrypted().nonce();
  const std::string& ct = outer.encrypted().ciphertext();
  if (nonce.size() != kChannelNonceSize) {
    return Fail(ChannelError::kBadNonce,
                "nonce must be 12 bytes, got " + std::to_string(nonce.size()));
  }
  const auto* n = reinterpret_cast<const uint8_t*>(nonce.data());
  if (GetU32BE(n) != 0) return Fail(ChannelError::kBadNonce, "nonce prefix is not zero");
  const uint64_t counter = GetU64BE(n + 4);
  if (counter < recv_counter_) {
    return Fail(ChannelError::kReplayedNonce, "replayed nonce (counter " + std::to_string(counter) +
                                                  ", expected " + std::to_string(recv_counter_) +
                                                  ")");
  }
  if (counter > recv_counter_) {
    return Fail(ChannelError::kOutOfOrderNonce, "reordered or skipped nonce (counter " +
                                                    std::to_string(counter) + ", expected " +
                                                    std::to_string(recv_counter_) + ")");
  }
  if (ct.size() > kMaxChannelCiphertextSize) {
    return Fail(ChannelError::kTooLarge,
                "ciphertext of " + std::to_string(ct.size()) + " bytes exceeds the 16 MiB limit");
  }
  if (ct.size() < kAesGcmTagSize) {
    return Fail(ChannelError::kAuthFailed,
                "authentication failed (ciphertext shorter than the tag)");
  }
  auto plain =
      recv_.Open(std::span<const uint8_t>(n, nonce.size()),
                 std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(ct.data()), ct.size()));
  if (!plain.ok()) {
    if (plain.status().code() == Code::kDataLoss) {
      return Fail(ChannelError::kAuthFailed, "authentication failed");
    }
    recv_broken_ = true;
    return plain.status();
  }
  v1sync::SyncStreamItem inner;
  const bool parsed = inner.ParseFromArray(plain->data(), static_cast<int>(plain->size()));
  SecureWipe(plain->data(), plain->size());
  if (!parsed) {
    return Fail(ChannelError::kBadInnerItem, "decrypted bytes are not a SyncStreamItem");
  }
  ++recv_counter_;
  return inner;
}

}  // namespace brs::crypto
