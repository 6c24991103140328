// The KEMs of hybrid_kem.h against the draft-ietf-hpke-pq vectors (kem_id
// 81, 80, 66; tests/data/hpke-pq/vectors.json) and against bad input, plus
// full SetupBaseS/SetupBaseR (hpke_setup.h) for the same vectors.
#include "crypto/hybrid_kem.h"

#include <gtest/gtest.h>

#include "crypto/hpke_setup.h"
#include "crypto/nist_ecdh.h"
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

KemId KemOf(const google::protobuf::Value& v) {
  return *KemIdFromWire(static_cast<uint16_t>(IntField(v, "kem_id")));
}

std::string Name(const google::protobuf::Value& v) {
  return std::string(KemName(KemOf(v))) + " kdf " + std::to_string(IntField(v, "kdf_id"));
}

TEST(HybridKemTest, Sizes) {
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024P384).public_key, 1665u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024P384).enc, 1665u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024P384).seed, 32u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024P384).encap_randomness, 80u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem768P256).public_key, 1249u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem768P256).enc, 1153u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024).public_key, 1568u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem1024).seed, 64u);
  EXPECT_EQ(KemSizesFor(KemId::kMlKem768).enc, 1088u);
  EXPECT_EQ(KemIdFromWire(0x0051).value(), KemId::kMlKem1024P384);
  EXPECT_EQ(KemIdFromWire(0x647a).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(KemIdFromWire(0x0040).status().code(), Code::kInvalidArgument);
}

TEST(HybridKemTest, PublicKeyFromSeed) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE(Name(v));
    auto key = KemPrivateKey::FromSeed(KemOf(v), HexField(v, "skRm"));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(Hex(key->public_key()), Hex(HexField(v, "pkRm")));
    EXPECT_EQ(Hex(key->seed()), Hex(HexField(v, "skRm")));
  }
}

TEST(HybridKemTest, DeriveKeyPairFromIkmR) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE(Name(v));
    auto key = KemPrivateKey::Derive(KemOf(v), HexField(v, "ikmR"));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(Hex(key->seed()), Hex(HexField(v, "skRm")));
    EXPECT_EQ(Hex(key->public_key()), Hex(HexField(v, "pkRm")));
  }
}

TEST(HybridKemTest, DecapsulateVectorEnc) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE(Name(v));
    auto key = KemPrivateKey::FromSeed(KemOf(v), HexField(v, "skRm"));
    ASSERT_TRUE(key.ok());
    auto ss = key->Decapsulate(HexField(v, "enc"));
    ASSERT_TRUE(ss.ok()) << ss.status().ToString();
    EXPECT_EQ(Hex(*ss), Hex(HexField(v, "shared_secret")));
  }
}

TEST(HybridKemTest, DeterministicEncapsulationFromIkmE) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE(Name(v));
    auto e = KemEncapsulate(KemOf(v), HexField(v, "pkRm"), HexField(v, "ikmE"));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(Hex(e->enc), Hex(HexField(v, "enc")));
    EXPECT_EQ(Hex(e->shared_secret), Hex(HexField(v, "shared_secret")));
  }
}

// Full HPKE: SetupBaseS from ikmE and SetupBaseR from skRm reproduce the
// key schedule, every export and every encryption of the vector.
TEST(HybridKemTest, SetupBaseSAndRReproduceVectors) {
  for (const auto& v : Vectors().list_value().values()) {
    SCOPED_TRACE(Name(v));
    const auto kdf = *HpkeKdfFromId(static_cast<uint16_t>(IntField(v, "kdf_id")));
    const auto aead = *HpkeAeadFromId(static_cast<uint16_t>(IntField(v, "aead_id")));
    const Bytes info = HexField(v, "info");
    auto sender = SetupBaseS(KemOf(v), kdf, aead, HexField(v, "pkRm"), info, HexField(v, "ikmE"));
    ASSERT_TRUE(sender.ok()) << sender.status().ToString();
    EXPECT_EQ(Hex(sender->enc), Hex(HexField(v, "enc")));
    auto key = KemPrivateKey::FromSeed(KemOf(v), HexField(v, "skRm"));
    ASSERT_TRUE(key.ok());
    auto recipient = SetupBaseR(*key, kdf, aead, sender->enc, info);
    ASSERT_TRUE(recipient.ok()) << recipient.status().ToString();
    for (const HpkeContext* ctx : {&sender->context, &*recipient}) {
      EXPECT_EQ(Hex(ctx->key_schedule().key), Hex(HexField(v, "key")));
      EXPECT_EQ(Hex(ctx->key_schedule().base_nonce), Hex(HexField(v, "base_nonce")));
      EXPECT_EQ(Hex(ctx->key_schedule().exporter_secret), Hex(HexField(v, "exporter_secret")));
      for (const auto& e : Field(v, "exports").list_value().values()) {
        auto got = ctx->Export(HexField(e, "exporter_context"), IntField(e, "L"));
        ASSERT_TRUE(got.ok());
        EXPECT_EQ(Hex(*got), Hex(HexField(e, "exported_value")));
      }
    }
    for (const auto& e : Field(v, "encryptions").list_value().values()) {
      auto ct = sender->context.Seal(HexField(e, "aad"), HexField(e, "pt"));
      ASSERT_TRUE(ct.ok());
      EXPECT_EQ(Hex(*ct), Hex(HexField(e, "ct")));
      auto pt = recipient->Open(HexField(e, "aad"), *ct);
      ASSERT_TRUE(pt.ok());
      EXPECT_EQ(Hex(*pt), Hex(HexField(e, "pt")));
    }
  }
}

