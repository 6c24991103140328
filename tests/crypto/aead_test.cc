#include "crypto/aead.h"

#include <gtest/gtest.h>

#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

Bytes H(std::string_view hex) { return *HexDecode(hex); }

// Known answers from the test cases of the GCM specification (McGrew &
// Viega), cross-checked with Python's `cryptography` AESGCM.
TEST(AesGcmTest, Aes256GcmKnownAnswer) {
  // McGrew & Viega GCM spec, Test Case 16 (AES-256, 60-byte PT, 20-byte AAD).
  const Bytes key = H("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const Bytes iv = H("cafebabefacedbaddecaf888");
  const Bytes pt =
      H("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
        "49a6b525b16aedf5aa0de657ba637b39");
  const Bytes aad = H("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string want_ct =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
      "56828838c5f61e6393ba7a0abcc9f662";
  const std::string want_tag = "76fc6ece0f4e1768cddf8853bb2d551b";
  auto ct = AesGcmSeal(key, iv, pt, aad);
  ASSERT_TRUE(ct.ok()) << ct.status().ToString();
  EXPECT_EQ(Hex(*ct), want_ct + want_tag);
  auto back = AesGcmOpen(key, iv, *ct, aad);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, pt);
}

TEST(AesGcmTest, Aes128GcmKnownAnswer) {
  // GCM spec Test Case 2: zero key, zero IV, 16 zero bytes.
  const Bytes key(16, 0), iv(12, 0), pt(16, 0);
  auto ct = AesGcmSeal(key, iv, pt);
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Hex(*ct), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");
}

TEST(AesGcmTest, EmptyPlaintextGivesTagOnly) {
  // GCM spec Test Case 13: AES-256 zero key, zero IV, empty input.
  const Bytes key(32, 0), iv(12, 0);
  auto ct = AesGcmSeal(key, iv, {});
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Hex(*ct), "530f8afbc74536b9a963b4f1c4cb738b");
  auto pt = AesGcmOpen(key, iv, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_TRUE(pt->empty());
}

TEST(AesGcmTest, ReusedObjectSealsManyMessages) {
  const Bytes key(32, 7);
  auto gcm = AesGcm::Create(key);
  ASSERT_TRUE(gcm.ok());
  for (int i = 0; i < 50; ++i) {
    Bytes iv(12, static_cast<uint8_t>(i));
    Bytes pt(static_cast<size_t>(i * 13), static_cast<uint8_t>(i));
    auto ct = gcm->Seal(iv, pt);
    ASSERT_TRUE(ct.ok());
    auto one_shot = AesGcmSeal(key, iv, pt);
    ASSERT_TRUE(one_shot.ok());
    EXPECT_EQ(*ct, *one_shot);
    auto back = gcm->Open(iv, *ct);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, pt);
  }
}

TEST(AesGcmTest, TamperingIsDataLoss) {
  const Bytes key(32, 1), iv(12, 2), pt = ToBytes("attack at dawn"), aad = ToBytes("hdr");
  auto ct = AesGcmSeal(key, iv, pt, aad);
  ASSERT_TRUE(ct.ok());
  for (size_t i = 0; i < ct->size(); ++i) {
    Bytes bad = *ct;
    bad[i] ^= 0x01;
    auto r = AesGcmOpen(key, iv, bad, aad);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.status().code(), Code::kDataLoss);
    EXPECT_EQ(r.status().message(), "authentication failed");
  }
  Bytes other_iv = iv;
  other_iv[11] ^= 1;
  EXPECT_EQ(AesGcmOpen(key, other_iv, *ct, aad).status().code(), Code::kDataLoss);
  EXPECT_EQ(AesGcmOpen(key, iv, *ct, ToBytes("hdR")).status().code(), Code::kDataLoss);
  EXPECT_EQ(AesGcmOpen(key, iv, *ct).status().code(), Code::kDataLoss);
  Bytes other_key = key;
  other_key[0] ^= 1;
  EXPECT_EQ(AesGcmOpen(other_key, iv, *ct, aad).status().code(), Code::kDataLoss);
}

TEST(AesGcmTest, BadSizesAreInvalidArgument) {
  EXPECT_EQ(AesGcm::Create(Bytes(24, 0)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(AesGcm::Create(Bytes()).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(AesGcmSeal(Bytes(32, 0), Bytes(8, 0), Bytes(3, 0)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(AesGcmOpen(Bytes(32, 0), Bytes(16, 0), Bytes(20, 0)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(AesGcmOpen(Bytes(32, 0), Bytes(12, 0), Bytes(15, 0)).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::crypto
