#include "crypto/p384.h"

#include <cstring>
#include <vector>

#include "base/secret.h"
#include "crypto/p384_field.h"

namespace brs::crypto::p384 {
namespace {

__extension__ typedef unsigned __int128 u128;

struct Jac {
  Fe x, y, z;
};
struct Aff {
  Fe x, y;
};

constexpr int kDigits = 77;   // 5-bit signed digits of a 384-bit odd scalar
constexpr int kEntries = 16;  // odd multiples 1, 3, …, 31

// The group order n, little-endian limbs.
constexpr uint64_t kN[6] = {0xecec196accc52973, 0x581a0db248b0a77a, 0xc7634d81f4372ddf,
                            0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff};

constexpr uint8_t kGx[48] = {
    0xaa, 0x87, 0xca, 0x22, 0xbe, 0x8b, 0x05, 0x37, 0x8e, 0xb1, 0xc7, 0x1e, 0xf3, 0x20, 0xad, 0x74,
    0x6e, 0x1d, 0x3b, 0x62, 0x8b, 0xa7, 0x9b, 0x98, 0x59, 0xf7, 0x41, 0xe0, 0x82, 0x54, 0x2a, 0x38,
    0x55, 0x02, 0xf2, 0x5d, 0xbf, 0x55, 0x29, 0x6c, 0x3a, 0x54, 0x5e, 0x38, 0x72, 0x76, 0x0a, 0xb7};
constexpr uint8_t kGy[48] = {
    0x36, 0x17, 0xde, 0x4a, 0x96, 0x26, 0x2c, 0x6f, 0x5d, 0x9e, 0x98, 0xbf, 0x92, 0x92, 0xdc, 0x29,
    0xf8, 0xf4, 0x1d, 0xbd, 0x28, 0x9a, 0x14, 0x7c, 0xe9, 0xda, 0x31, 0x13, 0xb5, 0xf0, 0xb8, 0xc0,
    0x0a, 0x60, 0xb1, 0xce, 0x1d, 0x7e, 0x81, 0x9d, 0x7a, 0x43, 0x1d, 0x7c, 0x90, 0xea, 0x0e, 0x5f};

// ---- Point formulas (a = -3) -----------------------------------------------

// dbl-2001-b: 3M + 5S. r may alias p. The identity (z = 0) stays the identity.
void Double(Jac& r, const Jac& p) {
  Fe delta, gamma, beta, alpha, t0, t1, x3, z3;
  FeSqr(delta, p.z);
  FeSqr(gamma, p.y);
  FeMul(beta, p.x, gamma);
  FeSub(t0, p.x, delta);
  FeAdd(t1, p.x, delta);
  FeMul(alpha, t0, t1);
  FeAdd(t0, alpha, alpha);
  FeAdd(alpha, alpha, t0);  // 3(x - delta)(x + delta)
  FeAdd(t0, p.y, p.z);
  FeSqr(t0, t0);
  FeSub(t0, t0, gamma);
  FeSub(z3, t0, delta);  // (y + z)^2 - gamma - delta = 2yz
  FeAdd(t1, beta, beta);
  FeAdd(t1, t1, t1);  // 4 beta
  FeSqr(x3, alpha);
  FeSub(x3, x3, t1);
  FeSub(x3, x3, t1);  // alpha^2 - 8 beta
  FeSub(t1, t1, x3);
  FeMul(t1, alpha, t1);
  FeSqr(gamma, gamma);
  FeAdd(gamma, gamma, gamma);
  FeAdd(gamma, gamma, gamma);
  FeAdd(gamma, gamma, gamma);  // 8 gamma^2
  FeSub(r.y, t1, gamma);       // alpha(4 beta - x3) - 8 gamma^2
  r.x = x3;
  r.z = z3;
}

// The common tail of both additions: from h = u2 - u1 and s = s2 - s1,
// x3 = r^2 - j - 2v, y3 = r(v - x3) - 2 s1 j with i = 4h^2, j = h·i,
// r = 2s, v = u1·i. Returns all ones when h = s = 0 (equal inputs).
uint64_t AddTail(Jac& out, const Fe& h, const Fe& s, const Fe& u1, const Fe& s1) {
  Fe i, j, r, v, t;
  const uint64_t equal = FeIsZeroMask(h) & FeIsZeroMask(s);
  FeAdd(t, h, h);
  FeSqr(i, t);
  FeMul(j, h, i);
  FeAdd(r, s, s);
  FeMul(v, u1, i);
  FeSqr(out.x, r);
  FeSub(out.x, out.x, j);
  FeSub(out.x, out.x, v);
  FeSub(out.x, out.x, v);
  FeSub(t, v, out.x);
  FeMul(t, r, t);
  FeMul(j, s1, j);
  FeAdd(j, j, j);
  FeSub(out.y, t, j);
  return equal;
}

// add-2007-bl: 11M + 5S; out = a + b for a != ±b, neither the identity.
// Returns all ones when a == b (out is then wrong). out may alias a or b.
uint64_t Add(Jac& out, const Jac& a, const Jac& b) {
  Fe z1z1, z2z2, u1, u2, s1, s2, h, s, z3;
  FeSqr(z1z1, a.z);
  FeSqr(z2z2, b.z);
  FeMul(u1, a.x, z2z2);
  FeMul(u2, b.x, z1z1);
  FeMul(s1, a.y, b.z);
  FeMul(s1, s1, z2z2);
  FeMul(s2, b.y, a.z);
  FeMul(s2, s2, z1z1);
  FeSub(h, u2, u1);
  FeSub(s, s2, s1);
  FeAdd(z3, a.z, b.z);
  FeSqr(z3, z3);
  FeSub(z3, z3, z1z1);
  FeSub(z3, z3, z2z2);
  FeMul(z3, z3, h);  // 2 z1 z2 h
  const uint64_t equal = AddTail(out, h, s, u1, s1);
  out.z = z3;
  return equal;
}

// madd-2007-bl: 7M + 4S; out = a + b for an affine b, under Add's conditions.
uint64_t AddMixed(Jac& out, const Jac& a, const Aff& b) {
  Fe z1z1, u2, s2, h, s, z3;
  FeSqr(z1z1, a.z);
  FeMul(u2, b.x, z1z1);
  FeMul(s2, b.y, a.z);
  FeMul(s2, s2, z1z1);
  FeSub(h, u2, a.x);
  FeSub(s, s2, a.y);
  FeAdd(z3, a.z, h);
  FeSqr(z3, z3);
  FeSub(z3, z3, z1z1);
  FeSqr(u2, h);
  FeSub(z3, z3, u2);  // 2 z1 h
  const Fe u1 = a.x, s1 = a.y;
  const uint64_t equal = AddTail(out, h, s, u1, s1);
  out.z = z3;
  return equal;
}

void CopyIf(Jac& r, const Jac& a, uint64_t mask) {
  FeCopyIf(r.x, a.x, mask);
  FeCopyIf(r.y, a.y, mask);
  FeCopyIf(r.z, a.z, mask);
}

// The last addition of a multiplication, where a == b can happen: also
// doubles b, and keeps the doubling when the inputs were equal.
void AddLast(Jac& acc, const Jac& b) {
  Jac dbl;
  Double(dbl, b);
  CopyIf(acc, dbl, Add(acc, acc, b));
  SecureWipe(&dbl, sizeof(dbl));
}

void AddMixedLast(Jac& acc, const Aff& b) {
  Jac dbl{b.x, b.y, FeOne()};
  Double(dbl, dbl);
  CopyIf(acc, dbl, AddMixed(acc, acc, b));
  SecureWipe(&dbl, sizeof(dbl));
}

// ---- Scalars ----------------------------------------------------------------

struct Recoded {
  int64_t digit[kDigits];
  uint64_t negate;  // all ones when the scalar was even (we use n - k)
};

// k (big-endian, in [1, n-1]) made odd and written as sum d_i·32^i: with
// K odd, d_i = ((K >> 5i) & 63 | 1) - 32 for i < 76 and d_76 = (K >> 380) | 1
// (from K_0 = K, d_i = (K_i & 63) - 32, K_{i+1} = (K_i - d_i) / 32, which is
// (K_i >> 5) | 1).
void Recode(const uint8_t scalar[48], Recoded& r) {
  uint64_t k[6], nk[6];
  for (int j = 0; j < 6; ++j) {
    uint64_t w = 0;
    for (int b = 0; b < 8; ++b) w = (w << 8) | scalar[(5 - j) * 8 + b];
    k[j] = w;
  }
  uint64_t borrow = 0;
  for (int j = 0; j < 6; ++j) {
    const u128 s = static_cast<u128>(kN[j]) - k[j] - borrow;
    nk[j] = static_cast<uint64_t>(s);
    borrow = static_cast<uint64_t>(s >> 64) & 1;
  }
  r.negate = (k[0] & 1) - 1;
  for (int j = 0; j < 6; ++j) k[j] = (k[j] & ~r.negate) | (nk[j] & r.negate);
  for (int i = 0; i < kDigits; ++i) {
    const int bit = 5 * i, word = bit / 64, shift = bit % 64;
    uint64_t w = k[word] >> shift;
    if (shift > 58 && word < 5) w |= k[word + 1] << (64 - shift);
    const uint64_t bits = i < kDigits - 1 ? (w & 63) | 1 : (w & 15) | 1;
    r.digit[i] = i < kDigits - 1 ? static_cast<int64_t>(bits) - 32 : static_cast<int64_t>(bits);
  }
  SecureWipe(k, sizeof(k));
  SecureWipe(nk, sizeof(nk));
}

// out = digit·P from a table of P, 3P, …, 31P (digit odd, |digit| <= 31),
// reading every entry; two words at a time (GCC's vector extension: SSE2 on
// x86-64), accumulated in registers.
template <typename Point>
void Lookup(Point& out, const Point table[kEntries], int64_t digit) {
  typedef uint64_t V2 __attribute__((vector_size(16)));
  constexpr size_t kVectors = sizeof(Point) / 16;
  static_assert(sizeof(Point) % 16 == 0);
  const uint64_t sign = static_cast<uint64_t>(digit >> 63);
  const uint64_t index = ((static_cast<uint64_t>(digit) ^ sign) - sign) >> 1;
  V2 acc[kVectors] = {};
  for (uint64_t e = 0; e < kEntries; ++e) {
    const uint64_t m = 0 - (((e ^ index) - 1) >> 63);
    const V2 mask = {m, m};
    const auto* src = reinterpret_cast<const unsigned char*>(&table[e]);
#pragma GCC unroll 9
    for (size_t w = 0; w < kVectors; ++w) {
      V2 v;
      std::memcpy(&v, src + 16 * w, 16);
      acc[w] |= v & mask;
    }
  }
  std::memcpy(&out, acc, sizeof(out));
  SecureWipe(acc, sizeof(acc));
  FeNegIf(out.y, out.y, sign);
}

// ---- Multiplications --------------------------------------------------------

bool Decode(Aff& p, const uint8_t point[97]) {
  return point[0] == 0x04 && FeFromBytes(p.x, point + 1) && FeFromBytes(p.y, point + 49);
}

// table[i][j] = (2j+1)·32^i·G, affine.
struct Comb {
  Aff t[kDigits][kEntries];
};

void ToAffineBatch(const std::vector<Jac>& in, Aff* out) {
  std::vector<Fe> prefix(in.size());
  prefix[0] = in[0].z;
  for (size_t k = 1; k < in.size(); ++k) FeMul(prefix[k], prefix[k - 1], in[k].z);
  Fe inv, zinv, zinv2;
  FeInvert(inv, prefix.back());
  for (size_t k = in.size(); k-- > 0;) {
    if (k > 0) {
      FeMul(zinv, inv, prefix[k - 1]);
      FeMul(inv, inv, in[k].z);
    } else {
      zinv = inv;
    }
    FeSqr(zinv2, zinv);
    FeMul(out[k].x, in[k].x, zinv2);
    FeMul(zinv2, zinv2, zinv);
    FeMul(out[k].y, in[k].y, zinv2);
  }
}

const Comb& TheComb() {
  static const Comb* comb = [] {
    std::vector<Jac> points(kDigits * kEntries);
    Jac base{};
    FeFromBytes(base.x, kGx);
    FeFromBytes(base.y, kGy);
    base.z = FeOne();
    for (int i = 0; i < kDigits; ++i) {
      Jac twice;
      Double(twice, base);
      Jac* row = &points[i * kEntries];
      row[0] = base;
      for (int j = 1; j < kEntries; ++j) Add(row[j], row[j - 1], twice);
      for (int d = 0; d < 5; ++d) Double(base, base);
    }
    auto* c = new Comb;
    ToAffineBatch(points, &c->t[0][0]);
    return c;
  }();
  return *comb;
}

void BaseMultJac(const uint8_t scalar[48], Jac& acc) {
  const Comb& comb = TheComb();
  Recoded r;
  Recode(scalar, r);
  Aff sel;
  Lookup(sel, comb.t[0], r.digit[0]);
  acc = Jac{sel.x, sel.y, FeOne()};
  for (int i = 1; i < kDigits - 1; ++i) {
    Lookup(sel, comb.t[i], r.digit[i]);
    AddMixed(acc, acc, sel);
  }
  Lookup(sel, comb.t[kDigits - 1], r.digit[kDigits - 1]);
  AddMixedLast(acc, sel);
  FeNegIf(acc.y, acc.y, r.negate);
  SecureWipe(&r, sizeof(r));
  SecureWipe(&sel, sizeof(sel));
}

void ScalarMultJac(const uint8_t scalar[48], const Aff& p, Jac& acc) {
  Jac table[kEntries], twice, sel;
  table[0] = Jac{p.x, p.y, FeOne()};
  Double(twice, table[0]);
  for (int j = 1; j < kEntries; ++j) Add(table[j], table[j - 1], twice);
  Recoded r;
  Recode(scalar, r);
  Lookup(acc, table, r.digit[kDigits - 1]);
  for (int i = kDigits - 2; i >= 0; --i) {
    for (int d = 0; d < 5; ++d) Double(acc, acc);
    Lookup(sel, table, r.digit[i]);
    if (i > 0) {
      Add(acc, acc, sel);
    } else {
      AddLast(acc, sel);
    }
  }
  FeNegIf(acc.y, acc.y, r.negate);
  SecureWipe(&r, sizeof(r));
  SecureWipe(&sel, sizeof(sel));
  SecureWipe(table, sizeof(table));
}

// x (and y unless null) of p, given zinv = 1/z.
void ToAffineBytes(const Jac& p, const Fe& zinv, uint8_t* x_out, uint8_t* y_out) {
  Fe zinv2, t;
  FeSqr(zinv2, zinv);
  FeMul(t, p.x, zinv2);
  FeToBytes(t, x_out);
  if (y_out != nullptr) {
    FeMul(zinv2, zinv2, zinv);
    FeMul(t, p.y, zinv2);
    FeToBytes(t, y_out);
  }
  SecureWipe(&t, sizeof(t));
}

}  // namespace

bool IsValidPoint(const uint8_t point[97]) {
  Aff p;
  if (!Decode(p, point)) return false;
  Fe lhs, rhs, t;
  FeSqr(lhs, p.y);
  FeSqr(rhs, p.x);
  FeMul(rhs, rhs, p.x);
  FeAdd(t, p.x, p.x);
  FeAdd(t, t, p.x);
  FeSub(rhs, rhs, t);
  FeAdd(rhs, rhs, FeCurveB());
  FeSub(t, lhs, rhs);
  return FeIsZeroMask(t) != 0;
}

void BaseMult(const uint8_t scalar[48], uint8_t out[97]) {
  Jac acc;
  BaseMultJac(scalar, acc);
  Fe zinv;
  FeInvert(zinv, acc.z);
  out[0] = 0x04;
  ToAffineBytes(acc, zinv, out + 1, out + 49);
  SecureWipe(&acc, sizeof(acc));
}

bool ScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out_x[48]) {
  Aff p;
  if (!Decode(p, point)) return false;
  Jac acc;
  ScalarMultJac(scalar, p, acc);
  const bool ok = FeIsZeroMask(acc.z) == 0;
  Fe zinv;
  FeInvert(zinv, acc.z);
  if (ok) ToAffineBytes(acc, zinv, out_x, nullptr);
  SecureWipe(&acc, sizeof(acc));
  return ok;
}

bool BaseMultAndScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out[97],
                            uint8_t out_x[48]) {
  Aff p;
  if (!Decode(p, point)) return false;
  Jac pub, shared;
  BaseMultJac(scalar, pub);
  ScalarMultJac(scalar, p, shared);
  const bool ok = FeIsZeroMask(shared.z) == 0;
  // One inversion for both: 1/(z1 z2), then 1/z1 = z2/(z1 z2) and back.
  Fe both, inv, zinv;
  FeMul(both, pub.z, shared.z);
  FeInvert(inv, both);
  FeMul(zinv, inv, shared.z);
  out[0] = 0x04;
  ToAffineBytes(pub, zinv, out + 1, out + 49);
  FeMul(zinv, inv, pub.z);
  if (ok) ToAffineBytes(shared, zinv, out_x, nullptr);
  SecureWipe(&pub, sizeof(pub));
  SecureWipe(&shared, sizeof(shared));
  return ok;
}

}  // namespace brs::crypto::p384
