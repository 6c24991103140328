#include "crypto/identity.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <memory>

#include "crypto/ed25519.h"

namespace brs::crypto {
namespace {

struct ExpandedKeyDelete {
  void operator()(ed25519::ExpandedKey* k) const {
    SecureWipe(k, sizeof *k);
    delete k;
  }
};

std::string Base64Std(std::span<const uint8_t> b) {
  return Base64Encode(b.data(), b.size(), Base64Alphabet::kStandard, Base64Padding::kNone);
}

}  // namespace

std::string KeyIdFor(std::span<const uint8_t> public_key) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(public_key.data(), public_key.size(), digest);
  return "ed25519." +
         Base64Encode(digest, sizeof digest, Base64Alphabet::kUrl, Base64Padding::kNone);
}

StatusOr<Identity> Identity::FromSeed(std::span<const uint8_t> seed) {
  if (seed.size() != kEd25519SeedSize) {
    return InvalidArgument("ed25519 seed must be 32 bytes, got " + std::to_string(seed.size()));
  }
  std::unique_ptr<ed25519::ExpandedKey, ExpandedKeyDelete> key(new ed25519::ExpandedKey);
  if (!ed25519::ExpandSeed(seed.data(), *key)) return Internal("ed25519: cannot expand the seed");
  Identity id;
  std::memcpy(id.public_key_.data(), key->public_key, kEd25519PublicKeySize);
  id.seed_.assign(seed.begin(), seed.end());
  id.key_id_ = KeyIdFor(id.public_key_);
  id.key_ = std::shared_ptr<const ed25519::ExpandedKey>(key.release(), ExpandedKeyDelete());
  return id;
}

StatusOr<Identity> Identity::Generate() {
  SecretBytes seed(kEd25519SeedSize);
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return Internal("RAND_bytes failed");
  }
  return FromSeed(seed);
}

StatusOr<Identity> Identity::FromPrivateKeyProto(const v1::PrivateKey& key) {
  auto seed = Base64Decode(key.ed25519priv(), Base64Alphabet::kStandard, Base64Padding::kNone);
  if (!seed.ok()) return InvalidArgument("identity: ed25519priv is not base64 (std, no padding)");
  SecretBytes secret(seed->begin(), seed->end());
  SecureWipe(seed->data(), seed->size());
  if (secret.size() != kEd25519SeedSize) {
    return InvalidArgument("identity: ed25519priv must decode to 32 bytes, got " +
                           std::to_string(secret.size()));
  }
  BRS_ASSIGN_OR_RETURN(Identity id, FromSeed(secret));
  if (!key.ed25519pub().empty()) {
    auto pub = Base64Decode(key.ed25519pub(), Base64Alphabet::kStandard, Base64Padding::kNone);
    if (!pub.ok()) return InvalidArgument("identity: ed25519pub is not base64 (std, no padding)");
    if (!ConstantTimeEqual(pub->data(), pub->size(), id.public_key_.data(),
                           id.public_key_.size())) {
      return InvalidArgument("identity: the public key does not belong to the private key");
    }
  }
  if (key.keyid() != id.key_id_) {
    return InvalidArgument("identity: key ID " + key.keyid() + " does not match the key (" +
                           id.key_id_ + ")");
  }
  return id;
}

v1::PrivateKey Identity::ToPrivateKeyProto() const {
  v1::PrivateKey p;
  p.set_keyid(key_id_);
  p.set_ed25519priv(Base64Std(seed_));
  p.set_ed25519pub(Base64Std(public_key_));
  return p;
}

v1::PublicKey Identity::PublicKeyProto() const {
  v1::PublicKey p;
  p.set_keyid(key_id_);
  p.set_ed25519pub(Base64Std(public_key_));
  return p;
}

StatusOr<Bytes> Identity::Sign(std::span<const uint8_t> message) const {
  Bytes sig(kEd25519SignatureSize);
  if (!key_ || !ed25519::Sign(*key_, message, sig.data())) {
    return Internal("ed25519: signing failed");
  }
  return sig;
}

Status VerifyEd25519(std::span<const uint8_t> public_key, std::span<const uint8_t> message,
                     std::span<const uint8_t> signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return InvalidArgument("ed25519 public key must be 32 bytes");
  }
  if (signature.size() != kEd25519SignatureSize) {
    return PermissionDenied("ed25519 signature must be 64 bytes, got " +
                            std::to_string(signature.size()));
  }
  if (!ed25519::Verify(public_key.data(), message, signature.data())) {
    return PermissionDenied("ed25519 signature verification failed");
  }
  return Status();
}

StatusOr<Bytes> ParsePublicKeyProto(const v1::PublicKey& key) {
  if (key.ed25519pub().empty()) return PermissionDenied("public key missing");
  auto pub = Base64Decode(key.ed25519pub(), Base64Alphabet::kStandard, Base64Padding::kNone);
  if (!pub.ok()) return PermissionDenied("public key is not base64 (std, no padding)");
  if (pub->size() != kEd25519PublicKeySize) {
    return PermissionDenied("public key must be 32 bytes, got " + std::to_string(pub->size()));
  }
  if (key.keyid().empty()) return PermissionDenied("key ID missing");
  std::string derived = KeyIdFor(*pub);
  if (derived != key.keyid()) {
    return PermissionDenied("key ID " + key.keyid() + " does not match the public key (" + derived +
                            ")");
  }
  return pub;
}

}  // namespace brs::crypto
