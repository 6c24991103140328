// Arithmetic modulo p = 2^255 - 19 for ed25519.cc: elements are five
// 51-bit limbs (value = sum v[i]·2^(51i)), products through unsigned
// __int128. Every operation leaves each limb below 2^52 ("carried"), which
// is what every input may have; only FeToBytes reduces fully.
//
// Every function here is constant time: no branch and no memory index
// depends on an element's value.
#pragma once

#include <cstdint>
#include <cstring>

namespace brs::crypto::ed25519 {

struct Fe {
  uint64_t v[5];
};

__extension__ typedef unsigned __int128 u128;
inline constexpr uint64_t kMask51 = (uint64_t{1} << 51) - 1;

inline void FeCarry(Fe& r) {
  uint64_t c;
  c = r.v[0] >> 51, r.v[0] &= kMask51, r.v[1] += c;
  c = r.v[1] >> 51, r.v[1] &= kMask51, r.v[2] += c;
  c = r.v[2] >> 51, r.v[2] &= kMask51, r.v[3] += c;
  c = r.v[3] >> 51, r.v[3] &= kMask51, r.v[4] += c;
  c = r.v[4] >> 51, r.v[4] &= kMask51, r.v[0] += 19 * c;
}

inline void FeZero(Fe& r) { r = Fe{{0, 0, 0, 0, 0}}; }
inline void FeOne(Fe& r) { r = Fe{{1, 0, 0, 0, 0}}; }
inline void FeFromU64(Fe& r, uint64_t small) {  // small < 2^51
  r = Fe{{small, 0, 0, 0, 0}};
}

inline void FeAdd(Fe& r, const Fe& a, const Fe& b) {
  for (int i = 0; i < 5; ++i) r.v[i] = a.v[i] + b.v[i];
  FeCarry(r);
}

// a - b + 4p, limb by limb (4p's limbs exceed any carried limb).
inline void FeSub(Fe& r, const Fe& a, const Fe& b) {
  constexpr uint64_t k4p0 = (uint64_t{1} << 53) - 76;
  constexpr uint64_t k4pi = (uint64_t{1} << 53) - 4;
  r.v[0] = a.v[0] + k4p0 - b.v[0];
  for (int i = 1; i < 5; ++i) r.v[i] = a.v[i] + k4pi - b.v[i];
  FeCarry(r);
}

inline void FeNeg(Fe& r, const Fe& a) {
  Fe zero;
  FeZero(zero);
  FeSub(r, zero, a);
}

// Carries a 5×128-bit product back into limbs.
inline void FeReduceWide(Fe& r, u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
  uint64_t c;
  t1 += static_cast<uint64_t>(t0 >> 51);
  r.v[0] = static_cast<uint64_t>(t0) & kMask51;
  t2 += static_cast<uint64_t>(t1 >> 51);
  r.v[1] = static_cast<uint64_t>(t1) & kMask51;
  t3 += static_cast<uint64_t>(t2 >> 51);
  r.v[2] = static_cast<uint64_t>(t2) & kMask51;
  t4 += static_cast<uint64_t>(t3 >> 51);
  r.v[3] = static_cast<uint64_t>(t3) & kMask51;
  c = static_cast<uint64_t>(t4 >> 51);
  r.v[4] = static_cast<uint64_t>(t4) & kMask51;
  r.v[0] += c * 19;
  c = r.v[0] >> 51;
  r.v[0] &= kMask51;
  r.v[1] += c;
}

inline void FeMul(Fe& r, const Fe& a, const Fe& b) {
  const uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const uint64_t b0 = b.v[0], b1 = b.v[1], b2 = b.v[2], b3 = b.v[3], b4 = b.v[4];
  const uint64_t b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
  const u128 t0 =
      u128(a0) * b0 + u128(a1) * b4_19 + u128(a2) * b3_19 + u128(a3) * b2_19 + u128(a4) * b1_19;
  const u128 t1 =
      u128(a0) * b1 + u128(a1) * b0 + u128(a2) * b4_19 + u128(a3) * b3_19 + u128(a4) * b2_19;
  const u128 t2 =
      u128(a0) * b2 + u128(a1) * b1 + u128(a2) * b0 + u128(a3) * b4_19 + u128(a4) * b3_19;
  const u128 t3 = u128(a0) * b3 + u128(a1) * b2 + u128(a2) * b1 + u128(a3) * b0 + u128(a4) * b4_19;
  const u128 t4 = u128(a0) * b4 + u128(a1) * b3 + u128(a2) * b2 + u128(a3) * b1 + u128(a4) * b0;
  FeReduceWide(r, t0, t1, t2, t3, t4);
}

inline void FeSqr(Fe& r, const Fe& a) {
  const uint64_t a0 = a.v[0], a1 = a.v[1], a2 = a.v[2], a3 = a.v[3], a4 = a.v[4];
  const uint64_t d0 = 2 * a0, d1 = 2 * a1, a3_19 = 19 * a3, a4_19 = 19 * a4;
  const u128 t0 = u128(a0) * a0 + u128(d1) * a4_19 + u128(2 * a2) * a3_19;
  const u128 t1 = u128(d0) * a1 + u128(2 * a2) * a4_19 + u128(a3) * a3_19;
  const u128 t2 = u128(d0) * a2 + u128(a1) * a1 + u128(2 * a3) * a4_19;
  const u128 t3 = u128(d0) * a3 + u128(d1) * a2 + u128(a4) * a4_19;
  const u128 t4 = u128(d0) * a4 + u128(d1) * a3 + u128(a2) * a2;
  FeReduceWide(r, t0, t1, t2, t3, t4);
}

// r = a^(2^n), n >= 1.
inline void FeSqrN(Fe& r, const Fe& a, int n) {
  FeSqr(r, a);
  for (int i = 1; i < n; ++i) FeSqr(r, r);
}

// r = mask ? a : r, for mask all ones or 0.
inline void FeCopyIf(Fe& r, const Fe& a, uint64_t mask) {
  for (int i = 0; i < 5; ++i) r.v[i] ^= mask & (r.v[i] ^ a.v[i]);
}

// Little-endian 32 bytes; the top bit is ignored and values from p to
// 2^255 - 1 are accepted (as their residue), as RFC 7748 and Go do.
inline void FeFromBytes(Fe& r, const uint8_t in[32]) {
  auto load = [&](int at) {
    uint64_t w;
    std::memcpy(&w, in + at, 8);
    return w;  // x86-64 and every target we build for are little-endian
  };
  r.v[0] = load(0) & kMask51;
  r.v[1] = (load(6) >> 3) & kMask51;
  r.v[2] = (load(12) >> 6) & kMask51;
  r.v[3] = (load(19) >> 1) & kMask51;
  r.v[4] = (load(24) >> 12) & kMask51;
}

// The canonical encoding (fully reduced, below p).
inline void FeToBytes(uint8_t out[32], const Fe& a) {
  Fe t = a;
  FeCarry(t);
  FeCarry(t);
  // t < 2p now; q = 1 exactly when t >= p, i.e. when t + 19 >= 2^255.
  uint64_t q = (t.v[0] + 19) >> 51;
  q = (t.v[1] + q) >> 51;
  q = (t.v[2] + q) >> 51;
  q = (t.v[3] + q) >> 51;
  q = (t.v[4] + q) >> 51;
  t.v[0] += 19 * q;
  uint64_t c;
  c = t.v[0] >> 51, t.v[0] &= kMask51, t.v[1] += c;
  c = t.v[1] >> 51, t.v[1] &= kMask51, t.v[2] += c;
  c = t.v[2] >> 51, t.v[2] &= kMask51, t.v[3] += c;
  c = t.v[3] >> 51, t.v[3] &= kMask51, t.v[4] += c;
  t.v[4] &= kMask51;  // drops 2^255 (q·2^255 - q·p = 19q was added)
  const uint64_t w[4] = {t.v[0] | (t.v[1] << 51), (t.v[1] >> 13) | (t.v[2] << 38),
                         (t.v[2] >> 26) | (t.v[3] << 25), (t.v[3] >> 39) | (t.v[4] << 12)};
  std::memcpy(out, w, 32);
}

// All ones when a ≡ 0 (mod p), else 0.
inline uint64_t FeIsZeroMask(const Fe& a) {
  uint8_t b[32];
  FeToBytes(b, a);
  uint64_t acc = 0;
  for (uint8_t x : b) acc |= x;
  return ((acc | (0 - acc)) >> 63) - 1;
}

// The low bit of the canonical encoding ("negative" in RFC 8032).
inline uint64_t FeIsNegative(const Fe& a) {
  uint8_t b[32];
  FeToBytes(b, a);
  return b[0] & 1;
}

// r = a^(p-2) = a^-1 (0 for 0), and r = a^((p-5)/8); fixed chains.
void FeInvert(Fe& r, const Fe& a);
void FePow22523(Fe& r, const Fe& a);

}  // namespace brs::crypto::ed25519
