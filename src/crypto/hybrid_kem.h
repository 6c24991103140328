// The KEMs of draft-ietf-hpke-pq that the sync transport and its tests use,
// behind one interface, with the encodings of Go's crypto/hpke:
//
//   KEM            id      seed  public key          enc                  Nsecret
//   ML-KEM-768     0x0041  64    1184                1088                 32
//   ML-KEM-1024    0x0042  64    1568                1568                 32
//   MLKEM768-P256  0x0050  32    1184 + 65 = 1249    1088 + 65 = 1153     32
//   MLKEM1024-P384 0x0051  32    1568 + 97 = 1665    1568 + 97 = 1665     32
//
// Pure ML-KEM: the private key is the FIPS 203 seed d ‖ z (64 bytes).
//
// Hybrids: the private key is a 32-byte seed. SHAKE256(seed) is read as a
// stream: the first 64 bytes are the ML-KEM seed d ‖ z, then EC scalars of
// Nscalar bytes (32 for P-256, 48 for P-384, big-endian) are read one after
// another until one lies in [1, n-1]. The public key is ML-KEM ek ‖
// uncompressed point; enc is ML-KEM ciphertext ‖ ephemeral uncompressed
// point. Shared secret = SHA3-256(ss_PQ ‖ ss_T ‖ ct_T ‖ pk_T ‖ label), with
// ss_T the ECDH X coordinate, ct_T the ephemeral point, pk_T the recipient's
// point and label "MLKEM768-P256" / "MLKEM1024-P384".
//
// DeriveKeyPair(ikm) (RFC 9180 §7.1.3, one-stage SHAKE256 form):
//   seed = SHAKE256(ikm ‖ "HPKE-v1" ‖ "KEM" ‖ I2OSP(id, 2) ‖
//                   I2OSP(13, 2) ‖ "DeriveKeyPair" ‖ I2OSP(Nseed, 2))[:Nseed]
//
// Deterministic encapsulation (test vectors' ikmE): the first 32 bytes are
// the ML-KEM message m; for hybrids the rest is a sequence of EC scalar
// candidates of Nscalar bytes, the first valid one being the ephemeral key.
//
// Errors (all kInvalidArgument unless noted): a seed, public key,
// encapsulation or randomness of the wrong length; an EC point that is not a
// valid uncompressed point on the curve (nist_ecdh.h's messages); an ML-KEM
// encapsulation key that fails the FIPS 203 modulus check; randomness whose
// scalar candidates are all out of range; an unknown KEM id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"

namespace brs::crypto {

enum class KemId : uint16_t {
  kMlKem768 = 0x0041,
  kMlKem1024 = 0x0042,
  kMlKem768P256 = 0x0050,
  kMlKem1024P384 = 0x0051,
};

// kInvalidArgument for ids not in the table above.
StatusOr<KemId> KemIdFromWire(uint16_t id);
// "ML-KEM-1024", "MLKEM1024-P384", …
std::string_view KemName(KemId kem);

struct KemSizes {
  size_t seed;  // private key (seed) length
  size_t public_key;
  size_t enc;
  size_t shared_secret;     // always 32
  size_t encap_randomness;  // minimum deterministic-encapsulation input
};
KemSizes KemSizesFor(KemId kem);

// A KEM private key, expanded once (ML-KEM decapsulation key, EC scalar,
// public key) so that decapsulation does not redo key generation.
// Movable, not copyable; secret parts are wiped on destruction.
class KemPrivateKey {
 public:
  // From the seed of the table above. Errors: wrong seed length.
  static StatusOr<KemPrivateKey> FromSeed(KemId kem, std::span<const uint8_t> seed);
  // A fresh random key (seed from OpenSSL's CSPRNG).
  static StatusOr<KemPrivateKey> Generate(KemId kem);
  // RFC 9180 DeriveKeyPair (see above). Any ikm length is accepted.
  static StatusOr<KemPrivateKey> Derive(KemId kem, std::span<const uint8_t> ikm);

  KemPrivateKey(KemPrivateKey&&) noexcept = default;
  KemPrivateKey& operator=(KemPrivateKey&&) noexcept = default;

  KemId kem() const { return kem_; }
  // The serialized private key (the seed).
  std::span<const uint8_t> seed() const { return seed_; }
  const Bytes& public_key() const { return public_key_; }

  // The shared secret for `enc`. Errors: wrong enc length; for hybrids an
  // invalid ephemeral point. (ML-KEM itself never fails on a right-length
  // ciphertext: a bad one yields an unrelated secret, FIPS 203 implicit
  // rejection.)
  StatusOr<SecretBytes> Decapsulate(std::span<const uint8_t> enc) const;

 private:
  KemPrivateKey() = default;

  KemId kem_ = KemId::kMlKem1024P384;
  SecretBytes seed_;
  SecretBytes pq_decapsulation_key_;
  SecretBytes ec_scalar_;  // hybrids only
  Bytes public_key_;
};

struct KemEncapsulation {
  Bytes enc;
  SecretBytes shared_secret;
};

// Encapsulates to `public_key`. `randomness` empty: fresh randomness from
// OpenSSL's CSPRNG; otherwise the deterministic form described above
// (at least KemSizes::encap_randomness bytes; for pure ML-KEM exactly 32;
// for hybrids 32 + k·Nscalar, k ≥ 1). Errors: see the file comment.
StatusOr<KemEncapsulation> KemEncapsulate(KemId kem, std::span<const uint8_t> public_key,
                                          std::span<const uint8_t> randomness = {});

}  // namespace brs::crypto
