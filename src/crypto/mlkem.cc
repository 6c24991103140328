#include "crypto/mlkem.h"

namespace brs::crypto {

MlKemSizes MlKemSizesFor(MlKemParameterSet set) {
  if (set == MlKemParameterSet::kMlKem768) return MlKemSizes{1184, 2400, 1088};
  return MlKemSizes{1568, 3168, 1568};
}

#if !defined(BRS_HAVE_OPENSSL_MLKEM)

const char* MlKemBackendName() { return "builtin"; }

Status MlKemKeyGenFromSeed(MlKemParameterSet set, std::span<const uint8_t> seed, Bytes* ek,
                           SecretBytes* dk) {
  return builtin::MlKemKeyGenFromSeed(set, seed, ek, dk);
}
Status MlKemEncapsulate(MlKemParameterSet set, std::span<const uint8_t> ek,
                        std::span<const uint8_t> m, Bytes* ct, SecretBytes* shared_secret) {
  return builtin::MlKemEncapsulate(set, ek, m, ct, shared_secret);
}
Status MlKemDecapsulate(MlKemParameterSet set, std::span<const uint8_t> dk,
                        std::span<const uint8_t> ct, SecretBytes* shared_secret) {
  return builtin::MlKemDecapsulate(set, dk, ct, shared_secret);
}

#endif  // !BRS_HAVE_OPENSSL_MLKEM

}  // namespace brs::crypto
