// RFC 9180 SetupBaseS / SetupBaseR: a KEM (hybrid_kem.h) followed by the
// base-mode key schedule (hpke.h).
#pragma once

#include <cstdint>
#include <span>

#include "base/encoding.h"
#include "base/status.h"
#include "crypto/hpke.h"
#include "crypto/hybrid_kem.h"

namespace brs::crypto {

struct HpkeSenderSetup {
  Bytes enc;            // to send to the recipient
  HpkeContext context;  // the sender's context
};

// Encapsulates to `public_key` and runs the key schedule with `info`.
// `randomness` as in KemEncapsulate (empty = fresh). Errors: KemEncapsulate's.
StatusOr<HpkeSenderSetup> SetupBaseS(KemId kem, HpkeKdf kdf, HpkeAead aead,
                                     std::span<const uint8_t> public_key,
                                     std::span<const uint8_t> info,
                                     std::span<const uint8_t> randomness = {});

// Decapsulates `enc` with `key` and runs the key schedule with `info`.
// Errors: KemPrivateKey::Decapsulate's.
StatusOr<HpkeContext> SetupBaseR(const KemPrivateKey& key, HpkeKdf kdf, HpkeAead aead,
                                 std::span<const uint8_t> enc, std::span<const uint8_t> info);

}  // namespace brs::crypto
