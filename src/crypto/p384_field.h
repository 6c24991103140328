// Arithmetic modulo the P-384 prime p = 2^384 - 2^128 - 2^96 + 2^32 - 1,
// for p384.cc (and its tests). Elements are 6×64-bit little-endian limbs in
// Montgomery form (a·R mod p, R = 2^384), always fully reduced (< p).
//
// Every function here is constant time: no branch and no memory index
// depends on an element's value. Multiplication and squaring have two
// implementations, a portable one (64×64→128 multiplications) and one with
// the MULX/ADCX/ADOX instructions (x86-64 with BMI2 and ADX, chosen at run
// time); addition and subtraction are assembly on any x86-64, portable
// elsewhere. All give identical results, and UsePortableMul lets a test
// force the portable code.
#pragma once

#include <atomic>
#include <cstdint>

namespace brs::crypto::p384 {

struct Fe {
  uint64_t v[6];
};

namespace internal {
using MulFn = void (*)(Fe&, const Fe&, const Fe&);
using SqrFn = void (*)(Fe&, const Fe&);
// The functions FeMul, FeSqr, FeAdd and FeSub call: the assembly on x86-64
// (MULX/ADX for the products when the CPU has them), else the portable code,
// chosen once at start-up (one indirect call per operation, no guard).
struct FieldImpl {
  std::atomic<MulFn> mul;
  std::atomic<SqrFn> sqr;
  std::atomic<MulFn> add, sub;
};
extern constinit FieldImpl g_field;
}  // namespace internal

// r = a·b·R^-1 mod p (Montgomery product); r may alias a or b (as may r of
// every function below).
inline void FeMul(Fe& r, const Fe& a, const Fe& b) {
  internal::g_field.mul.load(std::memory_order_relaxed)(r, a, b);
}
// r = a^2·R^-1 mod p (cheaper than FeMul(r, a, a)).
inline void FeSqr(Fe& r, const Fe& a) {
  internal::g_field.sqr.load(std::memory_order_relaxed)(r, a);
}
inline void FeAdd(Fe& r, const Fe& a, const Fe& b) {
  internal::g_field.add.load(std::memory_order_relaxed)(r, a, b);
}
inline void FeSub(Fe& r, const Fe& a, const Fe& b) {
  internal::g_field.sub.load(std::memory_order_relaxed)(r, a, b);
}
// r = a^-1 (0 for a = 0), by Fermat with a fixed addition chain for p - 2.
void FeInvert(Fe& r, const Fe& a);

// All ones when a == 0, else 0.
uint64_t FeIsZeroMask(const Fe& a);
// r = mask ? a : r, for mask all ones or 0.
void FeCopyIf(Fe& r, const Fe& a, uint64_t mask);
// r = mask ? -a : a.
void FeNegIf(Fe& r, const Fe& a, uint64_t mask);

// Montgomery constants: 1 and the curve's b.
const Fe& FeOne();
const Fe& FeCurveB();

// 48 big-endian bytes <-> Montgomery form. FeFromBytes is false (r
// untouched) when the value is not below p; that outcome is the only thing
// its timing depends on (it reads points, which are public).
bool FeFromBytes(Fe& r, const uint8_t in[48]);
void FeToBytes(const Fe& a, uint8_t out[48]);

// True when FeMul runs the MULX/ADX code.
bool FeMulUsesAdx();
// Test hook: force the portable multiplication, squaring, addition and
// subtraction (true) or go back to the CPU's best (false). Not thread safe: call it with no
// multiplication running.
void UsePortableMul(bool portable);

}  // namespace brs::crypto::p384
