#include "crypto/p384.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <cstdlib>
#include <cstring>

#include "base/secret.h"

namespace brs::crypto::p384 {
namespace {

__extension__ typedef unsigned __int128 u128;
constexpr int kLimbs = 6;

struct Fe {
  uint64_t v[kLimbs];
};

struct Point {
  Fe x, y, z;
};

// Curve constants, Montgomery form where it applies.
struct Curve {
  Fe p;          // the prime (plain)
  uint64_t n0;   // -p^-1 mod 2^64
  Fe r2;         // R^2 mod p, R = 2^384
  Fe one;        // R mod p (Montgomery 1)
  Fe b;          // curve b
  Fe gx, gy;     // generator
  Fe p_minus_2;  // exponent for inversion (plain)
};

// ---- Field arithmetic ------------------------------------------------------

// r = a·b·R^-1 mod p (CIOS Montgomery multiplication), fully reduced.
void Mul(const Curve& c, Fe& r, const Fe& a, const Fe& b) {
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

    const uint64_t m = t[0] * c.n0;
    s = static_cast<u128>(m) * c.p.v[0] + t[0];
    carry = static_cast<uint64_t>(s >> 64);
#pragma GCC unroll 8
    for (int j = 1; j < kLimbs; ++j) {
      s = static_cast<u128>(m) * c.p.v[j] + t[j] + carry;
      t[j - 1] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
    s = static_cast<u128>(t[kLimbs]) + carry;
    t[kLimbs - 1] = static_cast<uint64_t>(s);
    t[kLimbs] = t[kLimbs + 1] + static_cast<uint64_t>(s >> 64);
  }
  // t < 2p: subtract p when t >= p, without branching.
  Fe d;
  uint64_t borrow = 0;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) {
    const u128 s = static_cast<u128>(t[j]) - c.p.v[j] - borrow;
    d.v[j] = static_cast<uint64_t>(s);
    borrow = static_cast<uint64_t>(s >> 64) & 1;
  }
  const uint64_t keep_t = static_cast<uint64_t>(t[kLimbs] < borrow);  // t < p
  const uint64_t mask = 0 - keep_t;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) r.v[j] = (t[j] & mask) | (d.v[j] & ~mask);
}

void Add(const Curve& c, Fe& r, const Fe& a, const Fe& b) {
  Fe s;
  uint64_t carry = 0;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(a.v[j]) + b.v[j] + carry;
    s.v[j] = static_cast<uint64_t>(x);
    carry = static_cast<uint64_t>(x >> 64);
  }
  Fe d;
  uint64_t borrow = 0;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(s.v[j]) - c.p.v[j] - borrow;
    d.v[j] = static_cast<uint64_t>(x);
    borrow = static_cast<uint64_t>(x >> 64) & 1;
  }
  // s + carry·2^384 >= p  <=>  carry or no borrow.
  const uint64_t use_d = carry | (borrow ^ 1);
  const uint64_t mask = 0 - use_d;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) r.v[j] = (d.v[j] & mask) | (s.v[j] & ~mask);
}

void Sub(const Curve& c, Fe& r, const Fe& a, const Fe& b) {
  Fe d;
  uint64_t borrow = 0;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(a.v[j]) - b.v[j] - borrow;
    d.v[j] = static_cast<uint64_t>(x);
    borrow = static_cast<uint64_t>(x >> 64) & 1;
  }
  const uint64_t mask = 0 - borrow;
  uint64_t carry = 0;
#pragma GCC unroll 8
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(d.v[j]) + (c.p.v[j] & mask) + carry;
    r.v[j] = static_cast<uint64_t>(x);
    carry = static_cast<uint64_t>(x >> 64);
  }
}

