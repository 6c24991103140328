// Our P-384 (p384.h, p384_field.h) against OpenSSL's generic EC code, on
// edge-case and random scalars and points, with both field multiplications
// (MULX/ADX when the CPU has it, and the portable one, forced).
#include "crypto/p384.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "crypto/p384_field.h"
#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

struct Ossl {
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_secp384r1);
  BN_CTX* ctx = BN_CTX_new();
  ~Ossl() {
    BN_CTX_free(ctx);
    EC_GROUP_free(group);
  }

  // scalar·point (point null: the generator), uncompressed.
  Bytes Mul(const Bytes& scalar, const Bytes* point) {
    BIGNUM* k = BN_bin2bn(scalar.data(), static_cast<int>(scalar.size()), nullptr);
    EC_POINT* r = EC_POINT_new(group);
    EC_POINT* p = nullptr;
    if (point) {
      p = EC_POINT_new(group);
      EXPECT_EQ(EC_POINT_oct2point(group, p, point->data(), point->size(), ctx), 1);
    }
    EXPECT_EQ(point ? EC_POINT_mul(group, r, nullptr, p, k, ctx)
                    : EC_POINT_mul(group, r, k, nullptr, nullptr, ctx),
              1);
    Bytes out(97);
    EXPECT_EQ(
        EC_POINT_point2oct(group, r, POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(), ctx),
        97u);
    EC_POINT_free(p);
    EC_POINT_free(r);
    BN_free(k);
    return out;
  }

  Bytes Order() {
    Bytes n(48);
    BN_bn2binpad(EC_GROUP_get0_order(group), n.data(), 48);
    return n;
  }
};

Bytes Ours(const Bytes& scalar) {
  Bytes out(97);
  p384::BaseMult(scalar.data(), out.data());
  return out;
}

Bytes OursX(const Bytes& scalar, const Bytes& point) {
  Bytes out(48);
  EXPECT_TRUE(p384::ScalarMultX(scalar.data(), point.data(), out.data()));
  return out;
}

Bytes Small(uint8_t v) {
  Bytes s(48, 0);
  s.back() = v;
  return s;
}

Bytes Minus(const Bytes& n, uint8_t v) {
  Bytes s = n;  // n's last byte is 0x73, so no borrow for v <= 0x73
  s.back() = static_cast<uint8_t>(s.back() - v);
  return s;
}

Bytes H(std::string_view hex) { return *HexDecode(hex); }

// The X coordinate of an uncompressed point.
std::string X(const Bytes& point) { return Hex(Bytes(point.begin() + 1, point.begin() + 49)); }

// Runs each test with the CPU's best field multiplication (false) and with
// the portable one forced (true).
class P384Test : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { p384::UsePortableMul(GetParam()); }
  void TearDown() override { p384::UsePortableMul(false); }
};

INSTANTIATE_TEST_SUITE_P(Mul, P384Test, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Portable" : "Best";
                         });

TEST_P(P384Test, EdgeScalarsMatchOpenSsl) {
  Ossl o;
  const Bytes n = o.Order();
  std::vector<Bytes> scalars;
  for (int v = 1; v <= 64; ++v) {
    scalars.push_back(Small(static_cast<uint8_t>(v)));
    scalars.push_back(Minus(n, static_cast<uint8_t>(v)));
  }
  for (int v : {127, 128, 255}) scalars.push_back(Small(static_cast<uint8_t>(v)));
  // The scalars whose last addition adds equal points (see p384.h): 38 and
  // n - 38 for the variable base; 15·2^381 - n and its complement for the
  // fixed-base comb.
  scalars.push_back(
      H("e00000000000000000000000000000000000000000000000389cb27e0bc8d220a7e5f24db74f58851313e695"
        "333ad68d"));
  scalars.push_back(
      H("1fffffffffffffffffffffffffffffffffffffffffffffff8ec69b03e86e5bbeb0341b6491614ef5d9d832d5"
        "998a52e6"));
  Bytes top(48, 0);
  top[0] = 0x80;
  scalars.push_back(top);
  Bytes ones(48, 0xff);
  ones[0] = 0x7f;
  scalars.push_back(ones);
  Bytes pattern(48);
  for (size_t i = 0; i < 48; ++i) pattern[i] = static_cast<uint8_t>(i % 2 ? 0xf0 : 0x0f);
  scalars.push_back(pattern);
  for (int bit = 0; bit < 383; bit += 7) {  // single bits
    Bytes b(48, 0);
    b[47 - bit / 8] = static_cast<uint8_t>(1 << (bit % 8));
    scalars.push_back(b);
  }

  const Bytes g = o.Mul(Small(1), nullptr);
  const Bytes p = o.Mul(Minus(n, 5), nullptr);  // some other point
  for (const Bytes& k : scalars) {
    SCOPED_TRACE(Hex(k));
    const Bytes want_pub = o.Mul(k, nullptr);
    EXPECT_EQ(Hex(Ours(k)), Hex(want_pub));
    for (const Bytes* point : {&g, &p}) {
      const std::string want = X(o.Mul(k, point));
      EXPECT_EQ(Hex(OursX(k, *point)), want);
      Bytes pub(97), x(48);
      ASSERT_TRUE(p384::BaseMultAndScalarMultX(k.data(), point->data(), pub.data(), x.data()));
      EXPECT_EQ(Hex(pub), Hex(want_pub));
      EXPECT_EQ(Hex(x), want);
    }
  }
}

