// Final FIPS 203 ML-KEM against Go's crypto/mlkem (tests/data/ml-kem/
// go-fips203.json, made by tools/mlkemvectors): key generation from seeds,
// implicit rejection on random ciphertexts, and Go's own encapsulations; and
// Go's own accumulated test (SPEC §9).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/keccak.h"
#include "crypto/mlkem.h"

namespace brs::crypto {
namespace {

google::protobuf::Struct LoadJson(const std::string& rel) {
  const char* dir = std::getenv("BRS_TEST_DATA");
  std::ifstream in(std::string(dir ? dir : "tests/data") + "/" + rel);
  std::stringstream ss;
  ss << in.rdbuf();
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(ss.str(), &s).ok()) << rel;
  return s;
}

const std::string& Str(const google::protobuf::Struct& s, const char* key) {
  return s.fields().at(key).string_value();
}
Bytes HexField(const google::protobuf::Struct& s, const char* key) {
  auto v = HexDecode(Str(s, key));
  EXPECT_TRUE(v.ok()) << key;
  return v.ok() ? *v : Bytes{};
}
MlKemParameterSet SetOf(const std::string& name) {
  return name == "ML-KEM-768" ? MlKemParameterSet::kMlKem768 : MlKemParameterSet::kMlKem1024;
}

TEST(MlKemGo, AccumulatedKeyGenAndImplicitRejectionMatchGo) {
  auto root = LoadJson("ml-kem/go-fips203.json");
  const auto& list = root.fields().at("accumulated").list_value();
  ASSERT_EQ(list.values_size(), 2);
  for (const auto& v : list.values()) {
    const auto& entry = v.struct_value();
    const MlKemParameterSet set = SetOf(Str(entry, "set"));
    const int count = static_cast<int>(entry.fields().at("count").number_value());
    Keccak rng = Keccak::Shake128();
    Keccak acc = Keccak::Shake128();
    Bytes seed(64), ct(MlKemSizesFor(set).ciphertext), ek;
    SecretBytes dk, k;
    for (int i = 0; i < count; ++i) {
      rng.Squeeze(seed);
      ASSERT_TRUE(builtin::MlKemKeyGenFromSeed(set, seed, &ek, &dk).ok());
      acc.Absorb(ek);
      rng.Squeeze(ct);
      ASSERT_TRUE(builtin::MlKemDecapsulate(set, dk, ct, &k).ok());
      acc.Absorb(k);
    }
    Bytes sum(32);
    acc.Squeeze(sum);
    EXPECT_EQ(HexEncode(sum), Str(entry, "hash")) << Str(entry, "set");
  }
}

// Go's own accumulated test (crypto/mlkem's TestAccumulated; final FIPS
// 203): one SHAKE-128 stream of the empty input yields per test the seed
// d ‖ z, the message m and a random ciphertext; ek, the encapsulation of m
// (ct, k) and the decapsulation of the random ciphertext go into a second
// SHAKE-128 (no dk), whose first 32 bytes are returned. Each encapsulation
// must also decapsulate to its key. The selected backend (OpenSSL's ML-KEM
// where built with it) or the built-in one.
std::string GoAccumulated(MlKemParameterSet set, int count, bool use_builtin) {
  Keccak rng = Keccak::Shake128();
  Keccak acc = Keccak::Shake128();
  Bytes seed(64), m(32), ct1(MlKemSizesFor(set).ciphertext), ek, ct;
  SecretBytes dk, k, kk, k1;
  for (int i = 0; i < count; ++i) {
    rng.Squeeze(seed);
    rng.Squeeze(m);
    rng.Squeeze(ct1);
    Status st = use_builtin ? builtin::MlKemKeyGenFromSeed(set, seed, &ek, &dk)
                            : MlKemKeyGenFromSeed(set, seed, &ek, &dk);
    EXPECT_TRUE(st.ok()) << st.message();
    st = use_builtin ? builtin::MlKemEncapsulate(set, ek, m, &ct, &k)
                     : MlKemEncapsulate(set, ek, m, &ct, &k);
    EXPECT_TRUE(st.ok()) << st.message();
    st = use_builtin ? builtin::MlKemDecapsulate(set, dk, ct, &kk)
                     : MlKemDecapsulate(set, dk, ct, &kk);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(Bytes(kk.begin(), kk.end()), Bytes(k.begin(), k.end())) << "test " << i;
    st = use_builtin ? builtin::MlKemDecapsulate(set, dk, ct1, &k1)
                     : MlKemDecapsulate(set, dk, ct1, &k1);
    EXPECT_TRUE(st.ok()) << st.message();
    acc.Absorb(ek);
    acc.Absorb(ct);
    acc.Absorb(k);
    acc.Absorb(k1);
    if (::testing::Test::HasFailure()) break;
  }
  Bytes sum(32);
  acc.Squeeze(sum);
  return HexEncode(sum);
}

// ML-KEM-768: the values Go's test checks (SPEC §9). ML-KEM-1024: made with
// Go 1.26's crypto/mlkem by the same procedure (tools/mlkemvectors/
// accumulated.go, which reproduces the ML-KEM-768 values first):
//   cd tools/mlkemvectors && go run . -accumulated 100,10000
TEST(MlKemGoAccumulated, MlKem768Hundred) {
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem768, 100, true),
            "1114b1b6699ed191734fa339376afa7e285c9e6acf6ff0177d346696ce564415");
}

