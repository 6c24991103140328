#include "crypto/hkdf.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

namespace brs::crypto {
namespace {

// The digests, fetched once: EVP_sha256() would make OpenSSL 3 look the
// implementation up again on every use, which costs more than hashing the
// few blocks HKDF hashes.
const EVP_MD* MdFor(HkdfHash hash) {
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  const EVP_MD* md = hash == HkdfHash::kSha256 ? sha256 : sha384;
  if (md == nullptr) std::abort();  // OpenSSL without SHA-2: unusable build.
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// HMAC(key, data) = H((K ^ opad) ‖ H((K ^ ipad) ‖ data)), K the key padded
// (or first hashed) to the block size (RFC 2104), into `out` (HkdfHashSize
// bytes). Aborts on an OpenSSL failure: with valid arguments hashing cannot
// fail, and a key derivation that silently returned garbage would be worse
// than a crash.
void Hmac(HkdfHash hash, std::span<const uint8_t> key, std::span<const uint8_t> data,
          uint8_t* out) {
  const EVP_MD* md = MdFor(hash);
  const size_t block = hash == HkdfHash::kSha256 ? 64 : 128;
  const size_t n = HkdfHashSize(hash);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  uint8_t pad[128] = {};
  uint8_t inner[64];
  unsigned int len = 0;
  bool ok = ctx != nullptr;
  if (ok && key.size() > block) {
    ok = EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1 &&
         EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1 &&
         EVP_DigestFinal_ex(ctx.get(), pad, &len) == 1;
  } else if (!key.empty()) {
    std::copy(key.begin(), key.end(), pad);
  }
  for (size_t i = 0; i < block; ++i) pad[i] ^= 0x36;
  ok = ok && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad, block) == 1 &&
       (data.empty() || EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1) &&
       EVP_DigestFinal_ex(ctx.get(), inner, &len) == 1 && len == n;
  for (size_t i = 0; i < block; ++i) pad[i] ^= 0x36 ^ 0x5c;
  ok = ok && EVP_DigestInit_ex2(ctx.get(), md, nullptr) == 1 &&
       EVP_DigestUpdate(ctx.get(), pad, block) == 1 && EVP_DigestUpdate(ctx.get(), inner, n) == 1 &&
       EVP_DigestFinal_ex(ctx.get(), out, &len) == 1 && len == n;
  SecureWipe(pad, sizeof(pad));
  SecureWipe(inner, sizeof(inner));
  if (!ok) std::abort();
}

}  // namespace

size_t HkdfHashSize(HkdfHash hash) { return hash == HkdfHash::kSha256 ? 32 : 48; }

SecretBytes HkdfExtract(HkdfHash hash, std::span<const uint8_t> salt,
                        std::span<const uint8_t> ikm) {
  SecretBytes prk(HkdfHashSize(hash));
  Hmac(hash, salt, ikm, prk.data());
  return prk;
}

StatusOr<SecretBytes> HkdfExpand(HkdfHash hash, std::span<const uint8_t> prk,
                                 std::span<const uint8_t> info, size_t length) {
  const size_t n = HkdfHashSize(hash);
  if (prk.size() < n) return InvalidArgument("HKDF-Expand: PRK shorter than the hash output");
  if (length > 255 * n) {
    return InvalidArgument("HKDF-Expand: length " + std::to_string(length) + " > 255 * HashLen");
  }
  SecretBytes okm(length);
  // Each block: T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i).
  SecretBytes input;
  input.reserve(n + info.size() + 1);
  SecretBytes block(n);
  size_t done = 0;
  for (uint8_t i = 1; done < length; ++i) {
    input.clear();
    if (i > 1) input.insert(input.end(), block.begin(), block.end());
    input.insert(input.end(), info.begin(), info.end());
    input.push_back(i);
    Hmac(hash, prk, input, block.data());
    const size_t take = std::min(n, length - done);
    std::copy_n(block.begin(), take, okm.begin() + static_cast<ptrdiff_t>(done));
    done += take;
  }
  return okm;
}

}  // namespace brs::crypto