// 10 000 of our multiplications (5 000 fixed-base, 5 000 variable-base; a
// tenth of that for the forced portable code) against OpenSSL's, each point
// being the previous scalar's public point.
TEST_P(P384Test, RandomScalarsAndPointsMatchOpenSsl) {
  Ossl o;
  const int rounds = GetParam() ? 500 : 5000;
  Bytes point = o.Mul(Small(3), nullptr);
  for (int i = 0; i < rounds; ++i) {
    Bytes k(48);
    RAND_bytes(k.data(), 48);
    k[0] &= 0x7f;                    // < n
    if (i % 5 == 0) k[0] = 0;        // short scalars too
    if (i % 7 == 0) k[0] |= 0x40;    // and long ones
    if (i % 11 == 0) k[47] &= 0xfe;  // even ones (n - k inside)
    if (k == Bytes(48, 0)) k[47] = 1;
    const Bytes want_pub = o.Mul(k, nullptr);
    const std::string want_x = X(o.Mul(k, &point));
    ASSERT_EQ(Hex(Ours(k)), Hex(want_pub)) << Hex(k);
    ASSERT_EQ(Hex(OursX(k, point)), want_x) << Hex(k) << " " << Hex(point);
    if (i % 10 == 0) {
      Bytes pub(97), x(48);
      ASSERT_TRUE(p384::BaseMultAndScalarMultX(k.data(), point.data(), pub.data(), x.data()));
      ASSERT_EQ(Hex(pub), Hex(want_pub));
      ASSERT_EQ(Hex(x), want_x);
    }
    point = want_pub;
  }
}

TEST_P(P384Test, DiffieHellmanAgrees) {
  for (int i = 0; i < 20; ++i) {
    Bytes a(48), b(48);
    RAND_bytes(a.data(), 48);
    RAND_bytes(b.data(), 48);
    a[0] &= 0x7f;
    b[0] &= 0x7f;
    EXPECT_EQ(Hex(OursX(a, Ours(b))), Hex(OursX(b, Ours(a))));
  }
}

// ---- Field arithmetic ------------------------------------------------------

const Bytes kP = H(
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffff"
    "fff");

p384::Fe RandomFe(int i) {
  Bytes b(48);
  RAND_bytes(b.data(), 48);
  switch (i % 8) {  // edge values near 0, p and the limb boundaries
    case 0:
      std::fill(b.begin(), b.end(), 0);
      b[47] = static_cast<uint8_t>(i % 3);
      break;
    case 1:
      b = kP;
      b[47] = static_cast<uint8_t>(b[47] - 1 - i % 3);
      break;
    case 2:
      std::fill(b.begin(), b.begin() + 24, 0xff);
      break;
    default:
      break;
  }
  p384::Fe f{};
  if (!p384::FeFromBytes(f, b.data())) {  // not below p (case 2, rarely)
    b[0] = 0x7f;
    EXPECT_TRUE(p384::FeFromBytes(f, b.data()));
  }
  return f;
}

std::string FeHex(const p384::Fe& f) {
  Bytes b(48);
  p384::FeToBytes(f, b.data());
  return Hex(b);
}

// The CPU's best FeMul, FeSqr, FeAdd and FeSub (MULX/ADX and assembly on
// x86-64) against the portable code, on random and edge values; and the
// square against the product, and a - b + b against a, in both.
TEST(P384FieldTest, AssemblyAndPortableFieldOperationsAgree) {
  p384::UsePortableMul(false);
#if !defined(__x86_64__)
  GTEST_SKIP() << "not x86-64: only the portable code runs";
#endif
  const auto ops = [](const p384::Fe& a, const p384::Fe& b) {
    std::array<p384::Fe, 5> r{};
    p384::FeMul(r[0], a, b);
    p384::FeSqr(r[1], a);
    p384::FeAdd(r[2], a, b);
    p384::FeSub(r[3], a, b);
    p384::FeAdd(r[4], r[3], b);
    return r;
  };
  for (int i = 0; i < 100000; ++i) {
    const p384::Fe a = RandomFe(i), b = RandomFe(i / 8 + 3);
    const auto fast = ops(a, b);
    p384::UsePortableMul(true);
    const auto slow = ops(a, b);
    p384::Fe product;
    p384::FeMul(product, a, a);
    p384::UsePortableMul(false);
    for (size_t k = 0; k < fast.size(); ++k) {
      ASSERT_EQ(FeHex(fast[k]), FeHex(slow[k])) << k << ": " << FeHex(a) << ", " << FeHex(b);
    }
    ASSERT_EQ(FeHex(slow[1]), FeHex(product)) << FeHex(a);
    ASSERT_EQ(FeHex(slow[4]), FeHex(a)) << FeHex(a) << ", " << FeHex(b);
  }
}

