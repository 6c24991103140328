#include "crypto/ed25519.h"

#include <openssl/evp.h>

#include <cstring>
#include <memory>

#include "base/secret.h"
#include "crypto/ed25519_field.h"

namespace brs::crypto::ed25519 {
namespace {

// ---- Points ----------------------------------------------------------------

struct P2 {  // (X:Y:Z), x = X/Z, y = Y/Z
  Fe x, y, z;
};
struct P3 {  // extended, also T = XY/Z
  Fe x, y, z, t;
};
struct P1P1 {  // completed: x = E/G... stored as the HWCD E, F, G, H
  Fe e, f, g, h;
};
struct Cached {  // a P3 ready to be added: Y+X, Y-X, Z, 2d·T
  Fe ypx, ymx, z, t2d;
};
struct Niels {  // an affine point ready to be added: y+x, y-x, 2d·xy
  Fe ypx, ymx, xy2d;
};

struct CurveConstants {
  Fe d, d2, sqrtm1;
};

// Public exponentiation by a little-endian exponent (only for constants).
Fe PowPublic(const Fe& base, const uint8_t exp[32]) {
  Fe r;
  FeOne(r);
  for (int i = 255; i >= 0; --i) {
    FeSqr(r, r);
    if ((exp[i >> 3] >> (i & 7)) & 1) FeMul(r, r, base);
  }
  return r;
}

const CurveConstants& C() {
  static const CurveConstants c = [] {
    CurveConstants k;
    Fe num, den;
    FeFromU64(num, 121665);
    FeFromU64(den, 121666);
    FeInvert(den, den);
    FeMul(k.d, num, den);
    FeNeg(k.d, k.d);  // d = -121665/121666
    FeAdd(k.d2, k.d, k.d);
    // sqrt(-1) = 2^((p-1)/4), (p-1)/4 = 2^253 - 5.
    uint8_t e[32];
    std::memset(e, 0xff, sizeof e);
    e[0] = 0xfb;
    e[31] = 0x1f;
    Fe two;
    FeFromU64(two, 2);
    k.sqrtm1 = PowPublic(two, e);
    return k;
  }();
  return c;
}

void P3Identity(P3& p) {
  FeZero(p.x);
  FeOne(p.y);
  FeOne(p.z);
  FeZero(p.t);
}

void ToP3(P3& r, const P1P1& p) {
  FeMul(r.x, p.e, p.f);
  FeMul(r.y, p.g, p.h);
  FeMul(r.z, p.f, p.g);
  FeMul(r.t, p.e, p.h);
}

void ToP2(P2& r, const P1P1& p) {
  FeMul(r.x, p.e, p.f);
  FeMul(r.y, p.g, p.h);
  FeMul(r.z, p.f, p.g);
}

void ToCached(Cached& r, const P3& p) {
  FeAdd(r.ypx, p.y, p.x);
  FeSub(r.ymx, p.y, p.x);
  r.z = p.z;
  FeMul(r.t2d, p.t, C().d2);
}

// dbl-2008-hwcd with a = -1, signs folded so that E, F, G, H are those of
// the addition below.
void Double(P1P1& r, const P2& p) {
  Fe a, b, c, s;
  FeSqr(a, p.x);
  FeSqr(b, p.y);
  FeSqr(c, p.z);
  FeAdd(c, c, c);
  FeAdd(r.h, a, b);
  FeAdd(s, p.x, p.y);
  FeSqr(s, s);
  FeSub(r.e, r.h, s);
  FeSub(r.g, a, b);
  FeAdd(r.f, c, r.g);
}

// add-2008-hwcd-3 (complete for a = -1 and non-square d); `negate` adds -q.
void Add(P1P1& r, const P3& p, const Cached& q, bool negate) {
  Fe a, b, c, d, s;
  FeSub(s, p.y, p.x);
  FeMul(a, s, negate ? q.ypx : q.ymx);
  FeAdd(s, p.y, p.x);
  FeMul(b, s, negate ? q.ymx : q.ypx);
  FeMul(c, p.t, q.t2d);
  FeMul(d, p.z, q.z);
  FeAdd(d, d, d);
  FeSub(r.e, b, a);
  FeAdd(r.h, b, a);
  if (negate) {
    FeAdd(r.f, d, c);
    FeSub(r.g, d, c);
  } else {
    FeSub(r.f, d, c);
    FeAdd(r.g, d, c);
  }
}

// The same with an affine point, Z2 = 1. Branch-free: the caller negates q.
void AddNiels(P1P1& r, const P3& p, const Niels& q) {
  Fe a, b, c, d, s;
  FeSub(s, p.y, p.x);
  FeMul(a, s, q.ymx);
  FeAdd(s, p.y, p.x);
  FeMul(b, s, q.ypx);
  FeMul(c, p.t, q.xy2d);
  FeAdd(d, p.z, p.z);
  FeSub(r.e, b, a);
  FeAdd(r.h, b, a);
  FeSub(r.f, d, c);
  FeAdd(r.g, d, c);
}

void NegNiels(Niels& r, const Niels& q) {
  r.ypx = q.ymx;
  r.ymx = q.ypx;
  FeNeg(r.xy2d, q.xy2d);
}

Niels ToNiels(const P3& p) {
  Fe zinv, x, y;
  FeInvert(zinv, p.z);
  FeMul(x, p.x, zinv);
  FeMul(y, p.y, zinv);
  Niels n;
  FeAdd(n.ypx, y, x);
  FeSub(n.ymx, y, x);
  FeMul(n.xy2d, x, y);
  FeMul(n.xy2d, n.xy2d, C().d2);
  return n;
}

void Encode(uint8_t out[32], const Fe& x, const Fe& y, const Fe& z) {
  Fe zinv, ax, ay;
  FeInvert(zinv, z);
  FeMul(ax, x, zinv);
  FeMul(ay, y, zinv);
  FeToBytes(out, ay);
  out[31] |= static_cast<uint8_t>(FeIsNegative(ax) << 7);
}

// Go's Point.SetBytes: y < 2^255 taken mod p, x = ±sqrt((y²-1)/(dy²+1)),
// the sign bit selecting -x even when x = 0. Variable time (public input).
bool Decode(P3& r, const uint8_t in[32]) {
  Fe y, y2, u, v, v3, v7, x, t, check;
  FeFromBytes(y, in);
  FeSqr(y2, y);
  Fe one;
  FeOne(one);
  FeSub(u, y2, one);
  FeMul(v, y2, C().d);
  FeAdd(v, v, one);
  FeSqr(v3, v);
  FeMul(v3, v3, v);  // v^3
  FeSqr(v7, v3);
  FeMul(v7, v7, v);  // v^7
  FeMul(t, u, v7);
  FePow22523(t, t);
  FeMul(x, u, v3);
  FeMul(x, x, t);  // u·v^3·(u·v^7)^((p-5)/8)
  FeSqr(check, x);
  FeMul(check, check, v);
  Fe diff;
  FeSub(diff, check, u);
  if (!FeIsZeroMask(diff)) {
    FeAdd(diff, check, u);
    if (!FeIsZeroMask(diff)) return false;  // not a square: not on the curve
    FeMul(x, x, C().sqrtm1);
  }
  if (FeIsNegative(x) != static_cast<uint64_t>(in[31] >> 7)) FeNeg(x, x);
  r.x = x;
  r.y = y;
  FeOne(r.z);
  FeMul(r.t, x, y);
  return true;
}

// ---- Tables ----------------------------------------------------------------

P3 BasePoint() {
  // y = 4/5, x even (RFC 8032 §5.1).
  Fe four, five, y;
  FeFromU64(four, 4);
  FeFromU64(five, 5);
  FeInvert(five, five);
  FeMul(y, four, five);
  uint8_t enc[32];
  FeToBytes(enc, y);
  P3 b;
  Decode(b, enc);
  return b;
}

// j·256^i·B for i < 32, j = 1..8: row i, entry j - 1.
struct BaseTable {
  Niels row[32][8];
};

const BaseTable& FixedBaseTable() {
  static const std::unique_ptr<const BaseTable> table = [] {
    auto t = std::make_unique<BaseTable>();
    P3 p = BasePoint();
    for (int i = 0; i < 32; ++i) {
      Cached pc;
      ToCached(pc, p);
      P3 m = p;
      for (int j = 0; j < 8; ++j) {
        t->row[i][j] = ToNiels(m);
        P1P1 s;
        Add(s, m, pc, false);
        ToP3(m, s);
      }
      for (int k = 0; k < 8; ++k) {  // p = 256·p
        P1P1 s;
        Double(s, P2{p.x, p.y, p.z});
        ToP3(p, s);
      }
    }
    return std::unique_ptr<const BaseTable>(t.release());
  }();
  return *table;
}

// (2j+1)·B for j < 64, for verification's width-8 NAF.
struct OddBaseTable {
  Niels odd[64];
};

const OddBaseTable& OddBase() {
  static const std::unique_ptr<const OddBaseTable> table = [] {
    auto t = std::make_unique<OddBaseTable>();
    const P3 b = BasePoint();
    P1P1 s;
    Double(s, P2{b.x, b.y, b.z});
    P3 b2;
    ToP3(b2, s);
    Cached b2c;
    ToCached(b2c, b2);
    P3 m = b;
    for (int j = 0; j < 64; ++j) {
      t->odd[j] = ToNiels(m);
      Add(s, m, b2c, false);
      ToP3(m, s);
    }
    return std::unique_ptr<const OddBaseTable>(t.release());
  }();
  return *table;
}

// All ones when a == b (small non-negative values), else 0.
uint64_t EqMask(uint64_t a, uint64_t b) { return 0 - (((a ^ b) - 1) >> 63); }

// row[|d| - 1] (the identity for d = 0), negated when d < 0, reading every
// entry: constant time in d.
void Select(Niels& out, const Niels row[8], int8_t d) {
  const uint64_t neg = static_cast<uint64_t>(static_cast<uint8_t>(d) >> 7);
  const uint64_t abs =
      static_cast<uint64_t>(static_cast<uint8_t>(d - ((-static_cast<int>(neg) & d) * 2)));
  FeOne(out.ypx);
  FeOne(out.ymx);
  FeZero(out.xy2d);
  for (int j = 0; j < 8; ++j) {
    const uint64_t m = EqMask(abs, static_cast<uint64_t>(j + 1));
    FeCopyIf(out.ypx, row[j].ypx, m);
    FeCopyIf(out.ymx, row[j].ymx, m);
    FeCopyIf(out.xy2d, row[j].xy2d, m);
  }
  Niels minus;
  NegNiels(minus, out);
  const uint64_t nm = 0 - neg;
  FeCopyIf(out.ypx, minus.ypx, nm);
  FeCopyIf(out.ymx, minus.ymx, nm);
  FeCopyIf(out.xy2d, minus.xy2d, nm);
}

// [a]B for a < 2^255, constant time in a.
void BaseMult(P3& h, const uint8_t a[32]) {
  int8_t e[64];
  for (int i = 0; i < 32; ++i) {
    e[2 * i] = static_cast<int8_t>(a[i] & 15);
    e[2 * i + 1] = static_cast<int8_t>(a[i] >> 4);
  }
  int8_t carry = 0;  // digits to [-8, 8)
  for (int i = 0; i < 63; ++i) {
    e[i] = static_cast<int8_t>(e[i] + carry);
    carry = static_cast<int8_t>((e[i] + 8) >> 4);
    e[i] = static_cast<int8_t>(e[i] - carry * 16);
  }
  e[63] = static_cast<int8_t>(e[63] + carry);  // <= 8 for a < 2^255
  const BaseTable& t = FixedBaseTable();
  P3Identity(h);
  P1P1 s;
  Niels n;
  for (int i = 1; i < 64; i += 2) {
    Select(n, t.row[i / 2], e[i]);
    AddNiels(s, h, n);
    ToP3(h, s);
  }
  P2 q;
  Double(s, P2{h.x, h.y, h.z});
  for (int k = 0; k < 3; ++k) {
    ToP2(q, s);
    Double(s, q);
  }
  ToP3(h, s);
  for (int i = 0; i < 64; i += 2) {
    Select(n, t.row[i / 2], e[i]);
    AddNiels(s, h, n);
    ToP3(h, s);
  }
  SecureWipe(e, sizeof e);
}

// Sliding-window NAF of a < 2^253: odd digits |r| <= max_digit.
void Slide(int8_t r[256], const uint8_t a[32], int max_digit) {
  for (int i = 0; i < 256; ++i) r[i] = static_cast<int8_t>((a[i >> 3] >> (i & 7)) & 1);
  for (int i = 0; i < 256; ++i) {
    if (!r[i]) continue;
    for (int b = 1; b <= 8 && i + b < 256; ++b) {
      if (!r[i + b]) continue;
      const int up = r[i + b] << b;
      if (r[i] + up <= max_digit) {
        r[i] = static_cast<int8_t>(r[i] + up);
        r[i + b] = 0;
      } else if (r[i] - up >= -max_digit) {
        r[i] = static_cast<int8_t>(r[i] - up);
        for (int k = i + b; k < 256; ++k) {
          if (!r[k]) {
            r[k] = 1;
            break;
          }
          r[k] = 0;
        }
      } else {
        break;
      }
    }
  }
}

// [k]A + [s]B, variable time (public inputs only).
void DoubleScalarMultVartime(P2& r, const uint8_t k[32], const P3& a, const uint8_t s[32]) {
  int8_t nk[256], ns[256];
  Slide(nk, k, 15);
  Slide(ns, s, 127);
  Cached ai[8];  // A, 3A, ..., 15A
  ToCached(ai[0], a);
  P1P1 t;
  Double(t, P2{a.x, a.y, a.z});
  P3 a2, u;
  ToP3(a2, t);
  for (int i = 1; i < 8; ++i) {
    Add(t, a2, ai[i - 1], false);
    ToP3(u, t);
    ToCached(ai[i], u);
  }
  const OddBaseTable& bt = OddBase();
  FeZero(r.x);
  FeOne(r.y);
  FeOne(r.z);
  int i = 255;
  while (i >= 0 && !nk[i] && !ns[i]) --i;
  for (; i >= 0; --i) {
    Double(t, r);
    if (nk[i]) {
      ToP3(u, t);
      Add(t, u, ai[(nk[i] > 0 ? nk[i] : -nk[i]) / 2], nk[i] < 0);
    }
    if (ns[i]) {
      ToP3(u, t);
      if (ns[i] > 0) {
        AddNiels(t, u, bt.odd[ns[i] / 2]);
      } else {
        Niels m;
        NegNiels(m, bt.odd[-ns[i] / 2]);
        AddNiels(t, u, m);
      }
    }
    ToP2(r, t);
  }
}

// ---- SHA-512 ---------------------------------------------------------------

const EVP_MD* Sha512() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  return md;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// SHA-512 of the concatenated parts.
bool Hash(uint8_t out[64], std::initializer_list<std::span<const uint8_t>> parts) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const EVP_MD* md = Sha512();
  if (!ctx || !md || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return false;
  for (auto p : parts) {
    if (!p.empty() && EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) return false;
  }
  unsigned int len = 0;
  return EVP_DigestFinal_ex(ctx.get(), out, &len) == 1 && len == 64;
}

}  // namespace

bool ExpandSeed(const uint8_t seed[32], ExpandedKey& out) {
  uint8_t h[64];
  if (!Hash(h, {std::span<const uint8_t>(seed, 32)})) return false;
  h[0] &= 248;
  h[31] &= 127;
  h[31] |= 64;
  P3 a;
  BaseMult(a, h);
  Encode(out.public_key, a.x, a.y, a.z);
  out.scalar_mont = ScToMont(ScFromBytes(h));
  std::memcpy(out.prefix, h + 32, 32);
  SecureWipe(h, sizeof h);
  SecureWipe(&a, sizeof a);
  return true;
}

bool Sign(const ExpandedKey& key, std::span<const uint8_t> message, uint8_t signature[64]) {
  uint8_t h[64];
  if (!Hash(h, {std::span<const uint8_t>(key.prefix, 32), message})) return false;
  Sc r = ScReduce64(h);
  uint8_t rb[32];
  ScToBytes(rb, r);
  P3 rp;
  BaseMult(rp, rb);
  Encode(signature, rp.x, rp.y, rp.z);
  if (!Hash(h, {std::span<const uint8_t>(signature, 32),
                std::span<const uint8_t>(key.public_key, 32), message})) {
    SecureWipe(&r, sizeof r);
    SecureWipe(rb, sizeof rb);
    return false;
  }
  const Sc k = ScReduce64(h);
  Sc s = ScAdd(ScMulMont(k, key.scalar_mont), r);
  ScToBytes(signature + 32, s);
  SecureWipe(&r, sizeof r);
  SecureWipe(&s, sizeof s);
  SecureWipe(rb, sizeof rb);
  SecureWipe(&rp, sizeof rp);
  return true;
}

bool Verify(const uint8_t public_key[32], std::span<const uint8_t> message,
            const uint8_t signature[64]) {
  if (!ScIsCanonical(signature + 32)) return false;
  P3 a;
  if (!Decode(a, public_key)) return false;
  FeNeg(a.x, a.x);
  FeNeg(a.t, a.t);
  uint8_t h[64];
  if (!Hash(h, {std::span<const uint8_t>(signature, 32), std::span<const uint8_t>(public_key, 32),
                message})) {
    return false;
  }
  uint8_t kb[32];
  ScToBytes(kb, ScReduce64(h));
  P2 r;
  DoubleScalarMultVartime(r, kb, a, signature + 32);
  uint8_t check[32];
  Encode(check, r.x, r.y, r.z);
  return std::memcmp(check, signature, 32) == 0;
}

}  // namespace brs::crypto::ed25519
