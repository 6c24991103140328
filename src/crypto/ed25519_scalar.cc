#include "crypto/ed25519_scalar.h"

#include <cstring>

namespace brs::crypto::ed25519 {
namespace {

__extension__ typedef unsigned __int128 u128;

constexpr Sc kL{{0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL}};

// -L^-1 mod 2^64, by Newton's iteration (each step doubles the correct bits).
constexpr uint64_t NegInvL0() {
  uint64_t inv = 1;
  for (int i = 0; i < 7; ++i) inv *= 2 - kL.v[0] * inv;
  return 0 - inv;
}
constexpr uint64_t kN0 = NegInvL0();

// r = t - L when t >= L, else t, for t < 2L given as 4 limbs and a top limb.
Sc SubLIfAbove(const uint64_t t[4], uint64_t top) {
  Sc d;
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 x = u128(t[i]) - kL.v[i] - borrow;
    d.v[i] = static_cast<uint64_t>(x);
    borrow = static_cast<uint64_t>(x >> 64) & 1;
  }
  // t >= L exactly when the subtraction (with the top limb) did not borrow.
  const uint64_t keep_t = 0 - static_cast<uint64_t>(top < borrow);  // all ones: t < L
  Sc r;
  for (int i = 0; i < 4; ++i) r.v[i] = (t[i] & keep_t) | (d.v[i] & ~keep_t);
  return r;
}

// a·b·R^-1 mod L (CIOS), for a·b < R·L.
Sc MontMul(const Sc& a, const Sc& b) {
  uint64_t t[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    uint64_t c = 0;
    for (int j = 0; j < 4; ++j) {
      const u128 x = u128(a.v[j]) * b.v[i] + t[j] + c;
      t[j] = static_cast<uint64_t>(x);
      c = static_cast<uint64_t>(x >> 64);
    }
    u128 x = u128(t[4]) + c;
    t[4] = static_cast<uint64_t>(x);
    t[5] = static_cast<uint64_t>(x >> 64);
    const uint64_t m = t[0] * kN0;
    x = u128(m) * kL.v[0] + t[0];
    c = static_cast<uint64_t>(x >> 64);
    for (int j = 1; j < 4; ++j) {
      x = u128(m) * kL.v[j] + t[j] + c;
      t[j - 1] = static_cast<uint64_t>(x);
      c = static_cast<uint64_t>(x >> 64);
    }
    x = u128(t[4]) + c;
    t[3] = static_cast<uint64_t>(x);
    t[4] = t[5] + static_cast<uint64_t>(x >> 64);
  }
  return SubLIfAbove(t, t[4]);
}

// 2^512 mod L and 2^768 mod L, computed once (public constants).
struct Constants {
  Sc r2, r3;
  Constants() {
    uint64_t x[4] = {1, 0, 0, 0};
    for (int i = 0; i < 512; ++i) {  // x = 2x mod L
      uint64_t top = x[3] >> 63;
      for (int j = 3; j > 0; --j) x[j] = (x[j] << 1) | (x[j - 1] >> 63);
      x[0] <<= 1;
      Sc s = SubLIfAbove(x, top);
      std::memcpy(x, s.v, sizeof x);
    }
    std::memcpy(r2.v, x, sizeof x);
    r3 = MontMul(r2, r2);
  }
};
const Constants& K() {
  static const Constants k;
  return k;
}

}  // namespace

Sc ScFromBytes(const uint8_t in[32]) {
  Sc r;
  std::memcpy(r.v, in, 32);
  return r;
}

void ScToBytes(uint8_t out[32], const Sc& a) { std::memcpy(out, a.v, 32); }

Sc ScReduce64(const uint8_t in[64]) {
  const Sc lo = ScFromBytes(in), hi = ScFromBytes(in + 32);
  // lo·R + hi·R^2 = x·R (mod L), then one Montgomery step removes R.
  const Sc y = ScAdd(MontMul(lo, K().r2), MontMul(hi, K().r3));
  return MontMul(y, Sc{{1, 0, 0, 0}});
}

Sc ScToMont(const Sc& a) { return MontMul(a, K().r2); }

Sc ScMulMont(const Sc& a, const Sc& b_mont) { return MontMul(a, b_mont); }

Sc ScAdd(const Sc& a, const Sc& b) {
  uint64_t t[4], c = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 x = u128(a.v[i]) + b.v[i] + c;
    t[i] = static_cast<uint64_t>(x);
    c = static_cast<uint64_t>(x >> 64);
  }
  return SubLIfAbove(t, c);
}

bool ScIsCanonical(const uint8_t in[32]) {
  const Sc s = ScFromBytes(in);
  for (int i = 3; i >= 0; --i) {
    if (s.v[i] != kL.v[i]) return s.v[i] < kL.v[i];
  }
  return false;  // s == L
}

}  // namespace brs::crypto::ed25519