TEST_P(P384Test, InversionAndEncodings) {
  for (int i = 0; i < 2000; ++i) {
    const p384::Fe a = RandomFe(i);
    p384::Fe inv, prod;
    p384::FeInvert(inv, a);
    p384::FeMul(prod, a, inv);
    const bool zero = p384::FeIsZeroMask(a) != 0;
    EXPECT_EQ(FeHex(prod), FeHex(zero ? p384::Fe{} : p384::FeOne())) << FeHex(a);
    Bytes b(48);
    p384::FeToBytes(a, b.data());
    p384::Fe back;
    ASSERT_TRUE(p384::FeFromBytes(back, b.data()));
    EXPECT_EQ(FeHex(back), Hex(b));
  }
  p384::Fe f;
  EXPECT_FALSE(p384::FeFromBytes(f, kP.data()));
  EXPECT_FALSE(p384::FeFromBytes(f, Bytes(48, 0xff).data()));
}

// ---- Point validation --------------------------------------------------------

// OpenSSL's verdict on an uncompressed encoding (decodes, on the curve, not
// the identity).
bool OsslValid(Ossl& o, const Bytes& point) {
  EC_POINT* p = EC_POINT_new(o.group);
  const bool ok = EC_POINT_oct2point(o.group, p, point.data(), point.size(), o.ctx) == 1 &&
                  EC_POINT_is_on_curve(o.group, p, o.ctx) == 1 &&
                  !EC_POINT_is_at_infinity(o.group, p);
  EC_POINT_free(p);
  return ok;
}

// v + p, when it fits in 48 bytes (the same residue, not a canonical
// coordinate).
bool AddP(const Bytes& v, Bytes& out) {
  out = v;
  unsigned carry = 0;
  for (size_t i = 48; i-- > 0;) {
    const unsigned s = static_cast<unsigned>(out[i]) + kP[i] + carry;
    out[i] = static_cast<uint8_t>(s);
    carry = s >> 8;
  }
  return carry == 0;
}

TEST_P(P384Test, InvalidPointsAreRefusedAsOpenSslRefusesThem) {
  Ossl o;
  std::vector<Bytes> cases;
  for (int i = 0; i < 40; ++i) {
    Bytes k(48);
    RAND_bytes(k.data(), 48);
    k[0] &= 0x7f;
    const Bytes good = o.Mul(k, nullptr);
    cases.push_back(good);
    Bytes flipped = good;  // off the curve (almost surely)
    flipped[1 + static_cast<size_t>(i) % 96] ^= static_cast<uint8_t>(1 << (i % 8));
    cases.push_back(flipped);
    Bytes neg = good;  // -P: valid
    Bytes y(good.begin() + 49, good.end()), ny(48);
    BIGNUM* yb = BN_bin2bn(y.data(), 48, nullptr);
    BIGNUM* pb = BN_bin2bn(kP.data(), 48, nullptr);
    BN_sub(yb, pb, yb);
    BN_bn2binpad(yb, ny.data(), 48);
    BN_free(yb);
    BN_free(pb);
    std::copy(ny.begin(), ny.end(), neg.begin() + 49);
    cases.push_back(neg);
    Bytes big;  // x + p or y + p: on the curve modulo p, not canonical
    if (AddP(Bytes(good.begin() + 1, good.begin() + 49), big)) {
      Bytes c = good;
      std::copy(big.begin(), big.end(), c.begin() + 1);
      cases.push_back(c);
    }
    if (AddP(y, big)) {
      Bytes c = good;
      std::copy(big.begin(), big.end(), c.begin() + 49);
      cases.push_back(c);
    }
    Bytes prefix = good;
    prefix[0] = static_cast<uint8_t>(i % 2 ? 0x06 : 0x02);
    cases.push_back(prefix);
  }
  Bytes zero(97, 0);
  cases.push_back(zero);  // the identity's padded encoding
  zero[0] = 0x04;
  cases.push_back(zero);  // (0, 0)
  Bytes at_p(97, 0);
  at_p[0] = 0x04;
  std::copy(kP.begin(), kP.end(), at_p.begin() + 1);
  std::copy(kP.begin(), kP.end(), at_p.begin() + 49);
  cases.push_back(at_p);  // (p, p)
  Bytes ones(97, 0xff);
  ones[0] = 0x04;
  cases.push_back(ones);

  int valid = 0;
  for (const Bytes& c : cases) {
    // OpenSSL also takes the hybrid form (0x06/0x07); we take only 0x04.
    const bool want = c[0] == 0x04 && OsslValid(o, c);
    valid += want;
    EXPECT_EQ(p384::IsValidPoint(c.data()), want) << Hex(c);
  }
  EXPECT_EQ(valid, 80);  // the 40 points and their negations
}

}  // namespace
}  // namespace brs::crypto
