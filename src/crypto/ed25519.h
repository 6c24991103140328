// Ed25519 (RFC 8032, pure variant) of our own, for identity.cc. OpenSSL
// 3.0's costs 46 µs to sign and 118 µs to verify; the hub signs one
// handshake and verifies one per session start (issue #16).
//
//   - Field: radix 2^51 (ed25519_field.h); scalars mod L in Montgomery form
//     (ed25519_scalar.h).
//   - Points in extended coordinates (X:Y:Z:T), the a = -1 twisted Edwards
//     formulas of Hisil-Wong-Carter-Dawson (addition 8M, doubling 4M+4S).
//   - Signing (secret scalar and nonce): fixed-base multiplication with 64
//     signed radix-16 digits and a table of j·256^i·B (i < 32, j ≤ 8,
//     affine, built once per process); every entry of a row is read and the
//     sign applied by mask, so no branch and no index depends on a secret.
//   - Verification (public inputs only): variable time, Straus with
//     width-5 NAF for A and width-8 NAF for B (odd multiples up to 127·B,
//     built once).
//
// Verification decides exactly as Go's crypto/ed25519 does (Backrest peers
// verify with Go): A's encoding is decoded accepting non-canonical y
// (y >= p) and x = 0 with the sign bit set, and is rejected when it is not
// on the curve; S must be below L; k = SHA-512(R ‖ A ‖ M) with R and A as
// given; the check is the cofactorless [S]B - [k]A, encoded canonically and
// compared with R's bytes (so a non-canonical R never verifies).
#pragma once

#include <cstdint>
#include <span>

#include "crypto/ed25519_scalar.h"

namespace brs::crypto::ed25519 {

// A key ready to sign: the public key, the clamped secret scalar a (as a·R
// mod L, for ScMulMont) and the nonce prefix. Secret: wipe it when done.
struct ExpandedKey {
  uint8_t public_key[32];
  Sc scalar_mont;
  uint8_t prefix[32];
};

// SHA-512 of the seed, clamped, and [a]B. False only if SHA-512 fails.
bool ExpandSeed(const uint8_t seed[32], ExpandedKey& out);
bool Sign(const ExpandedKey& key, std::span<const uint8_t> message, uint8_t signature[64]);
// True when the signature verifies (see above for the exact rules).
bool Verify(const uint8_t public_key[32], std::span<const uint8_t> message,
            const uint8_t signature[64]);

}  // namespace brs::crypto::ed25519
