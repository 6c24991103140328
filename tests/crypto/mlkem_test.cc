#include "crypto/mlkem.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "crypto/keccak.h"

namespace brs::crypto {
namespace {

using Set = MlKemParameterSet;

std::string DataPath(const std::string& name) {
  const char* dir = std::getenv("BRS_TEST_DATA");
  return std::string(dir ? dir : "tests/data") + "/ml-kem/" + name;
}

// "key = hex" lines; a new group starts when a key repeats.
std::vector<std::map<std::string, Bytes>> ReadVectors(const std::string& name,
                                                      const std::string& first_key) {
  std::ifstream in(DataPath(name));
  EXPECT_TRUE(in.good()) << DataPath(name);
  std::vector<std::map<std::string, Bytes>> groups;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq);
    auto value = HexDecode(line.substr(eq + 3));
    if (!value.ok()) continue;  // lists like "{1, 2, …}" are not hex
    if (key == first_key || groups.empty()) groups.emplace_back();
    groups.back()[key] = *value;
  }
  return groups;
}

Bytes FirstValue(const std::string& name, const std::string& key) {
  std::ifstream in(DataPath(name));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + " = ", 0) == 0) {
      // "dkPKE = NTT(s) = <hex>": the value follows the last " = ".
      auto v = HexDecode(line.substr(line.rfind(" = ") + 3));
      if (v.ok()) return *v;
    }
  }
  return {};
}

Bytes Cat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}
Bytes Plain(const SecretBytes& s) { return Bytes(s.begin(), s.end()); }

// The C2SP/CCTV accumulated test: inputs from one SHAKE-128 stream, every
// output absorbed into another.
// The SPEC §9 hashes and the vector files come from the FIPS 203 draft era
// of C2SP/CCTV: key generation hashes d alone (builtin::
// MlKemKeyGenFromSeedDraft); everything else is unchanged in the final
// standard. The final key generation is checked against Go below.
std::string Accumulated(Set set, int count, bool use_builtin) {
  const MlKemSizes sizes = MlKemSizesFor(set);
  Keccak rng = Keccak::Shake128();
  Keccak acc = Keccak::Shake128();
  Bytes d(32), z(32), m(32), ct(sizes.ciphertext), ek, ct_out;
  SecretBytes dk, k1, k2;
  for (int i = 0; i < count; ++i) {
    rng.Squeeze(d);
    rng.Squeeze(z);
    Bytes seed = Cat(d, z);
    Status st = builtin::MlKemKeyGenFromSeedDraft(set, seed, &ek, &dk);
    EXPECT_TRUE(st.ok());
    acc.Absorb(ek);
    acc.Absorb(dk);
    rng.Squeeze(m);
    st = use_builtin ? builtin::MlKemEncapsulate(set, ek, m, &ct_out, &k1)
                     : MlKemEncapsulate(set, ek, m, &ct_out, &k1);
    EXPECT_TRUE(st.ok());
    acc.Absorb(ct_out);
    acc.Absorb(k1);
    rng.Squeeze(ct);
    st = use_builtin ? builtin::MlKemDecapsulate(set, dk, ct, &k2)
                     : MlKemDecapsulate(set, dk, ct, &k2);
    EXPECT_TRUE(st.ok());
    acc.Absorb(k2);
  }
  Bytes out(32);
  acc.Squeeze(out);
  return HexEncode(out);
}

