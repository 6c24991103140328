// Final FIPS 203 ML-KEM against Go's crypto/mlkem (tests/data/ml-kem/
// go-fips203.json, made by tools/mlkemvectors): key generation from seeds,
// implicit rejection on random ciphertexts, and Go's own encapsulations.
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
