// HPKE (RFC 9180) base mode, the part after the KEM: labeled HKDF, the key
// schedule, and the encryption context (Seal/Open with sequence numbers,
// Export). KDFs: HKDF-SHA256 (0x0001), HKDF-SHA384 (0x0002). AEADs:
// AES-128-GCM (0x0001), AES-256-GCM (0x0002).
//
// Everything here takes the KEM's shared secret as input; the KEMs are in
// hybrid_kem.h and the two together form SetupBaseS/SetupBaseR in
// hpke_setup.h.
//
// Labeled functions (RFC 9180 §4):
//   LabeledExtract(salt, label, ikm) =
//       Extract(salt, "HPKE-v1" ‖ suite_id ‖ label ‖ ikm)
//   LabeledExpand(prk, label, info, L) =
//       Expand(prk, I2OSP(L, 2) ‖ "HPKE-v1" ‖ suite_id ‖ label ‖ info, L)
// suite_id is "KEM" ‖ I2OSP(kem_id, 2) inside a KEM (KemSuiteId) and
// "HPKE" ‖ I2OSP(kem_id, 2) ‖ I2OSP(kdf_id, 2) ‖ I2OSP(aead_id, 2) in the
// key schedule (HpkeSuiteId).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"

namespace brs::crypto {

enum class HpkeKdf : uint16_t { kHkdfSha256 = 0x0001, kHkdfSha384 = 0x0002 };
enum class HpkeAead : uint16_t { kAes128Gcm = 0x0001, kAes256Gcm = 0x0002 };

// The wire id of a KDF / AEAD, and back (kInvalidArgument for ids we do not
// implement).
StatusOr<HpkeKdf> HpkeKdfFromId(uint16_t id);
StatusOr<HpkeAead> HpkeAeadFromId(uint16_t id);

// Nh: 32 for HKDF-SHA256, 48 for HKDF-SHA384.
size_t HpkeKdfOutputSize(HpkeKdf kdf);
// Nk: 16 or 32. Nn is always 12, Nt 16.
size_t HpkeAeadKeySize(HpkeAead aead);

struct HpkeSuite {
  uint16_t kem_id = 0;
  HpkeKdf kdf = HpkeKdf::kHkdfSha256;
  HpkeAead aead = HpkeAead::kAes256Gcm;
};

// "HPKE" ‖ kem ‖ kdf ‖ aead (10 bytes).
Bytes HpkeSuiteId(const HpkeSuite& suite);
// "KEM" ‖ kem_id (5 bytes).
Bytes KemSuiteId(uint16_t kem_id);

// RFC 9180 LabeledExtract. Never fails.
SecretBytes LabeledExtract(HpkeKdf kdf, std::span<const uint8_t> suite_id,
                           std::span<const uint8_t> salt, std::string_view label,
                           std::span<const uint8_t> ikm);
// RFC 9180 LabeledExpand. kInvalidArgument when `length` > 65535 or
// > 255 * Nh, or `prk` is shorter than Nh.
StatusOr<SecretBytes> LabeledExpand(HpkeKdf kdf, std::span<const uint8_t> suite_id,
                                    std::span<const uint8_t> prk, std::string_view label,
                                    std::span<const uint8_t> info, size_t length);

// The outputs of KeySchedule(mode_base, shared_secret, info, psk = "",
// psk_id = "").
struct HpkeKeySchedule {
  SecretBytes key;              // Nk bytes
  SecretBytes base_nonce;       // 12 bytes
  SecretBytes exporter_secret;  // Nh bytes
};

// RFC 9180 §5.1 in base mode. Errors: only internal ones.
StatusOr<HpkeKeySchedule> HpkeKeyScheduleBase(const HpkeSuite& suite,
                                              std::span<const uint8_t> shared_secret,
                                              std::span<const uint8_t> info);

// An HPKE encryption context (RFC 9180 §5.2, §5.3). A sender only calls
// Seal, a recipient only Open; both may Export. Sequence numbers start at
// 0; Seal advances on every call, Open only on success (a failed Open
// leaves the context as it was). Not thread-safe. Movable, not copyable.
class HpkeContext {
 public:
  // Runs the base-mode key schedule. Errors: HpkeKeyScheduleBase's.
  static StatusOr<HpkeContext> Create(const HpkeSuite& suite,
                                      std::span<const uint8_t> shared_secret,
                                      std::span<const uint8_t> info);

  // Encrypts with nonce = base_nonce XOR I2OSP(seq, 12), then seq += 1.
  // kOutOfRange when the sequence number is exhausted (2^64 - 1 messages).
  StatusOr<Bytes> Seal(std::span<const uint8_t> aad, std::span<const uint8_t> plaintext);
  // Decrypts with the current seq; on success seq += 1. kDataLoss
  // "authentication failed" on a tag mismatch (the context does not move);
  // kOutOfRange when the sequence is exhausted; AesGcm::Open's other errors.
  StatusOr<Bytes> Open(std::span<const uint8_t> aad, std::span<const uint8_t> ciphertext);

  // Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec",
  // exporter_context, L). kInvalidArgument when L > 65535 or > 255 * Nh.
  StatusOr<SecretBytes> Export(std::span<const uint8_t> exporter_context, size_t length) const;
  StatusOr<SecretBytes> Export(std::string_view exporter_context, size_t length) const;

  uint64_t sequence() const { return seq_; }
  const HpkeSuite& suite() const { return suite_; }
  // The key schedule's outputs, read-only (tests compare them to vectors).
  const HpkeKeySchedule& key_schedule() const { return schedule_; }

 private:
  HpkeContext(const HpkeSuite& suite, Bytes suite_id, HpkeKeySchedule schedule, AesGcm aead)
      : suite_(suite),
        suite_id_(std::move(suite_id)),
        schedule_(std::move(schedule)),
        aead_(std::move(aead)) {}
  void ComputeNonce(uint8_t out[kAesGcmNonceSize]) const;

  HpkeSuite suite_;
  Bytes suite_id_;
  HpkeKeySchedule schedule_;
  AesGcm aead_;
  uint64_t seq_ = 0;
};

}  // namespace brs::crypto