// r = a^(p-2) = a^-1 (Montgomery in, Montgomery out). The exponent is
// public, so a plain 4-bit fixed window is constant time in `a`.
void Invert(const Curve& c, Fe& r, const Fe& a) {
  Fe table[16];
  table[0] = c.one;
  for (int i = 1; i < 16; ++i) Mul(c, table[i], table[i - 1], a);
  Fe acc = c.one;
  for (int w = 95; w >= 0; --w) {
    for (int k = 0; k < 4; ++k) Mul(c, acc, acc, acc);
    const int digit = static_cast<int>((c.p_minus_2.v[w / 16] >> (4 * (w % 16))) & 15);
    Mul(c, acc, acc, table[digit]);
  }
  r = acc;
  SecureWipe(table, sizeof(table));
}

// Big-endian 48 bytes <-> limbs (plain representation).
Fe FromBytes(const uint8_t* in) {
  Fe r;
  for (int j = 0; j < kLimbs; ++j) {
    uint64_t w = 0;
    for (int k = 0; k < 8; ++k) w = (w << 8) | in[(kLimbs - 1 - j) * 8 + k];
    r.v[j] = w;
  }
  return r;
}

void ToBytes(const Fe& a, uint8_t* out) {
  for (int j = 0; j < kLimbs; ++j) {
    for (int k = 0; k < 8; ++k) {
      out[(kLimbs - 1 - j) * 8 + k] = static_cast<uint8_t>(a.v[j] >> (56 - 8 * k));
    }
  }
}

Fe ToMont(const Curve& c, const Fe& a) {
  Fe r;
  Mul(c, r, a, c.r2);
  return r;
}

Fe FromMont(const Curve& c, const Fe& a) {
  Fe one_plain{};
  one_plain.v[0] = 1;
  Fe r;
  Mul(c, r, a, one_plain);
  return r;
}

// ---- Point arithmetic (RCB 2015, a = -3) ----------------------------------

// x = 3x (the formulas' "t = x + x; x = x + t" with a private temporary).
void Triple(const Curve& c, Fe& x) {
  Fe t;
  Add(c, t, x, x);
  Add(c, x, x, t);
}

void PointAdd(const Curve& c, Point& out, const Point& p1, const Point& p2) {
  Fe t0, t1, t2, t3, t4, x3, y3, z3;
  Mul(c, t0, p1.x, p2.x);
  Mul(c, t1, p1.y, p2.y);
  Mul(c, t2, p1.z, p2.z);
  Add(c, t3, p1.x, p1.y);
  Add(c, t4, p2.x, p2.y);
  Mul(c, t3, t3, t4);
  Add(c, t4, t0, t1);
  Sub(c, t3, t3, t4);
  Add(c, t4, p1.y, p1.z);
  Add(c, x3, p2.y, p2.z);
  Mul(c, t4, t4, x3);
  Add(c, x3, t1, t2);
  Sub(c, t4, t4, x3);
  Add(c, x3, p1.x, p1.z);
  Add(c, y3, p2.x, p2.z);
  Mul(c, x3, x3, y3);
  Add(c, y3, t0, t2);
  Sub(c, y3, x3, y3);
  Mul(c, z3, c.b, t2);
  Sub(c, x3, y3, z3);
  Triple(c, x3);
  Sub(c, z3, t1, x3);
  Add(c, x3, t1, x3);
  Mul(c, y3, c.b, y3);
  Triple(c, t2);
  Sub(c, y3, y3, t2);
  Sub(c, y3, y3, t0);
  Triple(c, y3);
  Triple(c, t0);
  Sub(c, t0, t0, t2);
  Mul(c, t1, t4, y3);
  Mul(c, t2, t0, y3);
  Mul(c, y3, x3, z3);
  Add(c, y3, y3, t2);
  Mul(c, x3, t3, x3);
  Sub(c, x3, x3, t1);
  Mul(c, z3, t4, z3);
  Mul(c, t1, t3, t0);
  Add(c, z3, z3, t1);
  out.x = x3;
  out.y = y3;
  out.z = z3;
}

