#include "base/secret.h"

#include <openssl/crypto.h>

namespace brs {

void SecureWipe(void* p, size_t len) { OPENSSL_cleanse(p, len); }

bool ConstantTimeEqual(const uint8_t* a, size_t a_len, const uint8_t* b, size_t b_len) {
  if (a_len != b_len) return false;
  if (a_len == 0) return true;
  return CRYPTO_memcmp(a, b, a_len) == 0;
}

}  // namespace brs
