// Arithmetic modulo the Ed25519 group order
//   L = 2^252 + 27742317777372353535851937790883648493,
// for ed25519.cc: scalars are four 64-bit little-endian limbs, multiplied
// in Montgomery form (R = 2^256). Everything here is constant time (fixed
// loops, the final subtraction by mask), since signing feeds it the secret
// scalar and nonce.
#pragma once

#include <cstdint>

namespace brs::crypto::ed25519 {

struct Sc {
  uint64_t v[4];
};

// 32 little-endian bytes <-> limbs (no reduction).
Sc ScFromBytes(const uint8_t in[32]);
void ScToBytes(uint8_t out[32], const Sc& a);
// x mod L for a 64-byte little-endian x (a SHA-512 digest).
Sc ScReduce64(const uint8_t in[64]);
// a·R mod L for any a < 2^256: the Montgomery form ScMulMont takes.
Sc ScToMont(const Sc& a);
// a·b mod L for a < L and b = ScToMont(c) (so the result is a·c mod L).
Sc ScMulMont(const Sc& a, const Sc& b_mont);
// a + b mod L for a, b < L.
Sc ScAdd(const Sc& a, const Sc& b);
// True when the 32 little-endian bytes are below L (Go's
// SetCanonicalBytes). Variable time: it reads the public S of a signature.
bool ScIsCanonical(const uint8_t in[32]);

}  // namespace brs::crypto::ed25519