TEST(MlKemAccumulated, MlKem768TenThousand) {
  EXPECT_EQ(Accumulated(Set::kMlKem768, 10'000, true),
            "f7db260e1137a742e05fe0db9525012812b004d29040a5b606aad3d134b548d3");
}

TEST(MlKemAccumulated, MlKem1024TenThousand) {
  EXPECT_EQ(Accumulated(Set::kMlKem1024, 10'000, true),
            "47ac888fe61544efc0518f46094b4f8a600965fc89822acb06dc7169d24f3543");
}

// The dispatching entry points (OpenSSL's ML-KEM where built with it) for
// encapsulation and decapsulation.
TEST(MlKemAccumulated, SelectedBackendMlKem1024) {
  SCOPED_TRACE(MlKemBackendName());
  EXPECT_EQ(Accumulated(Set::kMlKem1024, 10'000, false),
            "47ac888fe61544efc0518f46094b4f8a600965fc89822acb06dc7169d24f3543");
}

// Run by ctest -L long only (registered separately in tests/CMakeLists.txt).
TEST(MlKemAccumulatedLong, MlKem1024Million) {
  if (std::getenv("BRS_RUN_LONG") == nullptr) GTEST_SKIP() << "set BRS_RUN_LONG=1 (ctest -L long)";
  EXPECT_EQ(Accumulated(Set::kMlKem1024, 1'000'000, true),
            "7ccc6d803739d3db3c5ce39c7130f459db32a199c6605e3be210e5a89d4c4b95");
}

class MlKemVectors : public ::testing::TestWithParam<Set> {
 protected:
  std::string Suffix() const {
    return GetParam() == Set::kMlKem768 ? "ML-KEM-768.txt" : "ML-KEM-1024.txt";
  }
};

TEST_P(MlKemVectors, Strcmp) {
  auto groups = ReadVectors("strcmp-" + Suffix(), "dk");
  ASSERT_FALSE(groups.empty());
  for (auto& g : groups) {
    SecretBytes k;
    ASSERT_TRUE(builtin::MlKemDecapsulate(GetParam(), g["dk"], g["c"], &k).ok());
    EXPECT_EQ(Plain(k), g["K"]);
  }
}

TEST_P(MlKemVectors, UnluckySample) {
  auto groups = ReadVectors("unluckysample-" + Suffix(), "d");
  ASSERT_FALSE(groups.empty());
  for (auto& g : groups) {
    Bytes ek, ct;
    SecretBytes dk, k, k2;
    ASSERT_TRUE(builtin::MlKemKeyGenFromSeedDraft(GetParam(), Cat(g["d"], g["z"]), &ek, &dk).ok());
    EXPECT_EQ(ek, g["ek"]);
    EXPECT_EQ(Plain(dk), g["dk"]);
    ASSERT_TRUE(builtin::MlKemEncapsulate(GetParam(), ek, g["m"], &ct, &k).ok());
    EXPECT_EQ(ct, g["c"]);
    EXPECT_EQ(Plain(k), g["K"]);
    ASSERT_TRUE(builtin::MlKemDecapsulate(GetParam(), dk, ct, &k2).ok());
    EXPECT_EQ(Plain(k2), g["K"]);
  }
}

TEST_P(MlKemVectors, Intermediate) {
  auto groups = ReadVectors("intermediate-" + Suffix(), "d");
  ASSERT_EQ(groups.size(), 1u);
  auto& g = groups[0];
  // Two names appear twice in the file; the first occurrence is wanted.
  const Bytes first_dkpke = FirstValue("intermediate-" + Suffix(), "dkPKE");
  const Bytes first_r = FirstValue("intermediate-" + Suffix(), "r");
  const size_t k = GetParam() == Set::kMlKem768 ? 3 : 4;
  // Draft-era file: (rho, sigma) = G(d).
  auto rho_sigma = Sha3_512(g["d"]);
  EXPECT_EQ(Bytes(rho_sigma.begin(), rho_sigma.begin() + 32), g["ρ"]);
  EXPECT_EQ(Bytes(rho_sigma.begin() + 32, rho_sigma.end()), g["σ"]);
  Bytes ek, ct;
  SecretBytes dk, key, key2;
  ASSERT_TRUE(builtin::MlKemKeyGenFromSeedDraft(GetParam(), Cat(g["d"], g["z"]), &ek, &dk).ok());
  EXPECT_EQ(ek, g["ek"]);
  EXPECT_EQ(Plain(dk), g["dk"]);
  auto h = Sha3_256(ek);
  EXPECT_EQ(Bytes(h.begin(), h.end()), g["H(ek)"]);
  // dk starts with dk_pke = ByteEncode12(NTT(s)) (the file's first dkPKE).
  EXPECT_EQ(first_dkpke, Bytes(dk.begin(), dk.begin() + 384 * k));
  ASSERT_TRUE(builtin::MlKemEncapsulate(GetParam(), ek, g["m"], &ct, &key).ok());
  EXPECT_EQ(ct, g["c"]);
  EXPECT_EQ(Plain(key), g["K"]);
  // (K, r) = G(m ‖ H(ek))
  Bytes kr_in = Cat(g["m"], Bytes(h.begin(), h.end()));
  auto kr = Sha3_512(kr_in);
  EXPECT_EQ(Bytes(kr.begin() + 32, kr.end()), first_r);
  ASSERT_TRUE(builtin::MlKemDecapsulate(GetParam(), dk, ct, &key2).ok());
  EXPECT_EQ(Plain(key2), g["K"]);
  // Implicit rejection: J(z ‖ c) for a tampered ciphertext.
  if (g.count("KBar")) {
    Keccak j = Keccak::Shake256();
    j.Absorb(g["z"]);
    j.Absorb(ct);
    Bytes kbar(32);
    j.Squeeze(kbar);
    EXPECT_EQ(kbar, g["KBar"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Sets, MlKemVectors, ::testing::Values(Set::kMlKem768, Set::kMlKem1024));

TEST(MlKem, ImplicitRejectionOnTamperedCiphertext) {
  Bytes seed(64, 7), ek, ct;
  SecretBytes dk, k, k_bad;
  ASSERT_TRUE(builtin::MlKemKeyGenFromSeed(Set::kMlKem1024, seed, &ek, &dk).ok());
  ASSERT_TRUE(builtin::MlKemEncapsulate(Set::kMlKem1024, ek, {}, &ct, &k).ok());
  ct[100] ^= 1;
  ASSERT_TRUE(builtin::MlKemDecapsulate(Set::kMlKem1024, dk, ct, &k_bad).ok());
  EXPECT_NE(Plain(k_bad), Plain(k));
  // K̄ = J(z ‖ c) with z the last 32 bytes of the seed.
  Keccak j = Keccak::Shake256();
  j.Absorb(std::span<const uint8_t>(seed).subspan(32));
  j.Absorb(ct);
  Bytes kbar(32);
  j.Squeeze(kbar);
  EXPECT_EQ(Plain(k_bad), kbar);
}

TEST(MlKem, RandomEncapsulationRoundTrips) {
  for (Set set : {Set::kMlKem768, Set::kMlKem1024}) {
    Bytes seed(64), ek, ct;
    for (int i = 0; i < 64; ++i) seed[i] = static_cast<uint8_t>(i);
    SecretBytes dk, k1, k2;
    ASSERT_TRUE(MlKemKeyGenFromSeed(set, seed, &ek, &dk).ok());
    ASSERT_TRUE(MlKemEncapsulate(set, ek, {}, &ct, &k1).ok());
    ASSERT_TRUE(MlKemDecapsulate(set, dk, ct, &k2).ok());
    EXPECT_EQ(Plain(k1), Plain(k2));
  }
}

TEST(MlKem, BadInputsAreClearErrors) {
  const Set set = Set::kMlKem1024;
  Bytes ek, ct;
  SecretBytes dk, k;
  EXPECT_EQ(builtin::MlKemKeyGenFromSeed(set, Bytes(63), &ek, &dk).code(), Code::kInvalidArgument);
  EXPECT_EQ(builtin::MlKemKeyGenFromSeed(set, Bytes(65), &ek, &dk).code(), Code::kInvalidArgument);
  ASSERT_TRUE(builtin::MlKemKeyGenFromSeed(set, Bytes(64, 1), &ek, &dk).ok());
  EXPECT_EQ(builtin::MlKemEncapsulate(set, Bytes(ek.begin(), ek.end() - 1), {}, &ct, &k).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(builtin::MlKemEncapsulate(set, ek, Bytes(31), &ct, &k).code(), Code::kInvalidArgument);
  // A coefficient >= q in ek fails the modulus check.
  Bytes bad_ek = ek;
  bad_ek[0] = 0xff;
  bad_ek[1] |= 0x0f;
  Status st = builtin::MlKemEncapsulate(set, bad_ek, {}, &ct, &k);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("modulus"), std::string::npos);
  ASSERT_TRUE(builtin::MlKemEncapsulate(set, ek, {}, &ct, &k).ok());
  EXPECT_EQ(builtin::MlKemDecapsulate(set, dk, Bytes(ct.begin(), ct.end() - 1), &k).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(builtin::MlKemDecapsulate(set, SecretBytes(dk.begin(), dk.end() - 1), ct, &k).code(),
            Code::kInvalidArgument);
  // A dk whose embedded H(ek) does not match fails the hash check.
  SecretBytes bad_dk = dk;
  bad_dk[384 * 4 + 1568 + 5] ^= 1;
  st = builtin::MlKemDecapsulate(set, bad_dk, ct, &k);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("hash"), std::string::npos);
  // The ML-KEM-768 sizes are not accepted by ML-KEM-1024.
  EXPECT_EQ(builtin::MlKemDecapsulate(Set::kMlKem768, dk, ct, &k).code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::crypto
