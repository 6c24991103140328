#include "crypto/identity.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <memory>

namespace brs::crypto {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
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
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!pkey) return Internal("ed25519: cannot load the key");
  Identity id;
  size_t len = kEd25519PublicKeySize;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), id.public_key_.data(), &len) != 1 ||
      len != kEd25519PublicKeySize) {
    return Internal("ed25519: cannot derive the public key");
  }
  id.seed_.assign(seed.begin(), seed.end());
  id.key_id_ = KeyIdFor(id.public_key_);
  id.pkey_ = std::shared_ptr<EVP_PKEY>(pkey.release(), EVP_PKEY_free);
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
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!pkey_ || !ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) != 1) {
    return Internal("ed25519: sign init failed");
  }
  Bytes sig(kEd25519SignatureSize);
  size_t len = sig.size();
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
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
  PkeyPtr pkey(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  if (!pkey) return InvalidArgument("ed25519 public key is not a valid point");
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return Internal("ed25519: verify init failed");
  }
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                       message.size()) != 1) {
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
