#include "crypto/aead.h"

#include <algorithm>
#include <climits>

namespace brs::crypto {
namespace {

const EVP_CIPHER* CipherFor(size_t key_size) {
  return key_size == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
}

// OpenSSL takes int lengths; refuse anything that would not fit.
bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX) - kAesGcmTagSize; }

}  // namespace

StatusOr<AesGcm> AesGcm::Create(std::span<const uint8_t> key) {
  if (key.size() != 16 && key.size() != 32) {
    return InvalidArgument("AES-GCM key must be 16 or 32 bytes, got " + std::to_string(key.size()));
  }
  CtxPtr enc(EVP_CIPHER_CTX_new());
  CtxPtr dec(EVP_CIPHER_CTX_new());
  if (!enc || !dec) return Internal("EVP_CIPHER_CTX_new failed");
  const EVP_CIPHER* cipher = CipherFor(key.size());
  // The default GCM IV length is 12, the only one we use.
  if (EVP_EncryptInit_ex(enc.get(), cipher, nullptr, key.data(), nullptr) != 1 ||
      EVP_DecryptInit_ex(dec.get(), cipher, nullptr, key.data(), nullptr) != 1) {
    return Internal("AES-GCM key setup failed");
  }
  return AesGcm(std::move(enc), std::move(dec), key.size());
}

StatusOr<Bytes> AesGcm::Seal(std::span<const uint8_t> nonce, std::span<const uint8_t> plaintext,
                             std::span<const uint8_t> aad) {
  if (nonce.size() != kAesGcmNonceSize) return InvalidArgument("AES-GCM nonce must be 12 bytes");
  if (!FitsInt(plaintext.size()) || !FitsInt(aad.size())) {
    return InvalidArgument("AES-GCM input too large");
  }
  EVP_CIPHER_CTX* ctx = enc_.get();
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return Internal("AES-GCM nonce setup failed");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Internal("AES-GCM aad failed");
  }
  Bytes out(plaintext.size() + kAesGcmTagSize);
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      return Internal("AES-GCM encrypt failed");
    }
    written = len;
  }
  if (EVP_EncryptFinal_ex(ctx, out.data() + written, &len) != 1) {
    return Internal("AES-GCM final failed");
  }
  written += len;
  if (static_cast<size_t>(written) != plaintext.size()) return Internal("AES-GCM length mismatch");
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAesGcmTagSize),
                          out.data() + written) != 1) {
    return Internal("AES-GCM get tag failed");
  }
  return out;
}

StatusOr<Bytes> AesGcm::Open(std::span<const uint8_t> nonce, std::span<const uint8_t> ciphertext,
                             std::span<const uint8_t> aad) {
  if (nonce.size() != kAesGcmNonceSize) return InvalidArgument("AES-GCM nonce must be 12 bytes");
  if (ciphertext.size() < kAesGcmTagSize) {
    return InvalidArgument("AES-GCM ciphertext shorter than the 16-byte tag");
  }
  if (!FitsInt(ciphertext.size()) || !FitsInt(aad.size())) {
    return InvalidArgument("AES-GCM input too large");
  }
  const size_t body = ciphertext.size() - kAesGcmTagSize;
  EVP_CIPHER_CTX* ctx = dec_.get();
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce.data()) != 1) {
    return Internal("AES-GCM nonce setup failed");
  }
  int len = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1) {
    return Internal("AES-GCM aad failed");
  }
  Bytes out(body);
  int written = 0;
  if (body > 0) {
    if (EVP_DecryptUpdate(ctx, out.data(), &len, ciphertext.data(), static_cast<int>(body)) != 1) {
      return Internal("AES-GCM decrypt failed");
    }
    written = len;
  }
  // The tag is only read by OpenSSL, but the ctrl takes a non-const pointer.
  uint8_t tag[kAesGcmTagSize];
  std::copy(ciphertext.begin() + static_cast<ptrdiff_t>(body), ciphertext.end(), tag);
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAesGcmTagSize), tag) != 1) {
    return Internal("AES-GCM set tag failed");
  }
  if (EVP_DecryptFinal_ex(ctx, out.data() + written, &len) != 1) {
    SecureWipe(out.data(), out.size());
    return DataLoss("authentication failed");
  }
  return out;
}

StatusOr<Bytes> AesGcmSeal(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::span<const uint8_t> plaintext, std::span<const uint8_t> aad) {
  BRS_ASSIGN_OR_RETURN(AesGcm gcm, AesGcm::Create(key));
  return gcm.Seal(nonce, plaintext, aad);
}

StatusOr<Bytes> AesGcmOpen(std::span<const uint8_t> key, std::span<const uint8_t> nonce,
                           std::span<const uint8_t> ciphertext, std::span<const uint8_t> aad) {
  BRS_ASSIGN_OR_RETURN(AesGcm gcm, AesGcm::Create(key));
  return gcm.Open(nonce, ciphertext, aad);
}

}  // namespace brs::crypto
