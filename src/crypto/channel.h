// The encrypted channel of the sync transport (SPEC §4), after setup: one
// session key per direction, a message counter per direction, and the
// transcript both sides sign in the identity handshake.
//
// Wire format of every item after setup, in both directions:
//
//   SyncStreamItem{ encrypted: SyncActionEncrypted{
//       nonce      = 00 00 00 00 ‖ u64be(counter)        (12 bytes)
//       ciphertext = AES-256-GCM(key, nonce, serialized inner SyncStreamItem,
//                                no associated data) ‖ 16-byte tag } }
//
// The counter of each direction starts at 0 and grows by one per message.
// The initiator (client) sends with key_i2r and receives with key_r2i; the
// responder (hub) the reverse. Keys come from the HPKE exporter (see
// channel_setup.h).
//
// Receive errors. Every one is a protocol error (kInvalidArgument, which the
// sync layer classifies as CONNECTION_STATE_ERROR_PROTOCOL), and each has its
// own ChannelError value (Channel::last_error()) and message:
//   kNotEncrypted       "channel: expected an encrypted item after setup, got <action>"
//   kBadNonce           "channel: nonce must be 12 bytes, got N" /
//                       "channel: nonce prefix is not zero"
//   kReplayedNonce      "channel: replayed nonce (counter C, expected E)"
//   kOutOfOrderNonce    "channel: reordered or skipped nonce (counter C, expected E)"
//   kTooLarge           "channel: ciphertext of N bytes exceeds the 16 MiB limit"
//   kAuthFailed         "channel: authentication failed"
//   kBadInnerItem       "channel: decrypted bytes are not a SyncStreamItem"
//   kBroken             "channel: receive side closed after an earlier error"
// After any receive error the receive side stays broken (kBroken), because
// the session must end (SPEC §4); sending is unaffected.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/secret.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "v1sync/syncservice.pb.h"

namespace brs::crypto {

inline constexpr size_t kSessionKeySize = 32;
inline constexpr size_t kTranscriptSize = 32;
inline constexpr size_t kChannelNonceSize = 12;
// Largest accepted `ciphertext` field (serialized inner item + tag).
inline constexpr size_t kMaxChannelCiphertextSize = size_t{16} << 20;

using Transcript = std::array<uint8_t, kTranscriptSize>;

enum class ChannelError {
  kNone,
  kNotEncrypted,
  kBadNonce,
  kReplayedNonce,
  kOutOfOrderNonce,
  kTooLarge,
  kAuthFailed,
  kBadInnerItem,
  kBroken,
};

// The symbolic name ("kReplayedNonce"), for logs and test output.
std::string_view ChannelErrorName(ChannelError e);

class Channel {
 public:
  // A channel with the given session keys (32 bytes each) and transcript.
  // kInvalidArgument for keys of another size. Normally made by
  // ChannelInitiator / ChannelResponder; tests inject keys directly.
  static StatusOr<Channel> Create(std::span<const uint8_t> send_key,
                                  std::span<const uint8_t> recv_key, const Transcript& transcript);

  Channel(Channel&&) noexcept = default;
  Channel& operator=(Channel&&) noexcept = default;

  // Serializes `inner`, encrypts it with the next send counter and returns
  // the `encrypted` item to put on the wire. Errors: kResourceExhausted when
  // the result would exceed kMaxChannelCiphertextSize (nothing is consumed);
  // kOutOfRange when the counter is exhausted; kInternal on a serialization
  // failure.
  StatusOr<v1sync::SyncStreamItem> Seal(const v1sync::SyncStreamItem& inner);

  // Checks and decrypts one received item; returns the inner item. Errors:
  // the table above (all kInvalidArgument). On success the receive counter
  // advances by one.
  StatusOr<v1sync::SyncStreamItem> Open(const v1sync::SyncStreamItem& outer);

  // The error of the last failed Open (kNone if none failed; kBroken for an
  // Open refused because an earlier one failed).
  ChannelError last_error() const { return last_error_; }

  // SHA-256 transcript of the setup (SPEC §4), the same on both sides.
  const Transcript& transcript() const { return transcript_; }
  // Session keys, read-only (tests compare them across implementations).
  std::span<const uint8_t> send_key() const { return send_key_; }
  std::span<const uint8_t> recv_key() const { return recv_key_; }
  uint64_t send_counter() const { return send_counter_; }
  uint64_t recv_counter() const { return recv_counter_; }

 private:
  Channel(SecretBytes send_key, SecretBytes recv_key, AesGcm send, AesGcm recv,
          const Transcript& transcript)
      : send_key_(std::move(send_key)),
        recv_key_(std::move(recv_key)),
        send_(std::move(send)),
        recv_(std::move(recv)),
        transcript_(transcript) {}
  Status Fail(ChannelError e, std::string message);

  SecretBytes send_key_;
  SecretBytes recv_key_;
  AesGcm send_;
  AesGcm recv_;
  Transcript transcript_{};
  uint64_t send_counter_ = 0;
  uint64_t recv_counter_ = 0;
  ChannelError last_error_ = ChannelError::kNone;
  bool recv_broken_ = false;
};

// The 12-byte nonce for `counter`: four zero bytes ‖ u64be(counter).
std::array<uint8_t, kChannelNonceSize> ChannelNonce(uint64_t counter);

}  // namespace brs::crypto
