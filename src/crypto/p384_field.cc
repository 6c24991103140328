#include "crypto/p384_field.h"

#include <atomic>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace brs::crypto::p384 {
namespace {

__extension__ typedef unsigned __int128 u128;
constexpr int kLimbs = 6;

// p, little-endian limbs.
constexpr uint64_t kP[kLimbs] = {0x00000000ffffffff, 0xffffffff00000000, 0xfffffffffffffffe,
                                 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff};
// -p^-1 mod 2^64.
constexpr uint64_t kN0 = 0x0000000100000001;

// The curve's b (FIPS 186-4), big-endian.
constexpr uint8_t kB[48] = {0xb3, 0x31, 0x2f, 0xa7, 0xe2, 0x3e, 0xe7, 0xe4, 0x98, 0x8e, 0x05, 0x6b,
                            0xe3, 0xf8, 0x2d, 0x19, 0x18, 0x1d, 0x9c, 0x6e, 0xfe, 0x81, 0x41, 0x12,
                            0x03, 0x14, 0x08, 0x8f, 0x50, 0x13, 0x87, 0x5a, 0xc6, 0x56, 0x39, 0x8d,
                            0x8a, 0x2e, 0xd1, 0x9d, 0x2a, 0x85, 0xc8, 0xed, 0xd3, 0xec, 0x2a, 0xef};

// Add and subtract with carry: the compiler's intrinsics on x86-64 (one
// ADC/SBB each), 128-bit arithmetic elsewhere.
#if defined(__x86_64__)
inline uint8_t AddCarry(uint8_t c, uint64_t a, uint64_t b, uint64_t& out) {
  unsigned long long o;
  c = _addcarry_u64(c, a, b, &o);
  out = o;
  return c;
}
inline uint8_t SubBorrow(uint8_t c, uint64_t a, uint64_t b, uint64_t& out) {
  unsigned long long o;
  c = _subborrow_u64(c, a, b, &o);
  out = o;
  return c;
}
#else
inline uint8_t AddCarry(uint8_t c, uint64_t a, uint64_t b, uint64_t& out) {
  const u128 s = static_cast<u128>(a) + b + c;
  out = static_cast<uint64_t>(s);
  return static_cast<uint8_t>(s >> 64);
}
inline uint8_t SubBorrow(uint8_t c, uint64_t a, uint64_t b, uint64_t& out) {
  const u128 s = static_cast<u128>(a) - b - c;
  out = static_cast<uint64_t>(s);
  return static_cast<uint8_t>((s >> 64) & 1);
}
#endif

// r = t - p if t (with the extra top word `hi`) is at least p, else t.
inline void ReduceOnce(uint64_t r[kLimbs], const uint64_t t[kLimbs], uint64_t hi) {
  uint64_t d[kLimbs], top;
  uint8_t borrow = 0;
#pragma GCC unroll 6
  for (int j = 0; j < kLimbs; ++j) borrow = SubBorrow(borrow, t[j], kP[j], d[j]);
  // Keep t when hi:t < p, i.e. the subtraction borrowed beyond hi.
  const uint64_t keep = 0 - static_cast<uint64_t>(SubBorrow(borrow, hi, 0, top));
#pragma GCC unroll 6
  for (int j = 0; j < kLimbs; ++j) r[j] = (t[j] & keep) | (d[j] & ~keep);
}

// CIOS Montgomery multiplication with 128-bit products.
void MulPortable(Fe& r, const Fe& a, const Fe& b) {
  uint64_t t[kLimbs + 2] = {};
#pragma GCC unroll 8
  for (int i = 0; i < kLimbs; ++i) {
    uint64_t carry = 0;
#pragma GCC unroll 8
    for (int j = 0; j < kLimbs; ++j) {
      const u128 s = static_cast<u128>(a.v[j]) * b.v[i] + t[j] + carry;
      t[j] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    u128 s = static_cast<u128>(t[kLimbs]) + carry;
    t[kLimbs] = static_cast<uint64_t>(s);
    t[kLimbs + 1] = static_cast<uint64_t>(s >> 64);

    const uint64_t m = t[0] * kN0;
    s = static_cast<u128>(m) * kP[0] + t[0];
    carry = static_cast<uint64_t>(s >> 64);
#pragma GCC unroll 8
    for (int j = 1; j < kLimbs; ++j) {
      s = static_cast<u128>(m) * kP[j] + t[j] + carry;
      t[j - 1] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    s = static_cast<u128>(t[kLimbs]) + carry;
    t[kLimbs - 1] = static_cast<uint64_t>(s);
    t[kLimbs] = t[kLimbs + 1] + static_cast<uint64_t>(s >> 64);
  }
  ReduceOnce(r.v, t, t[kLimbs]);
}

// The square as 12 words (the products a_i·a_j, i < j, once, doubled, plus
// the squares), then the low six words Montgomery-reduced one at a time with
// their carries into the high six; the result is below 2p.
void SqrPortable(Fe& r, const Fe& a) {
  uint64_t t[2 * kLimbs] = {};
#pragma GCC unroll 6
  for (int i = 0; i < kLimbs; ++i) {
    uint64_t carry = 0;
#pragma GCC unroll 6
    for (int j = i + 1; j < kLimbs; ++j) {
      const u128 s = static_cast<u128>(a.v[i]) * a.v[j] + t[i + j] + carry;
      t[i + j] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    t[i + kLimbs] = carry;
  }
  t[2 * kLimbs - 1] = t[2 * kLimbs - 2] >> 63;
#pragma GCC unroll 12
  for (int k = 2 * kLimbs - 2; k > 0; --k) t[k] = (t[k] << 1) | (t[k - 1] >> 63);
  t[0] = 0;
  uint64_t carry = 0;
#pragma GCC unroll 6
  for (int i = 0; i < kLimbs; ++i) {
    const u128 sq = static_cast<u128>(a.v[i]) * a.v[i];
    u128 s = static_cast<u128>(static_cast<uint64_t>(sq)) + t[2 * i] + carry;
    t[2 * i] = static_cast<uint64_t>(s);
    s = static_cast<u128>(static_cast<uint64_t>(sq >> 64)) + t[2 * i + 1] + (s >> 64);
    t[2 * i + 1] = static_cast<uint64_t>(s);
    carry = static_cast<uint64_t>(s >> 64);
  }
  uint64_t extra = 0;  // the carry out of word i + 6 of the last step
#pragma GCC unroll 6
  for (int i = 0; i < kLimbs; ++i) {
    const uint64_t m = t[i] * kN0;
    uint64_t c = 0;
#pragma GCC unroll 6
    for (int j = 0; j < kLimbs; ++j) {
      const u128 s = static_cast<u128>(m) * kP[j] + t[i + j] + c;
      t[i + j] = static_cast<uint64_t>(s);
      c = static_cast<uint64_t>(s >> 64);
    }
    const u128 s = static_cast<u128>(t[i + kLimbs]) + c + extra;
    t[i + kLimbs] = static_cast<uint64_t>(s);
    extra = static_cast<uint64_t>(s >> 64);
  }
  ReduceOnce(r.v, t + kLimbs, extra);
}

void AddPortable(Fe& r, const Fe& a, const Fe& b) {
  uint64_t s[kLimbs];
  uint8_t carry = 0;
#pragma GCC unroll 6
  for (int j = 0; j < kLimbs; ++j) carry = AddCarry(carry, a.v[j], b.v[j], s[j]);
  ReduceOnce(r.v, s, carry);
}

void SubPortable(Fe& r, const Fe& a, const Fe& b) {
  uint64_t d[kLimbs];
  uint8_t borrow = 0;
#pragma GCC unroll 6
  for (int j = 0; j < kLimbs; ++j) borrow = SubBorrow(borrow, a.v[j], b.v[j], d[j]);
  const uint64_t mask = 0 - static_cast<uint64_t>(borrow);
  uint8_t carry = 0;
#pragma GCC unroll 6
  for (int j = 0; j < kLimbs; ++j) carry = AddCarry(carry, d[j], kP[j] & mask, r.v[j]);
}

}  // namespace

// Defined in p384_field_adx.cc (x86-64 only).
#if defined(__x86_64__)
void MulAdx(Fe& r, const Fe& a, const Fe& b);
void SqrAdx(Fe& r, const Fe& a);
void AddAsm(Fe& r, const Fe& a, const Fe& b);
void SubAsm(Fe& r, const Fe& a, const Fe& b);
namespace {
// CPUID leaf 7, EBX: BMI2 is bit 8, ADX bit 19 (clang's
// __builtin_cpu_supports does not know "adx").
bool CpuHasAdx() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  return (b & (1u << 8)) != 0 && (b & (1u << 19)) != 0;
}
}  // namespace
#endif

namespace {

void Select(internal::FieldImpl& impl, bool portable) {
  impl.mul.store(MulPortable, std::memory_order_relaxed);
  impl.sqr.store(SqrPortable, std::memory_order_relaxed);
  impl.add.store(AddPortable, std::memory_order_relaxed);
  impl.sub.store(SubPortable, std::memory_order_relaxed);
#if defined(__x86_64__)
  if (portable) return;
  impl.add.store(AddAsm, std::memory_order_relaxed);
  impl.sub.store(SubAsm, std::memory_order_relaxed);
  if (CpuHasAdx()) {
    impl.mul.store(MulAdx, std::memory_order_relaxed);
    impl.sqr.store(SqrAdx, std::memory_order_relaxed);
  }
#else
  (void)portable;
#endif
}

struct Constants {
  Fe one;  // R mod p
  Fe r2;   // R^2 mod p
  Fe b;
};

}  // namespace

namespace internal {
// The portable code until the CPU's best is selected, during the dynamic
// initialisation below (a call from another file's static initialiser before
// that runs the portable code, with the same results).
constinit FieldImpl g_field{MulPortable, SqrPortable, AddPortable, SubPortable};
namespace {
[[maybe_unused]] const bool kSelected = (Select(g_field, false), true);
}  // namespace
}  // namespace internal

bool FeMulUsesAdx() { return internal::g_field.mul.load() != MulPortable; }

void UsePortableMul(bool portable) { Select(internal::g_field, portable); }

uint64_t FeIsZeroMask(const Fe& a) {
  uint64_t acc = 0;
  for (uint64_t w : a.v) acc |= w;
  return 0 - (((acc | (0 - acc)) >> 63) ^ 1);
}

void FeCopyIf(Fe& r, const Fe& a, uint64_t mask) {
  for (int j = 0; j < kLimbs; ++j) r.v[j] = (r.v[j] & ~mask) | (a.v[j] & mask);
}

void FeNegIf(Fe& r, const Fe& a, uint64_t mask) {
  Fe neg;
  const Fe zero{};
  FeSub(neg, zero, a);
  r = a;
  FeCopyIf(r, neg, mask);
}

namespace {

// r = a^(2^k - 1)-style building block: r = a^(2^n) · b.
void SqrNMul(Fe& r, const Fe& a, int n, const Fe& b) {
  Fe t = a;
  for (int i = 0; i < n; ++i) FeSqr(t, t);
  FeMul(r, t, b);
}

Fe BytesToPlain(const uint8_t in[48]) {
  Fe r;
  for (int j = 0; j < kLimbs; ++j) {
    uint64_t w = 0;
    for (int k = 0; k < 8; ++k) w = (w << 8) | in[(kLimbs - 1 - j) * 8 + k];
    r.v[j] = w;
  }
  return r;
}

Constants MakeConstants() {
  Constants c{};
  // R mod p = 2^384 - p = ~p + 1 (p > 2^383); R^2 = R·2^384 by 384 doublings.
  uint64_t carry = 1;
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(~kP[j]) + carry;
    c.one.v[j] = static_cast<uint64_t>(x);
    carry = static_cast<uint64_t>(x >> 64);
  }
  c.r2 = c.one;
  for (int i = 0; i < 384; ++i) AddPortable(c.r2, c.r2, c.r2);
  MulPortable(c.b, BytesToPlain(kB), c.r2);
  return c;
}

const Constants& TheConstants() {
  static const Constants c = MakeConstants();
  return c;
}

}  // namespace

// p - 2 = 1^255 0 1^32 0^64 1^30 0 1 (bits from the top), so with
// x_k = a^(2^k - 1): a^(p-2) = ((((x255)^(2^33) x32)^(2^94) x30)^(2^2)) a.
void FeInvert(Fe& r, const Fe& a) {
  Fe x2, x3, x6, x12, x15, x30, x32, x60, x120, x240, x255, t;
  SqrNMul(x2, a, 1, a);
  SqrNMul(x3, x2, 1, a);
  SqrNMul(x6, x3, 3, x3);
  SqrNMul(x12, x6, 6, x6);
  SqrNMul(x15, x12, 3, x3);
  SqrNMul(x30, x15, 15, x15);
  SqrNMul(x32, x30, 2, x2);
  SqrNMul(x60, x30, 30, x30);
  SqrNMul(x120, x60, 60, x60);
  SqrNMul(x240, x120, 120, x120);
  SqrNMul(x255, x240, 15, x15);
  SqrNMul(t, x255, 33, x32);
  SqrNMul(t, t, 94, x30);
  SqrNMul(r, t, 2, a);
}

const Fe& FeOne() { return TheConstants().one; }
const Fe& FeCurveB() { return TheConstants().b; }

bool FeFromBytes(Fe& r, const uint8_t in[48]) {
  const Fe plain = BytesToPlain(in);
  uint64_t borrow = 0;
  for (int j = 0; j < kLimbs; ++j) {
    const u128 s = static_cast<u128>(plain.v[j]) - kP[j] - borrow;
    borrow = static_cast<uint64_t>(s >> 64) & 1;
  }
  if (borrow == 0) return false;  // plain >= p
  FeMul(r, plain, TheConstants().r2);
  return true;
}

void FeToBytes(const Fe& a, uint8_t out[48]) {
  Fe one_plain{};
  one_plain.v[0] = 1;
  Fe plain;
  FeMul(plain, a, one_plain);
  for (int j = 0; j < kLimbs; ++j) {
    for (int k = 0; k < 8; ++k) {
      out[(kLimbs - 1 - j) * 8 + k] = static_cast<uint8_t>(plain.v[j] >> (56 - 8 * k));
    }
  }
}

}  // namespace brs::crypto::p384
