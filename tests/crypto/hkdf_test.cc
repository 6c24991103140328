#include "crypto/hkdf.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

Bytes H(std::string_view hex) { return *HexDecode(hex); }

// RFC 5869 Appendix A.1.
TEST(HkdfTest, Rfc5869Case1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = H("000102030405060708090a0b0c");
  const Bytes info = H("f0f1f2f3f4f5f6f7f8f9");
  const SecretBytes prk = HkdfExtract(HkdfHash::kSha256, salt, ikm);
  EXPECT_EQ(Hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  auto okm = HkdfExpand(HkdfHash::kSha256, prk, info, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// RFC 5869 Appendix A.3: empty salt and info.
TEST(HkdfTest, Rfc5869Case3EmptySaltAndInfo) {
  const Bytes ikm(22, 0x0b);
  const SecretBytes prk = HkdfExtract(HkdfHash::kSha256, {}, ikm);
  EXPECT_EQ(Hex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  auto okm = HkdfExpand(HkdfHash::kSha256, prk, {}, 42);
  ASSERT_TRUE(okm.ok());
  EXPECT_EQ(Hex(*okm),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfTest, Sha384MatchesHmacDefinition) {
  // Expand output is a prefix-consistent stream: a shorter request is a
  // prefix of a longer one, across block boundaries.
  const Bytes ikm(30, 0x42);
  const SecretBytes prk = HkdfExtract(HkdfHash::kSha384, ToBytes("salt"), ikm);
  ASSERT_EQ(prk.size(), 48u);
  auto long_okm = HkdfExpand(HkdfHash::kSha384, prk, ToBytes("info"), 200);
  ASSERT_TRUE(long_okm.ok());
  for (size_t len : {1u, 47u, 48u, 49u, 96u, 97u, 199u}) {
    auto okm = HkdfExpand(HkdfHash::kSha384, prk, ToBytes("info"), len);
    ASSERT_TRUE(okm.ok());
    EXPECT_TRUE(std::equal(okm->begin(), okm->end(), long_okm->begin())) << len;
  }
}

// Extract is HMAC(salt, ikm), computed by our HMAC over OpenSSL's hashes:
// against OpenSSL's own HMAC for keys shorter than, as long as and longer
// than the hash blocks (64 and 128 bytes: longer keys are hashed first).
TEST(HkdfTest, HmacMatchesOpenSsl) {
  for (HkdfHash hash : {HkdfHash::kSha256, HkdfHash::kSha384}) {
    for (size_t key_len = 0; key_len <= 300; key_len += key_len < 140 ? 1 : 37) {
      Bytes key(key_len), data(key_len * 7 % 300);
      for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 31 + 7);
      for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 17 + 3);
      uint8_t want[64];
      unsigned int len = 0;
      const uint8_t dummy = 0;
      ASSERT_NE(HMAC(hash == HkdfHash::kSha256 ? EVP_sha256() : EVP_sha384(),
                     key.empty() ? &dummy : key.data(), static_cast<int>(key.size()),
                     data.empty() ? &dummy : data.data(), data.size(), want, &len),
                nullptr);
      ASSERT_EQ(len, HkdfHashSize(hash));
      EXPECT_EQ(Hex(HkdfExtract(hash, key, data)), Hex(Bytes(want, want + len)))
          << "key " << key_len << " data " << data.size();
    }
  }
}

TEST(HkdfTest, ExpandLimits) {
  const SecretBytes prk(32, 1);
  EXPECT_TRUE(HkdfExpand(HkdfHash::kSha256, prk, {}, 255 * 32).ok());
  EXPECT_EQ(HkdfExpand(HkdfHash::kSha256, prk, {}, 255 * 32 + 1).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(HkdfExpand(HkdfHash::kSha256, SecretBytes(31, 1), {}, 32).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(HkdfExpand(HkdfHash::kSha384, SecretBytes(32, 1), {}, 32).status().code(),
            Code::kInvalidArgument);
  auto empty = HkdfExpand(HkdfHash::kSha256, prk, {}, 0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace brs::crypto
