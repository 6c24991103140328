#include "crypto/hkdf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace brs::crypto {
namespace {

const EVP_MD* MdFor(HkdfHash hash) {
  return hash == HkdfHash::kSha256 ? EVP_sha256() : EVP_sha384();
}

// HMAC(key, data) into `out` (HkdfHashSize bytes). Aborts on an OpenSSL
// failure: with valid arguments HMAC cannot fail, and a key derivation that
// silently returned garbage would be worse than a crash.
void Hmac(HkdfHash hash, std::span<const uint8_t> key, std::span<const uint8_t> data,
          uint8_t* out) {
  static const uint8_t kEmpty = 0;
  unsigned int out_len = 0;
  const uint8_t* k = key.empty() ? &kEmpty : key.data();
  const uint8_t* d = data.empty() ? &kEmpty : data.data();
  if (HMAC(MdFor(hash), k, static_cast<int>(key.size()), d, data.size(), out, &out_len) ==
          nullptr ||
      out_len != HkdfHashSize(hash)) {
    std::abort();
  }
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
