// Our Ed25519 (src/crypto/ed25519.h): RFC 8032 known answers, random
// cross-checks with OpenSSL in both directions, S >= L, wrong lengths.
#include "crypto/ed25519.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "base/encoding.h"
#include "crypto/ed25519_field.h"
#include "crypto/ed25519_scalar.h"
#include "crypto/identity.h"

namespace brs::crypto::ed25519 {
namespace {

Bytes Hex(std::string_view h) {
  auto b = HexDecode(h);
  EXPECT_TRUE(b.ok()) << h;
  return b.ok() ? *b : Bytes();
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

Bytes OpenSslSign(const Bytes& seed, const Bytes& msg, Bytes* pub) {
  std::unique_ptr<EVP_PKEY, PkeyFree> k(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  EXPECT_TRUE(k);
  pub->resize(32);
  size_t len = 32;
  EXPECT_EQ(EVP_PKEY_get_raw_public_key(k.get(), pub->data(), &len), 1);
  std::unique_ptr<EVP_MD_CTX, CtxFree> c(EVP_MD_CTX_new());
  EXPECT_EQ(EVP_DigestSignInit(c.get(), nullptr, nullptr, nullptr, k.get()), 1);
  Bytes sig(64);
  len = 64;
  EXPECT_EQ(EVP_DigestSign(c.get(), sig.data(), &len, msg.data(), msg.size()), 1);
  return sig;
}

bool OpenSslVerify(const Bytes& pub, const Bytes& msg, const Bytes& sig) {
  std::unique_ptr<EVP_PKEY, PkeyFree> k(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()));
  if (!k) return false;
  std::unique_ptr<EVP_MD_CTX, CtxFree> c(EVP_MD_CTX_new());
  EXPECT_EQ(EVP_DigestVerifyInit(c.get(), nullptr, nullptr, nullptr, k.get()), 1);
  return EVP_DigestVerify(c.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

Bytes Random(size_t n) {
  Bytes b(n);
  if (n) {
    EXPECT_EQ(RAND_bytes(b.data(), static_cast<int>(n)), 1);
  }
  return b;
}

Bytes OurSign(const Bytes& seed, const Bytes& msg, Bytes* pub) {
  ExpandedKey key;
  EXPECT_TRUE(ExpandSeed(seed.data(), key));
  pub->assign(key.public_key, key.public_key + 32);
  Bytes sig(64);
  EXPECT_TRUE(Sign(key, msg, sig.data()));
  return sig;
}

bool OurVerify(const Bytes& pub, const Bytes& msg, const Bytes& sig) {
  return Verify(pub.data(), msg, sig.data());
}

// RFC 8032 §7.1, tests 1-3 and the SHA(abc) one.
TEST(Ed25519, Rfc8032KnownAnswers) {
  struct Case {
    const char *seed, *pub, *msg, *sig;
  } cases[] = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
       "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
      {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
       "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
       "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
       "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
  };
  for (const auto& c : cases) {
    Bytes pub;
    const Bytes sig = OurSign(Hex(c.seed), Hex(c.msg), &pub);
    EXPECT_EQ(HexEncode(pub), c.pub);
    EXPECT_EQ(HexEncode(sig), c.sig);
    EXPECT_TRUE(OurVerify(Hex(c.pub), Hex(c.msg), Hex(c.sig)));
    Bytes bad = Hex(c.sig);
    bad[5] ^= 1;
    EXPECT_FALSE(OurVerify(Hex(c.pub), Hex(c.msg), bad));
  }
}

// 10 000 random keys and messages: our signature equals OpenSSL's (Ed25519 is
// deterministic), OpenSSL verifies ours, we verify OpenSSL's, and a flipped
// bit is refused by both.
TEST(Ed25519, MatchesOpenSslOnRandomKeys) {
  for (int i = 0; i < 10000; ++i) {
    const Bytes seed = Random(32);
    const Bytes msg = Random(static_cast<size_t>(i % 97));
    Bytes our_pub, ssl_pub;
    const Bytes ours = OurSign(seed, msg, &our_pub);
    const Bytes theirs = OpenSslSign(seed, msg, &ssl_pub);
    ASSERT_EQ(our_pub, ssl_pub) << i;
    ASSERT_EQ(ours, theirs) << i;
    ASSERT_TRUE(OpenSslVerify(ssl_pub, msg, ours)) << i;
    ASSERT_TRUE(OurVerify(our_pub, msg, theirs)) << i;
    Bytes bad = theirs;
    bad[static_cast<size_t>(i) % 64] ^= static_cast<uint8_t>(1u << (i % 8));
    ASSERT_FALSE(OurVerify(our_pub, msg, bad)) << i;
    ASSERT_FALSE(OpenSslVerify(ssl_pub, msg, bad)) << i;
    if (!msg.empty()) {
      Bytes other = msg;
      other[0] ^= 0x80;
      ASSERT_FALSE(OurVerify(our_pub, other, theirs)) << i;
    }
  }
}

// Signatures made by the other implementation under a key our Verify has to
// decode (random points), verified by both: same verdicts on random garbage.
TEST(Ed25519, RandomGarbageRefusedLikeOpenSsl) {
  for (int i = 0; i < 2000; ++i) {
    const Bytes pub = Random(32), msg = Random(16);
    Bytes sig = Random(64);
    sig[63] &= 0x0f;  // S below L most of the time
    EXPECT_EQ(OurVerify(pub, msg, sig), OpenSslVerify(pub, msg, sig)) << i;
  }
}

// S ≥ L: S + L verifies nowhere (malleability), nor does S = L.
TEST(Ed25519, RefusesScalarsNotBelowL) {
  const Bytes seed = Random(32), msg = Random(20);
  Bytes pub;
  const Bytes sig = OurSign(seed, msg, &pub);
  ASSERT_TRUE(OurVerify(pub, msg, sig));
  const Bytes l = Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  Bytes plus = sig;
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned v = plus[32 + i] + l[i] + carry;
    plus[32 + i] = static_cast<uint8_t>(v);
    carry = v >> 8;
  }
  EXPECT_FALSE(OurVerify(pub, msg, plus));
  EXPECT_FALSE(OpenSslVerify(pub, msg, plus));
  Bytes eq_l = sig;
  std::copy(l.begin(), l.end(), eq_l.begin() + 32);
  EXPECT_FALSE(OurVerify(pub, msg, eq_l));
  EXPECT_FALSE(ScIsCanonical(l.data()));
  Bytes below = l;
  below[0] -= 1;
  EXPECT_TRUE(ScIsCanonical(below.data()));
}

TEST(Ed25519, IdentityWrapperChecksLengths) {
  const Bytes pub(32, 1), sig(64, 0);
  EXPECT_EQ(VerifyEd25519(Bytes(31, 1), {}, sig).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyEd25519(Bytes(33, 1), {}, sig).code(), Code::kInvalidArgument);
  EXPECT_EQ(VerifyEd25519(pub, {}, Bytes(63, 0)).code(), Code::kPermissionDenied);
  EXPECT_EQ(VerifyEd25519(pub, {}, Bytes(65, 0)).code(), Code::kPermissionDenied);
}

// Field: sqrt(-1)² = -1 and inversion, on random elements (checked through
// the encoding, which is canonical).
TEST(Ed25519Field, InvertAndEncodingRoundTrip) {
  for (int i = 0; i < 200; ++i) {
    Bytes b = Random(32);
    b[31] &= 0x7f;
    Fe a, inv, prod, one;
    FeFromBytes(a, b.data());
    if (FeIsZeroMask(a)) continue;
    FeInvert(inv, a);
    FeMul(prod, a, inv);
    FeOne(one);
    Fe diff;
    FeSub(diff, prod, one);
    EXPECT_TRUE(FeIsZeroMask(diff)) << i;
  }
  // p + 5 encodes as 5.
  Bytes p5 = Hex("f2ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  Fe x;
  FeFromBytes(x, p5.data());
  uint8_t out[32];
  FeToBytes(out, x);
  EXPECT_EQ(out[0], 5);
  for (int i = 1; i < 32; ++i) EXPECT_EQ(out[i], 0) << i;
}

// Scalars: ScReduce64 against OpenSSL's BN on random 512-bit inputs is
// covered by MatchesOpenSslOnRandomKeys (every signature reduces two
// digests); here the boundary: L itself reduces to 0, L - 1 stays.
TEST(Ed25519Scalar, ReduceBoundaries) {
  uint8_t in[64] = {};
  const Bytes l = Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  std::copy(l.begin(), l.end(), in);
  uint8_t out[32];
  ScToBytes(out, ScReduce64(in));
  for (uint8_t v : out) EXPECT_EQ(v, 0);
  in[0] -= 1;
  ScToBytes(out, ScReduce64(in));
  EXPECT_EQ(Bytes(out, out + 32), Bytes(in, in + 32));
  std::fill(in, in + 64, 0xff);  // 2^512 - 1 mod L
  ScToBytes(out, ScReduce64(in));
  EXPECT_TRUE(ScIsCanonical(out));
}

}  // namespace
}  // namespace brs::crypto::ed25519
