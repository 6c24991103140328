// Constant-time scalar multiplication on NIST P-384 with our own field
// arithmetic (p384_field.h). OpenSSL 3.0 has no optimised P-384 (its
// generic ladder costs ~0.75 ms per multiplication, and the channel setup
// needs four), so nist_ecdh.cc uses these functions for P-384 and keeps
// OpenSSL for P-256.
//
// Points in Jacobian coordinates (a = -3 doubling, 3M+5S; addition 11M+5S;
// mixed addition with an affine point 7M+4S). A scalar k in [1, n-1] is
// made odd (n - k when k is even, negating the result), then written with
// 77 signed odd digits of 5 bits (k = sum d_i·32^i, d_i odd in [-31, 31],
// d_76 in [1, 15]), so no digit is zero and no table entry is the identity.
// Table entries are read with constant-time lookups (every entry is read,
// the sign applied with a mask).
//   - variable base: a table of the odd multiples P, 3P, …, 31P; 375
//     doublings and 76 additions;
//   - fixed base: a comb of affine points (2j+1)·32^i·G (77 × 16 entries,
//     118 KiB, built once per process), 76 mixed additions, no doubling.
// The partial sums of this recoding are odd and below n in absolute value,
// so the addition formulas' exceptional cases (equal or opposite inputs, the
// identity) cannot occur, except in the last addition; that one computes the
// doubling too and selects it, in constant time, when the inputs are equal.
//
// The multiplications trust their caller: the scalar must be 48 bytes in
// [1, n-1] and the point must have passed IsValidPoint (nist_ecdh.cc does
// both).
#pragma once

#include <cstdint>

namespace brs::crypto::p384 {

// True when `point` (97 bytes) is 0x04 ‖ X ‖ Y with X, Y < p and
// Y^2 = X^3 - 3X + b. (An affine point on the curve is never the identity.)
bool IsValidPoint(const uint8_t point[97]);

// out = uncompressed scalar·G (97 bytes).
void BaseMult(const uint8_t scalar[48], uint8_t out[97]);

// out_x = X coordinate of scalar·point. False if the point does not decode
// or the result is the identity (neither happens for valid inputs).
bool ScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out_x[48]);

// BaseMult and ScalarMultX with the same scalar (an ephemeral ECDH key and
// its shared secret), sharing one field inversion.
bool BaseMultAndScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out[97],
                            uint8_t out_x[48]);

}  // namespace brs::crypto::p384
