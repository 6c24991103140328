#include "crypto/nist_ecdh.h"

#include <gtest/gtest.h>

#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

Bytes H(std::string_view hex) { return *HexDecode(hex); }

// Known answers computed once with Python's `cryptography` package; the
// draft-ietf-hpke-pq vectors in hybrid_kem_test.cc exercise the same
// functions again through the hybrid KEMs.
struct Kat {
  NistCurve curve;
  const char* a;
  const char* b;
  const char* pub_a;
  const char* pub_b;
  const char* shared_x;
};

const Kat kKats[] = {
    {NistCurve::kP256, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
     "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f80818283",
     "04515c3d6eb9e396b904d3feca7f54fdcd0cc1e997bf375dca515ad0a6c3b4035f4536be3a50f318fbf9a5475902"
     "a221502bef0d57e08c53b2cc0a56f17d9f9354",
     "045142f48a7c80caf47544a428fc57d272a6c678ad5e93ffcba36666a99639e51dd1bdb6fb598144567a2657e8ff"
     "3619fbaa0cd2a040c19ab22af910c705a757ba",
     "26d4eeef6a6c76d81c054d19d75dc4f0bdc45d632599df3b8b4c2a86134ffb6c"},
    {NistCurve::kP384,
     "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2"
     "f"
     "30",
     "6465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f9091"
     "9293",
     "04c76f2283dda95cd49b0ed9e733d2904474e37216f124e13d2c9ab4cf01021c49ad9cabb3d0b97499aef2f0ab31"
     "3fa02826bc1f83451b5c8962a75caff73588d4400a6296436154fb343c393e91048a6c7bcbadc83cd8a5f26feae8"
     "83156f92a1",
     "04341e0b5d46340a8787ade329b48c59510e3d0cfe0c40ca09b5b7dd0d54fc4c3f8a9d2ed8fcaeb133f2d12bfeee"
     "be52999a8935be97f271d17a96acc37378084be53528ed48c3eb3fa8c561be9abc053a0df7b8384cfcb01653f9db"
     "30de04f8a7",
     "f755ecd7dae900e0cd7ae375f361809328402009a9e16f9d6f2e8edb9ae26608eb77e9ad160d36c8fe03e0a71f0b"
     "fb34"},
};

TEST(NistEcdhTest, Sizes) {
  EXPECT_EQ(EcScalarSize(NistCurve::kP256), 32u);
  EXPECT_EQ(EcPointSize(NistCurve::kP256), 65u);
  EXPECT_EQ(EcScalarSize(NistCurve::kP384), 48u);
  EXPECT_EQ(EcPointSize(NistCurve::kP384), 97u);
}

TEST(NistEcdhTest, KnownAnswers) {
  for (const Kat& k : kKats) {
    auto pa = EcPublicPoint(k.curve, H(k.a));
    auto pb = EcPublicPoint(k.curve, H(k.b));
    ASSERT_TRUE(pa.ok() && pb.ok()) << pa.status().ToString();
    EXPECT_EQ(Hex(*pa), k.pub_a);
    EXPECT_EQ(Hex(*pb), k.pub_b);
    auto ab = EcdhSharedX(k.curve, H(k.a), *pb);
    auto ba = EcdhSharedX(k.curve, H(k.b), *pa);
    ASSERT_TRUE(ab.ok() && ba.ok()) << ab.status().ToString();
    EXPECT_EQ(Hex(*ab), k.shared_x);
    EXPECT_EQ(Hex(*ba), k.shared_x);
  }
}

TEST(NistEcdhTest, ScalarRange) {
  // P-384 order n.
  const Bytes n = H(
      "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc5"
      "2973");
  Bytes n_minus_1 = n;
  n_minus_1.back() -= 1;
  EXPECT_TRUE(CheckEcScalar(NistCurve::kP384, n_minus_1).ok());
  EXPECT_EQ(CheckEcScalar(NistCurve::kP384, n).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckEcScalar(NistCurve::kP384, Bytes(48, 0xff)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckEcScalar(NistCurve::kP384, Bytes(48, 0)).code(), Code::kInvalidArgument);
  Bytes one(48, 0);
  one.back() = 1;
  EXPECT_TRUE(CheckEcScalar(NistCurve::kP384, one).ok());
  EXPECT_EQ(CheckEcScalar(NistCurve::kP384, Bytes(47, 1)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckEcScalar(NistCurve::kP256, Bytes(48, 1)).code(), Code::kInvalidArgument);
  EXPECT_EQ(EcPublicPoint(NistCurve::kP384, n).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(EcdhSharedX(NistCurve::kP384, Bytes(48, 0), H(kKats[1].pub_b)).status().code(),
            Code::kInvalidArgument);
}

TEST(NistEcdhTest, InvalidPointsAreRejectedWithClearErrors) {
  for (const Kat& k : kKats) {
    const Bytes good = H(k.pub_b);
    const Bytes scalar = H(k.a);
    ASSERT_TRUE(CheckEcPoint(k.curve, good).ok());

    auto expect_bad = [&](const Bytes& p, const std::string& words) {
      Status s = CheckEcPoint(k.curve, p);
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << words;
      EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
      auto d = EcdhSharedX(k.curve, scalar, p);
      EXPECT_EQ(d.status().code(), Code::kInvalidArgument) << words;
    };

    Bytes off_curve = good;
    off_curve.back() ^= 0x01;
    expect_bad(off_curve, "not on the curve");

    // Compressed encoding of the same point: right prefix, short length.
    Bytes compressed(good.begin(),
                     good.begin() + 1 + static_cast<ptrdiff_t>(EcScalarSize(k.curve)));
    compressed[0] = static_cast<uint8_t>(0x02 | (good.back() & 1));
    expect_bad(compressed, "must be");
    // A compressed prefix padded to the full length.
    Bytes compressed_full = good;
    compressed_full[0] = 0x03;
    expect_bad(compressed_full, "compressed");

    // Infinity: the one-byte SEC 1 encoding, and 0x00 padded to full length.
    expect_bad(Bytes{0x00}, "must be");
    expect_bad(Bytes(good.size(), 0x00), "infinity");

    Bytes bad_prefix = good;
    bad_prefix[0] = 0x06;  // hybrid form
    expect_bad(bad_prefix, "0x04");

    // x = p (all ones above the curve's prime for the top bytes): not a
    // coordinate.
    Bytes x_too_big = good;
    std::fill(x_too_big.begin() + 1,
              x_too_big.begin() + 1 + static_cast<ptrdiff_t>(EcScalarSize(k.curve)), 0xff);
    expect_bad(x_too_big, "not on the curve");

    expect_bad(Bytes(), "must be");
    Bytes longer = good;
    longer.push_back(0);
    expect_bad(longer, "must be");
  }
}

}  // namespace
}  // namespace brs::crypto
