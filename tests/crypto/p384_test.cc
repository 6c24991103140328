// Our P-384 multiplications (p384.h) against OpenSSL's generic EC code, on
// edge-case and random scalars and points.
#include "crypto/p384.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include <memory>

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
  Bytes s = n;  // n's last byte is 0x73, so no borrow for small v
  s.back() = static_cast<uint8_t>(s.back() - v);
  return s;
}

TEST(P384Test, EdgeScalarsMatchOpenSsl) {
  Ossl o;
  const Bytes n = o.Order();
  std::vector<Bytes> scalars = {Small(1),    Small(2),     Small(3),    Small(15),
                                Small(16),   Small(17),    Small(255),  Minus(n, 1),
                                Minus(n, 2), Minus(n, 16), Minus(n, 17)};
  Bytes top(48, 0);
  top[0] = 0x80;
  scalars.push_back(top);
  Bytes ones(48, 0xff);
  ones[0] = 0x7f;
  scalars.push_back(ones);
  Bytes pattern(48);
  for (size_t i = 0; i < 48; ++i) pattern[i] = static_cast<uint8_t>(i % 2 ? 0xf0 : 0x0f);
  scalars.push_back(pattern);

  const Bytes g = o.Mul(Small(1), nullptr);
  const Bytes p = o.Mul(Minus(n, 5), nullptr);  // some other point
  for (const Bytes& k : scalars) {
    SCOPED_TRACE(Hex(k));
    EXPECT_EQ(Hex(Ours(k)), Hex(o.Mul(k, nullptr)));
    for (const Bytes* point : {&g, &p}) {
      const Bytes want = o.Mul(k, point);
      EXPECT_EQ(Hex(OursX(k, *point)), Hex(Bytes(want.begin() + 1, want.begin() + 49)));
    }
  }
}

TEST(P384Test, RandomScalarsAndPointsMatchOpenSsl) {
  Ossl o;
  const Bytes n = o.Order();
  for (int i = 0; i < 200; ++i) {
    Bytes k(48), j(48);
    RAND_bytes(k.data(), 48);
    RAND_bytes(j.data(), 48);
    k[0] &= 0x7f;  // < n
    j[0] &= 0x7f;
    if (i % 3 == 0) k[0] = 0;  // short scalars too
    const Bytes point = o.Mul(j, nullptr);
    EXPECT_EQ(Hex(Ours(k)), Hex(o.Mul(k, nullptr)));
    const Bytes want = o.Mul(k, &point);
    EXPECT_EQ(Hex(OursX(k, point)), Hex(Bytes(want.begin() + 1, want.begin() + 49)));
  }
}

TEST(P384Test, DiffieHellmanAgrees) {
  for (int i = 0; i < 20; ++i) {
    Bytes a(48), b(48);
    RAND_bytes(a.data(), 48);
    RAND_bytes(b.data(), 48);
    a[0] &= 0x7f;
    b[0] &= 0x7f;
    EXPECT_EQ(Hex(OursX(a, Ours(b))), Hex(OursX(b, Ours(a))));
  }
}

}  // namespace
}  // namespace brs::crypto
