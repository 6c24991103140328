// An instance's long-term identity: an Ed25519 key pair (SPEC §1).
//   key ID        = "ed25519." + base64url_nopad(SHA-256(raw public key))
//   ed25519pub    = base64 std, no padding, of the 32-byte public key
//   ed25519priv   = base64 std, no padding, of the 32-byte seed
// The seed is kept in wiped memory and never printed; printing an identity
// shows its key ID only.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"
#include "v1/crypto.pb.h"

namespace brs::crypto {
namespace ed25519 {
struct ExpandedKey;
}

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Identity {
 public:
  static StatusOr<Identity> Generate();
  // InvalidArgument unless the seed has 32 bytes.
  static StatusOr<Identity> FromSeed(std::span<const uint8_t> seed);
  // Loads the config's key and checks it: the seed decodes to 32 bytes, the
  // public key (when present) is the seed's, the key ID is the key's.
  static StatusOr<Identity> FromPrivateKeyProto(const v1::PrivateKey& key);

  v1::PrivateKey ToPrivateKeyProto() const;
  v1::PublicKey PublicKeyProto() const;
  const std::string& key_id() const { return key_id_; }
  std::span<const uint8_t> public_key() const { return public_key_; }
  // 64-byte Ed25519 signature.
  StatusOr<Bytes> Sign(std::span<const uint8_t> message) const;

 private:
  Identity() = default;
  SecretBytes seed_;
  // The expanded key (secret scalar, nonce prefix), derived once (deriving
  // costs a scalar multiplication); shared by copies, only read, wiped when
  // the last copy goes.
  std::shared_ptr<const ed25519::ExpandedKey> key_;
  std::array<uint8_t, kEd25519PublicKeySize> public_key_{};
  std::string key_id_;
};

std::string KeyIdFor(std::span<const uint8_t> public_key);
// PermissionDenied when the signature does not verify; InvalidArgument for
// wrong lengths.
Status VerifyEd25519(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                     std::span<const uint8_t> signature);
// The raw key of a PublicKey proto, checking its length and key ID.
StatusOr<Bytes> ParsePublicKeyProto(const v1::PublicKey& key);

}  // namespace brs::crypto
