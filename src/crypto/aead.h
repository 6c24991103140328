// AES-GCM authenticated encryption (AES-128-GCM and AES-256-GCM) through
// OpenSSL's EVP interface.
//
// Format: Seal returns ciphertext ‖ 16-byte tag; Open takes the same. The
// nonce is always 12 bytes. Associated data is optional (empty = none).
//
// Errors:
//  - a key that is neither 16 nor 32 bytes, a nonce that is not 12 bytes, or
//    an Open input shorter than the tag -> kInvalidArgument;
//  - Open on a ciphertext whose tag does not verify (wrong key, wrong nonce,
//    wrong associated data, any flipped bit) -> kDataLoss with the message
//    "authentication failed". No plaintext is released in that case.
//  - an OpenSSL failure that should not happen -> kInternal.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/encoding.h"
#include "base/secret.h"
#include "base/status.h"

namespace brs::crypto {

inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// One AES-GCM key, expanded once and reused for many messages. Not safe for
// concurrent use (Seal and Open mutate internal OpenSSL contexts); use one
// object per thread or lock around it. Movable, not copyable. The key
// schedule is wiped when the object is destroyed.
class AesGcm {
 public:
  // Expands `key` (16 bytes: AES-128-GCM, 32 bytes: AES-256-GCM).
  // kInvalidArgument for any other length.
  static StatusOr<AesGcm> Create(std::span<const uint8_t> key);

  AesGcm(AesGcm&&) noexcept = default;
  AesGcm& operator=(AesGcm&&) noexcept = default;
  ~AesGcm() = default;

  size_t key_size() const { return key_size_; }

  // Encrypts `plaintext` under `nonce` (12 bytes) and authenticates it and
  // `aad`. Returns ciphertext ‖ tag (plaintext.size() + 16 bytes).
  StatusOr<Bytes> Seal(std::span<const uint8_t> nonce, std::span<const uint8_t> plaintext,
                       std::span<const uint8_t> aad = {});

  // Verifies and decrypts `ciphertext` (ciphertext ‖ tag). kDataLoss
  // "authentication failed" when the tag does not verify.
  StatusOr<Bytes> Open(std::span<const uint8_t> nonce, std::span<const uint8_t> ciphertext,
                       std::span<const uint8_t> aad = {});

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  };
  using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;
  AesGcm(CtxPtr enc, CtxPtr dec, size_t key_size)
      : enc_(std::move(enc)), dec_(std::move(dec)), key_size_(key_size) {}

  CtxPtr enc_;
  CtxPtr dec_;
  size_t key_size_ = 0;
};

// One-shot forms of AesGcm::Create + Seal / Open (same errors).
StatusOr<Bytes> AesGcmSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::span<const uint8_t> plaintext, std::span<const uint8_t> aad = {});
StatusOr<Bytes> AesGcmOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::span<const uint8_t> ciphertext, std::span<const uint8_t> aad = {});

}  // namespace brs::crypto
