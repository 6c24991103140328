// Setting up the encrypted channel of the sync transport (SPEC §4): the two
// plaintext `establish_shared_secret` items and the HPKE exchange behind
// them.
//
//   client (initiator)                               hub (responder)
//   ChannelInitiator::Create()
//   EstablishRequest() ── {protocol_version=1, kem_public_key=pk} ──▶
//                                                    ChannelResponder::Accept(pk)
//                      ◀── {protocol_version=1, kem_encapsulation=enc} ── EstablishResponse()
//   Finish(enc) -> Channel                           channel()
//
// Suite: HPKE base mode, KEM MLKEM1024-P384 (0x0051), HKDF-SHA256,
// AES-256-GCM, info "backrest-sync-transport-v1". Session keys:
// Export("backrest-sync-session-key/v1/initiator-to-responder", 32) and
// Export("…/responder-to-initiator", 32). Transcript: see ComputeTranscript.
//
// Every error here is a protocol error (kInvalidArgument) with a message
// naming the problem: an item that is not establish_shared_secret, a
// protocol_version other than 1, a missing or wrong-length key /
// encapsulation, an invalid public key or encapsulation (hybrid_kem.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/encoding.h"
#include "base/status.h"
#include "crypto/channel.h"
#include "crypto/hybrid_kem.h"
#include "v1sync/syncservice.pb.h"

namespace brs::crypto {

inline constexpr uint32_t kTransportProtocolVersion = 1;
inline constexpr KemId kTransportKem = KemId::kMlKem1024P384;
inline constexpr size_t kTransportPublicKeySize = 1665;
inline constexpr size_t kTransportEncSize = 1665;
inline constexpr std::string_view kTransportInfo = "backrest-sync-transport-v1";
inline constexpr std::string_view kSessionKeyLabelI2R =
    "backrest-sync-session-key/v1/initiator-to-responder";
inline constexpr std::string_view kSessionKeyLabelR2I =
    "backrest-sync-session-key/v1/responder-to-initiator";

// SHA-256("backrest-sync-transport-transcript/v1\0" ‖ u32be(1) ‖
// u32be(len pk) ‖ pk ‖ u32be(len enc) ‖ enc).
Transcript ComputeTranscript(std::span<const uint8_t> public_key, std::span<const uint8_t> enc);

// The plaintext items. Make* never fail; Read* check the item (see the file
// comment) and return the key / encapsulation.
v1sync::SyncStreamItem MakeEstablishRequest(std::span<const uint8_t> public_key);
v1sync::SyncStreamItem MakeEstablishResponse(std::span<const uint8_t> enc);
StatusOr<Bytes> ReadEstablishRequest(const v1sync::SyncStreamItem& item);
StatusOr<Bytes> ReadEstablishResponse(const v1sync::SyncStreamItem& item);

// The client side: an ephemeral KEM key pair, then the channel from the
// hub's encapsulation. The ephemeral private key is wiped with the object.
class ChannelInitiator {
 public:
  // A fresh random ephemeral key.
  static StatusOr<ChannelInitiator> Create();
  // A key from a 32-byte seed (deterministic; for tests and vectors).
  static StatusOr<ChannelInitiator> FromSeed(std::span<const uint8_t> seed);

  // The 1665-byte public key to send.
  const Bytes& public_key() const { return key_.public_key(); }
  v1sync::SyncStreamItem EstablishRequest() const { return MakeEstablishRequest(public_key()); }

  // Decapsulates `enc`, exports both session keys and computes the
  // transcript. The channel sends with i2r and receives with r2i.
  StatusOr<Channel> Finish(std::span<const uint8_t> enc) const;
  // ReadEstablishResponse + Finish.
  StatusOr<Channel> FinishWithResponse(const v1sync::SyncStreamItem& response) const;

 private:
  explicit ChannelInitiator(KemPrivateKey key) : key_(std::move(key)) {}
  KemPrivateKey key_;
};

// The hub side: encapsulates to the client's key (HPKE SetupBaseS) and holds
// the resulting channel, which sends with r2i and receives with i2r.
class ChannelResponder {
 public:
  // `randomness` as in KemEncapsulate (empty = fresh; tests pass 80 bytes).
  static StatusOr<ChannelResponder> Accept(std::span<const uint8_t> public_key,
                                           std::span<const uint8_t> randomness = {});
  // ReadEstablishRequest + Accept.
  static StatusOr<ChannelResponder> AcceptRequest(const v1sync::SyncStreamItem& request);

  const Bytes& enc() const { return enc_; }
  v1sync::SyncStreamItem EstablishResponse() const { return MakeEstablishResponse(enc_); }
  Channel& channel() { return channel_; }
  const Channel& channel() const { return channel_; }

 private:
  ChannelResponder(Bytes enc, Channel channel)
      : enc_(std::move(enc)), channel_(std::move(channel)) {}
  Bytes enc_;
  Channel channel_;
};

}  // namespace brs::crypto
