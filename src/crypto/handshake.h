// The identity handshake of sync protocol version 3 (SPEC §5), sent by each
// side inside the encrypted channel:
//   signature = ed25519(SHA-256("backrest-sync-handshake/v1\0" ‖ u64be(3) ‖
//                       LP(instance_id) ‖ LP(pairing_secret) ‖ LP(transcript)))
// with LP(x) = u32be(len x) ‖ x. The transcript binds the signature to this
// connection's key exchange: a man in the middle who ran a separate KEM with
// each side has two transcripts, and each leg's signature fails.
//
// Errors of VerifyHandshake: InvalidArgument (protocol) for a version other
// than 3, an empty or over-long instance ID, an over-long pairing secret;
// PermissionDenied (auth) for a missing or malformed key, a key ID not
// derived from the key, a bad signature.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "crypto/identity.h"
#include "v1sync/syncservice.pb.h"

namespace brs::crypto {

inline constexpr int64_t kHandshakeProtocolVersion = 3;
inline constexpr size_t kMaxInstanceIdBytes = 256;
inline constexpr size_t kMaxPairingSecretBytes = 1024;

std::array<uint8_t, 32> HandshakeBindDigest(std::string_view instance_id,
                                            std::string_view pairing_secret,
                                            std::span<const uint8_t> transcript);

StatusOr<v1sync::SyncStreamItem::SyncActionHandshake> MakeHandshake(
    const Identity& identity, std::string_view instance_id, std::string_view pairing_secret,
    std::span<const uint8_t> transcript);

struct VerifiedHandshake {
  std::string key_id;
  Bytes public_key;
  std::string instance_id;
  std::string pairing_secret;
};

StatusOr<VerifiedHandshake> VerifyHandshake(
    const v1sync::SyncStreamItem::SyncActionHandshake& handshake,
    std::span<const uint8_t> transcript);

}  // namespace brs::crypto