TEST(MlKemGoAccumulated, MlKem768TenThousand) {
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem768, 10'000, true),
            "8a518cc63da366322a8e7a818c7a0d63483cb3528d34a4cf42f35d5ad73f22fc");
}

TEST(MlKemGoAccumulated, MlKem1024Hundred) {
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem1024, 100, true),
            "800018fec3e2723f73f1d657fe239b4d5d8782efaade297e8cd448e54cc2ac00");
}

TEST(MlKemGoAccumulated, MlKem1024TenThousand) {
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem1024, 10'000, true),
            "f1a3925c9cf8538bb104c56efb2f5ecb74cc3df25087460b73f6c873e96bcb6a");
}

// What the product runs: the dispatching entry points.
TEST(MlKemGoAccumulated, SelectedBackendMlKem1024TenThousand) {
  SCOPED_TRACE(MlKemBackendName());
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem1024, 10'000, false),
            "f1a3925c9cf8538bb104c56efb2f5ecb74cc3df25087460b73f6c873e96bcb6a");
}

// Run by ctest -L long only (crypto_mlkem_go_accumulated_1m_long in
// tests/CMakeLists.txt).
TEST(MlKemGoAccumulatedLong, MlKem768Million) {
  if (std::getenv("BRS_RUN_LONG") == nullptr) GTEST_SKIP() << "set BRS_RUN_LONG=1 (ctest -L long)";
  EXPECT_EQ(GoAccumulated(MlKemParameterSet::kMlKem768, 1'000'000, true),
            "424bf8f0e8ae99b78d788a6e2e8e9cdaf9773fc0c08a6f433507cb559edfd0f0");
}

TEST(MlKemGo, DecapsulatesGoEncapsulations) {
  auto root = LoadJson("ml-kem/go-fips203.json");
  const auto& list = root.fields().at("encapsulations").list_value();
  ASSERT_GE(list.values_size(), 8);
  for (const auto& v : list.values()) {
    const auto& e = v.struct_value();
    const MlKemParameterSet set = SetOf(Str(e, "set"));
    Bytes ek;
    SecretBytes dk, k, k2;
    ASSERT_TRUE(builtin::MlKemKeyGenFromSeed(set, HexField(e, "seed"), &ek, &dk).ok());
    EXPECT_EQ(ek, HexField(e, "ek"));
    ASSERT_TRUE(builtin::MlKemDecapsulate(set, dk, HexField(e, "ct"), &k).ok());
    EXPECT_EQ(Bytes(k.begin(), k.end()), HexField(e, "k"));
    ASSERT_TRUE(MlKemDecapsulate(set, dk, HexField(e, "ct"), &k2).ok());  // selected backend
    EXPECT_EQ(Bytes(k2.begin(), k2.end()), HexField(e, "k"));
  }
}

}  // namespace
}  // namespace brs::crypto