void PointDouble(const Curve& c, Point& out, const Point& p) {
  Fe t0, t1, t2, t3, x3, y3, z3;
  Mul(c, t0, p.x, p.x);
  Mul(c, t1, p.y, p.y);
  Mul(c, t2, p.z, p.z);
  Mul(c, t3, p.x, p.y);
  Add(c, t3, t3, t3);
  Mul(c, z3, p.x, p.z);
  Add(c, z3, z3, z3);
  Mul(c, y3, c.b, t2);
  Sub(c, y3, y3, z3);
  Triple(c, y3);
  Sub(c, x3, t1, y3);
  Add(c, y3, t1, y3);
  Mul(c, y3, x3, y3);
  Mul(c, x3, x3, t3);
  Triple(c, t2);
  Mul(c, z3, c.b, z3);
  Sub(c, z3, z3, t2);
  Sub(c, z3, z3, t0);
  Triple(c, z3);
  Triple(c, t0);
  Sub(c, t0, t0, t2);
  Mul(c, t0, t0, z3);
  Add(c, y3, y3, t0);
  Mul(c, t0, p.y, p.z);
  Add(c, t0, t0, t0);
  Mul(c, z3, t0, z3);
  Sub(c, x3, x3, z3);
  Mul(c, z3, t0, t1);
  Add(c, z3, z3, z3);
  Add(c, z3, z3, z3);
  out.x = x3;
  out.y = y3;
  out.z = z3;
}

Point Identity(const Curve& c) {
  Point p{};
  p.y = c.one;
  return p;
}

// out = table[digit - 1] for digit in 1..15, the identity for 0; reads
// every entry so the access pattern does not depend on `digit`.
void Select(const Curve& c, Point& out, const Point table[15], uint64_t digit) {
  out = Identity(c);
  for (uint64_t k = 1; k <= 15; ++k) {
    const uint64_t mask = 0 - (((k ^ digit) - 1) >> 63);  // all ones iff k == digit
    const uint64_t* src = reinterpret_cast<const uint64_t*>(&table[k - 1]);
    uint64_t* dst = reinterpret_cast<uint64_t*>(&out);
    for (size_t i = 0; i < sizeof(Point) / 8; ++i) dst[i] = (dst[i] & ~mask) | (src[i] & mask);
  }
}

// The 4-bit window `w` (0 = least significant) of a big-endian scalar.
uint64_t Digit(const uint8_t scalar[48], int w) {
  const uint8_t byte = scalar[47 - w / 2];
  return (w & 1) ? (byte >> 4) : (byte & 15);
}

void ToAffineBytes(const Curve& c, const Point& p, uint8_t* x_out, uint8_t* y_out) {
  Fe zinv, x, y;
  Invert(c, zinv, p.z);
  Mul(c, x, p.x, zinv);
  ToBytes(FromMont(c, x), x_out);
  if (y_out != nullptr) {
    Mul(c, y, p.y, zinv);
    ToBytes(FromMont(c, y), y_out);
  }
}

bool IsZero(const Fe& a) {
  uint64_t acc = 0;
  for (uint64_t w : a.v) acc |= w;
  return acc == 0;
}

Fe FeFromBn(const BIGNUM* bn) {
  uint8_t buf[48];
  if (BN_bn2binpad(bn, buf, sizeof(buf)) != sizeof(buf)) std::abort();
  return FromBytes(buf);
}

