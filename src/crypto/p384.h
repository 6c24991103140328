// Constant-time scalar multiplication on NIST P-384 with our own field
// arithmetic. OpenSSL 3.0 has no optimised P-384 (its generic ladder costs
// ~0.75 ms per multiplication, and the channel setup needs four), so
// nist_ecdh.cc uses these two functions for P-384 and keeps OpenSSL for
// parsing and validating points and for P-256.
//
// Arithmetic: 6×64-bit limbs in Montgomery form; curve constants (p, b, G)
// are read from OpenSSL's group at first use. Points in projective
// coordinates with the complete addition and doubling formulas for a = -3
// of Renes, Costello and Batina ("Complete addition formulas for prime
// order elliptic curves", 2015, Algorithms 4 and 6), so there are no
// special cases to branch on. Scalars are processed in 4-bit windows with
// constant-time table lookups; the fixed-base multiplication uses a table
// of k·16^i·G built once per process (about 200 KiB).
//
// Both functions trust their caller: the scalar must be 48 bytes in
// [1, n-1] and the point must have been validated (nist_ecdh.cc does both).
#pragma once

#include <cstdint>

namespace brs::crypto::p384 {

// out = uncompressed scalar·G (97 bytes).
void BaseMult(const uint8_t scalar[48], uint8_t out[97]);

// out_x = X coordinate of scalar·point, where point is a validated
// uncompressed point (97 bytes). False if the result is the point at
// infinity (impossible for valid inputs on this prime-order curve).
bool ScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out_x[48]);

}  // namespace brs::crypto::p384
