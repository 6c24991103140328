// HKDF (RFC 5869) with SHA-256 or SHA-384, split into its two stages as HPKE
// (RFC 9180) uses them: Extract(salt, ikm) -> PRK, Expand(PRK, info, L) -> OKM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/secret.h"
#include "base/status.h"

namespace brs::crypto {

enum class HkdfHash { kSha256, kSha384 };

// Output size of the hash (and of Extract): 32 or 48.
size_t HkdfHashSize(HkdfHash hash);

// HKDF-Extract: HMAC-Hash(salt, ikm). An empty salt means HashLen zero bytes
// (HMAC pads keys with zeros, so the two are the same). Never fails.
SecretBytes HkdfExtract(HkdfHash hash, std::span<const uint8_t> salt, std::span<const uint8_t> ikm);

// HKDF-Expand: `length` bytes of T(1) ‖ T(2) ‖ … . kInvalidArgument when
// `prk` is shorter than HashLen or `length` > 255 * HashLen.
StatusOr<SecretBytes> HkdfExpand(HkdfHash hash, std::span<const uint8_t> prk,
                                 std::span<const uint8_t> info, size_t length);

}  // namespace brs::crypto