Curve MakeCurve() {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_secp384r1);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* p = BN_new();
  BIGNUM* a = BN_new();
  BIGNUM* b = BN_new();
  BIGNUM* gx = BN_new();
  BIGNUM* gy = BN_new();
  if (!group || !ctx || !p || !a || !b || !gx || !gy ||
      EC_GROUP_get_curve(group, p, a, b, ctx) != 1 ||
      EC_POINT_get_affine_coordinates(group, EC_GROUP_get0_generator(group), gx, gy, ctx) != 1) {
    std::abort();
  }
  // The formulas assume a = -3.
  BIGNUM* minus3 = BN_new();
  if (!minus3 || BN_sub(minus3, p, a) != 1 || !BN_is_word(minus3, 3)) std::abort();

  Curve c{};
  c.p = FeFromBn(p);
  // n0 = -p^-1 mod 2^64 by Newton iteration (each step doubles the bits).
  uint64_t inv = 1;
  for (int i = 0; i < 7; ++i) inv *= 2 - c.p.v[0] * inv;
  c.n0 = 0 - inv;
  // R mod p = 2^384 - p (p > 2^383), then R^2 = R·2^384 by 384 doublings.
  uint64_t carry = 1;  // two's complement: 2^384 - p = ~p + 1
  for (int j = 0; j < kLimbs; ++j) {
    const u128 x = static_cast<u128>(~c.p.v[j]) + carry;
    c.one.v[j] = static_cast<uint64_t>(x);
    carry = static_cast<uint64_t>(x >> 64);
  }
  Fe r2 = c.one;
  for (int i = 0; i < 384; ++i) Add(c, r2, r2, r2);
  c.r2 = r2;
  c.b = ToMont(c, FeFromBn(b));
  c.gx = ToMont(c, FeFromBn(gx));
  c.gy = ToMont(c, FeFromBn(gy));
  Fe two{};
  two.v[0] = 2;
  Sub(c, c.p_minus_2, c.p, two);  // no borrow: plain p - 2

  BN_free(minus3);
  BN_free(gy);
  BN_free(gx);
  BN_free(b);
  BN_free(a);
  BN_free(p);
  BN_CTX_free(ctx);
  EC_GROUP_free(group);
  return c;
}

const Curve& TheCurve() {
  static const Curve c = MakeCurve();
  return c;
}

// table[w][k-1] = k·16^w·G, k = 1..15, w = 0..95.
struct GeneratorTable {
  Point t[96][15];
};

const GeneratorTable& TheGeneratorTable() {
  static const GeneratorTable* table = [] {
    const Curve& c = TheCurve();
    auto* g = new GeneratorTable;
    Point base{c.gx, c.gy, c.one};
    for (int w = 0; w < 96; ++w) {
      g->t[w][0] = base;
      for (int k = 1; k < 15; ++k) PointAdd(c, g->t[w][k], g->t[w][k - 1], base);
      PointAdd(c, base, g->t[w][14], base);  // 16·base
    }
    return g;
  }();
  return *table;
}

}  // namespace

void BaseMult(const uint8_t scalar[48], uint8_t out[97]) {
  const Curve& c = TheCurve();
  const GeneratorTable& g = TheGeneratorTable();
  Point acc = Identity(c), sel;
  for (int w = 0; w < 96; ++w) {
    Select(c, sel, g.t[w], Digit(scalar, w));
    PointAdd(c, acc, acc, sel);
  }
  out[0] = 0x04;
  ToAffineBytes(c, acc, out + 1, out + 49);
  SecureWipe(&acc, sizeof(acc));
  SecureWipe(&sel, sizeof(sel));
}

bool ScalarMultX(const uint8_t scalar[48], const uint8_t point[97], uint8_t out_x[48]) {
  const Curve& c = TheCurve();
  Point table[15];
  table[0] = Point{ToMont(c, FromBytes(point + 1)), ToMont(c, FromBytes(point + 49)), c.one};
  for (int k = 1; k < 15; ++k) PointAdd(c, table[k], table[k - 1], table[0]);
  Point acc = Identity(c), sel;
  for (int w = 95; w >= 0; --w) {
    for (int d = 0; d < 4; ++d) PointDouble(c, acc, acc);
    Select(c, sel, table, Digit(scalar, w));
    PointAdd(c, acc, acc, sel);
  }
  const bool ok = !IsZero(acc.z);
  if (ok) ToAffineBytes(c, acc, out_x, nullptr);
  SecureWipe(&acc, sizeof(acc));
  SecureWipe(&sel, sizeof(sel));
  SecureWipe(table, sizeof(table));
  return ok;
}

}  // namespace brs::crypto::p384