TEST(HybridKemTest, RandomRoundTripEveryKem) {
  for (KemId kem :
       {KemId::kMlKem768, KemId::kMlKem1024, KemId::kMlKem768P256, KemId::kMlKem1024P384}) {
    SCOPED_TRACE(std::string(KemName(kem)));
    auto key = KemPrivateKey::Generate(kem);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    auto again = KemPrivateKey::FromSeed(kem, key->seed());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->public_key(), key->public_key());
    auto e1 = KemEncapsulate(kem, key->public_key());
    auto e2 = KemEncapsulate(kem, key->public_key());
    ASSERT_TRUE(e1.ok() && e2.ok()) << e1.status().ToString();
    EXPECT_EQ(e1->enc.size(), KemSizesFor(kem).enc);
    EXPECT_NE(e1->enc, e2->enc);
    EXPECT_NE(Hex(e1->shared_secret), Hex(e2->shared_secret));
    auto ss = key->Decapsulate(e1->enc);
    ASSERT_TRUE(ss.ok());
    EXPECT_EQ(Hex(*ss), Hex(e1->shared_secret));
  }
}

TEST(HybridKemTest, TamperedPqCiphertextGivesOtherSecret) {
  auto key = KemPrivateKey::Generate(KemId::kMlKem1024P384);
  ASSERT_TRUE(key.ok());
  auto e = KemEncapsulate(KemId::kMlKem1024P384, key->public_key());
  ASSERT_TRUE(e.ok());
  Bytes bad = e->enc;
  bad[5] ^= 0x01;  // inside the ML-KEM ciphertext: implicit rejection
  auto ss = key->Decapsulate(bad);
  ASSERT_TRUE(ss.ok());
  EXPECT_NE(Hex(*ss), Hex(e->shared_secret));
}

TEST(HybridKemTest, WrongLengthsAreInvalidArgument) {
  for (KemId kem :
       {KemId::kMlKem768, KemId::kMlKem1024, KemId::kMlKem768P256, KemId::kMlKem1024P384}) {
    SCOPED_TRACE(std::string(KemName(kem)));
    const KemSizes s = KemSizesFor(kem);
    for (size_t n : {size_t{0}, s.seed - 1, s.seed + 1}) {
      EXPECT_EQ(KemPrivateKey::FromSeed(kem, Bytes(n, 1)).status().code(), Code::kInvalidArgument);
    }
    auto key = KemPrivateKey::Generate(kem);
    ASSERT_TRUE(key.ok());
    for (size_t n : {size_t{0}, s.enc - 1, s.enc + 1}) {
      EXPECT_EQ(key->Decapsulate(Bytes(n, 1)).status().code(), Code::kInvalidArgument);
    }
    Bytes pk = key->public_key();
    for (size_t n : {size_t{0}, s.public_key - 1, s.public_key + 1}) {
      Bytes p = pk;
      p.resize(n, 0);
      auto r = KemEncapsulate(kem, p);
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
      if (n == 0) {
        EXPECT_NE(r.status().message().find("public key must be"), std::string::npos);
      }
    }
    for (size_t n : {size_t{1}, size_t{31}, s.encap_randomness - 1, s.encap_randomness + 1}) {
      auto r = KemEncapsulate(kem, pk, Bytes(n, 1));
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << n;
    }
  }
}

