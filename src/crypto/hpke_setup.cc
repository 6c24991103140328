#include "crypto/hpke_setup.h"

namespace brs::crypto {

StatusOr<HpkeSenderSetup> SetupBaseS(KemId kem, HpkeKdf kdf, HpkeAead aead,
                                     std::span<const uint8_t> public_key,
                                     std::span<const uint8_t> info,
                                     std::span<const uint8_t> randomness) {
  BRS_ASSIGN_OR_RETURN(KemEncapsulation encap, KemEncapsulate(kem, public_key, randomness));
  const HpkeSuite suite{static_cast<uint16_t>(kem), kdf, aead};
  BRS_ASSIGN_OR_RETURN(HpkeContext context, HpkeContext::Create(suite, encap.shared_secret, info));
  return HpkeSenderSetup{std::move(encap.enc), std::move(context)};
}

StatusOr<HpkeContext> SetupBaseR(const KemPrivateKey& key, HpkeKdf kdf, HpkeAead aead,
                                 std::span<const uint8_t> enc, std::span<const uint8_t> info) {
  BRS_ASSIGN_OR_RETURN(SecretBytes shared_secret, key.Decapsulate(enc));
  const HpkeSuite suite{static_cast<uint16_t>(key.kem()), kdf, aead};
  return HpkeContext::Create(suite, shared_secret, info);
}

}  // namespace brs::crypto
