// RFC 9180 key schedule, context and exporter against the
// draft-ietf-hpke-pq vectors (tests/data/hpke-pq/vectors.json, made by
// tools/filter_hpke_pq_vectors.py). The KEM half of each vector is checked in
// hybrid_kem_test.cc; here the vector's shared_secret is the input.
#include "crypto/hpke.h"

#include <gtest/gtest.h>

#include <set>

#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Field;
using testing::Hex;
using testing::HexField;
using testing::IntField;

const google::protobuf::Value& Vectors() {
  static const google::protobuf::Value v =
      testing::LoadJson(testing::TestDataPath("hpke-pq/vectors.json"));
  return v;
}

HpkeSuite SuiteOf(const google::protobuf::Value& v) {
  HpkeSuite s;
  s.kem_id = static_cast<uint16_t>(IntField(v, "kem_id"));
  s.kdf = *HpkeKdfFromId(static_cast<uint16_t>(IntField(v, "kdf_id")));
  s.aead = *HpkeAeadFromId(static_cast<uint16_t>(IntField(v, "aead_id")));
  return s;
}

TEST(HpkeTest, VectorFileHasTheThreeKems) {
  std::set<uint64_t> kems;
  for (const auto& v : Vectors().list_value().values()) kems.insert(IntField(v, "kem_id"));
  EXPECT_EQ(kems, (std::set<uint64_t>{0x42, 0x50, 0x51}));
}

TEST(HpkeTest, SuiteIds) {
  for (const auto& v : Vectors().list_value().values()) {
    EXPECT_EQ(Hex(HpkeSuiteId(SuiteOf(v))), Hex(HexField(v, "suite_id")));
  }
  EXPECT_EQ(Hex(KemSuiteId(0x0051)), "4b454d0051");
}

TEST(HpkeTest, KeyScheduleMatchesVectors) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE("kem " + std::to_string(IntField(v, "kem_id")));
    auto ks = HpkeKeyScheduleBase(SuiteOf(v), HexField(v, "shared_secret"), HexField(v, "info"));
    ASSERT_TRUE(ks.ok()) << ks.status().ToString();
    EXPECT_EQ(Hex(ks->key), Hex(HexField(v, "key")));
    EXPECT_EQ(Hex(ks->base_nonce), Hex(HexField(v, "base_nonce")));
    EXPECT_EQ(Hex(ks->exporter_secret), Hex(HexField(v, "exporter_secret")));
  }
}

TEST(HpkeTest, ExportsMatchVectors) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE("kem " + std::to_string(IntField(v, "kem_id")));
    auto ctx = HpkeContext::Create(SuiteOf(v), HexField(v, "shared_secret"), HexField(v, "info"));
    ASSERT_TRUE(ctx.ok());
    const auto& exports = Field(v, "exports").list_value().values();
    ASSERT_FALSE(exports.empty());
    for (const auto& e : exports) {
      auto got = ctx->Export(HexField(e, "exporter_context"), IntField(e, "L"));
      ASSERT_TRUE(got.ok());
      EXPECT_EQ(Hex(*got), Hex(HexField(e, "exported_value")));
    }
  }
}

TEST(HpkeTest, EncryptionsMatchVectorsWithSequenceNumbers) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE("kem " + std::to_string(IntField(v, "kem_id")));
    auto sender =
        HpkeContext::Create(SuiteOf(v), HexField(v, "shared_secret"), HexField(v, "info"));
    auto recipient =
        HpkeContext::Create(SuiteOf(v), HexField(v, "shared_secret"), HexField(v, "info"));
    ASSERT_TRUE(sender.ok() && recipient.ok());
    const Bytes base_nonce = HexField(v, "base_nonce");
    const auto& encryptions = Field(v, "encryptions").list_value().values();
    ASSERT_FALSE(encryptions.empty());
    uint64_t seq = 0;
    for (const auto& e : encryptions) {
      // The vector's nonce is base_nonce XOR seq.
      Bytes nonce = base_nonce;
      for (int i = 0; i < 8; ++i) nonce[11 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
      EXPECT_EQ(Hex(nonce), Hex(HexField(e, "nonce")));
      EXPECT_EQ(sender->sequence(), seq);
      auto ct = sender->Seal(HexField(e, "aad"), HexField(e, "pt"));
      ASSERT_TRUE(ct.ok());
      EXPECT_EQ(Hex(*ct), Hex(HexField(e, "ct")));
      auto pt = recipient->Open(HexField(e, "aad"), HexField(e, "ct"));
      ASSERT_TRUE(pt.ok());
      EXPECT_EQ(Hex(*pt), Hex(HexField(e, "pt")));
      ++seq;
    }
  }
}

TEST(HpkeTest, FailedOpenDoesNotAdvance) {
  const auto& v = Vectors().list_value().values(0);
  auto ctx = HpkeContext::Create(SuiteOf(v), HexField(v, "shared_secret"), HexField(v, "info"));
  ASSERT_TRUE(ctx.ok());
  const auto& e0 = Field(v, "encryptions").list_value().values(0);
  Bytes bad = HexField(e0, "ct");
  bad[0] ^= 1;
  auto r = ctx->Open(HexField(e0, "aad"), bad);
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_EQ(ctx->sequence(), 0u);
  // Out of order (the second message first) fails too and does not advance.
  const auto& e1 = Field(v, "encryptions").list_value().values(1);
  EXPECT_EQ(ctx->Open(HexField(e1, "aad"), HexField(e1, "ct")).status().code(), Code::kDataLoss);
  EXPECT_TRUE(ctx->Open(HexField(e0, "aad"), HexField(e0, "ct")).ok());
  EXPECT_TRUE(ctx->Open(HexField(e1, "aad"), HexField(e1, "ct")).ok());
  EXPECT_EQ(ctx->sequence(), 2u);
}

TEST(HpkeTest, ExportLengthLimits) {
  HpkeSuite suite{0x51, HpkeKdf::kHkdfSha256, HpkeAead::kAes256Gcm};
  auto ctx = HpkeContext::Create(suite, Bytes(32, 9), ToBytes("info"));
  ASSERT_TRUE(ctx.ok());
  EXPECT_TRUE(ctx->Export("x", 255 * 32).ok());
  EXPECT_EQ(ctx->Export("x", 255 * 32 + 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ctx->Export("x", 70000).status().code(), Code::kInvalidArgument);
  auto a = ctx->Export("label-a", 32), b = ctx->Export("label-b", 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(Hex(*a), Hex(*b));
}

TEST(HpkeTest, UnknownIdsRejected) {
  EXPECT_EQ(HpkeKdfFromId(3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HpkeKdfFromId(0x10).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HpkeAeadFromId(3).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HpkeAeadFromId(0xFFFF).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::crypto