struct HybridCase {
  KemId kem;
  NistCurve curve;
};
const HybridCase kHybrids[] = {{KemId::kMlKem1024P384, NistCurve::kP384},
                               {KemId::kMlKem768P256, NistCurve::kP256}};

// Replaces the trailing EC point of a public key or encapsulation.
Bytes WithPoint(const Bytes& whole, NistCurve curve, const Bytes& point) {
  Bytes out(whole.begin(), whole.end() - static_cast<ptrdiff_t>(EcPointSize(curve)));
  out.insert(out.end(), point.begin(), point.end());
  return out;
}

std::vector<std::pair<std::string, Bytes>> BadPoints(const Bytes& good_point, NistCurve curve) {
  std::vector<std::pair<std::string, Bytes>> bad;
  Bytes off = good_point;
  off.back() ^= 1;
  bad.emplace_back("not on the curve", off);
  Bytes compressed = good_point;
  compressed[0] = 0x02;
  bad.emplace_back("compressed", compressed);
  bad.emplace_back("infinity", Bytes(EcPointSize(curve), 0));
  return bad;
}

TEST(HybridKemTest, InvalidPointInPublicKey) {
  for (const auto& h : kHybrids) {
    auto key = KemPrivateKey::Generate(h.kem);
    ASSERT_TRUE(key.ok());
    const Bytes& pk = key->public_key();
    const Bytes point(pk.end() - static_cast<ptrdiff_t>(EcPointSize(h.curve)), pk.end());
    for (const auto& [words, bad] : BadPoints(point, h.curve)) {
      auto r = KemEncapsulate(h.kem, WithPoint(pk, h.curve, bad));
      ASSERT_FALSE(r.ok()) << words;
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
      EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    }
  }
}

TEST(HybridKemTest, InvalidPointInEncapsulation) {
  for (const auto& h : kHybrids) {
    auto key = KemPrivateKey::Generate(h.kem);
    ASSERT_TRUE(key.ok());
    auto e = KemEncapsulate(h.kem, key->public_key());
    ASSERT_TRUE(e.ok());
    const Bytes point(e->enc.end() - static_cast<ptrdiff_t>(EcPointSize(h.curve)), e->enc.end());
    for (const auto& [words, bad] : BadPoints(point, h.curve)) {
      auto r = key->Decapsulate(WithPoint(e->enc, h.curve, bad));
      ASSERT_FALSE(r.ok()) << words;
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
      EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
    }
  }
}

TEST(HybridKemTest, BadMlKemEncapsulationKeyRejected) {
  // FIPS 203 §7.2 input check: a coefficient of 4095 (>= q) in ek.
  for (KemId kem : {KemId::kMlKem1024, KemId::kMlKem1024P384}) {
    auto key = KemPrivateKey::Generate(kem);
    ASSERT_TRUE(key.ok());
    Bytes pk = key->public_key();
    pk[0] = 0xff;
    pk[1] |= 0x0f;
    EXPECT_EQ(KemEncapsulate(kem, pk).status().code(), Code::kInvalidArgument);
  }
}

TEST(HybridKemTest, RandomnessWithoutValidScalar) {
  auto key = KemPrivateKey::Generate(KemId::kMlKem1024P384);
  ASSERT_TRUE(key.ok());
  // 32 bytes of m, then two P-384 candidates that are both >= n.
  Bytes r(32 + 2 * 48, 0xff);
  auto e = KemEncapsulate(KemId::kMlKem1024P384, key->public_key(), r);
  EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
  EXPECT_NE(e.status().message().find("no EC scalar"), std::string::npos);
  // The second candidate is used when the first is out of range.
  Bytes r2 = r;
  std::fill(r2.begin() + 32 + 48, r2.end(), 0x01);
  Bytes r3(32 + 48, 0xff);
  std::fill(r3.begin() + 32, r3.end(), 0x01);
  auto e2 = KemEncapsulate(KemId::kMlKem1024P384, key->public_key(), r2);
  auto e3 = KemEncapsulate(KemId::kMlKem1024P384, key->public_key(), r3);
  ASSERT_TRUE(e2.ok() && e3.ok());
  EXPECT_EQ(e2->enc, e3->enc);
}

}  // namespace
}  // namespace brs::crypto
