#include "crypto/keccak.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>

namespace brs::crypto {
namespace {

std::string HexOf(std::span<const uint8_t> b) { return HexEncode(b.data(), b.size()); }
std::span<const uint8_t> S(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Keccak, KnownAnswersEmptyInput) {
  EXPECT_EQ(HexOf(Sha3_256({})),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  EXPECT_EQ(HexOf(Sha3_512({})),
            "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
            "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26");
  EXPECT_EQ(HexOf(Shake128({}, 32)),
            "7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26");
  EXPECT_EQ(HexOf(Shake256({}, 32)),
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
}

TEST(Keccak, KnownAnswersAbc) {
  EXPECT_EQ(HexOf(Sha3_256(S("abc"))),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

// 200 bytes of 0xa3 (the NIST example message), longer than one block.
TEST(Keccak, KnownAnswersMultiBlock) {
  std::string m(200, '\xa3');
  EXPECT_EQ(HexOf(Sha3_256(S(m))),
            "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787");
}

Bytes OpenSslDigest(const EVP_MD* md, std::span<const uint8_t> in, size_t out_len, bool xof) {
  Bytes out(out_len);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, in.data(), in.size());
  if (xof) {
    EVP_DigestFinalXOF(ctx, out.data(), out.size());
  } else {
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, out.data(), &n);
  }
  EVP_MD_CTX_free(ctx);
  return out;
}

TEST(Keccak, MatchesOpenSslOnRandomInputs) {
  for (size_t len : {0u, 1u, 71u, 72u, 73u, 135u, 136u, 137u, 167u, 168u, 169u, 1000u, 5000u}) {
    Bytes in(len);
    if (len) RAND_bytes(in.data(), static_cast<int>(len));
    auto a = Sha3_256(in);
    EXPECT_EQ(Bytes(a.begin(), a.end()), OpenSslDigest(EVP_sha3_256(), in, 32, false)) << len;
    auto b = Sha3_512(in);
    EXPECT_EQ(Bytes(b.begin(), b.end()), OpenSslDigest(EVP_sha3_512(), in, 64, false)) << len;
    EXPECT_EQ(Shake128(in, 500), OpenSslDigest(EVP_shake128(), in, 500, true)) << len;
    EXPECT_EQ(Shake256(in, 300), OpenSslDigest(EVP_shake256(), in, 300, true)) << len;
  }
}

TEST(Keccak, IncrementalEqualsOneShot) {
  Bytes in(700);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<uint8_t>(i * 7 + 3);
  Bytes whole = Shake128(in, 1000);
  for (size_t split : {0u, 1u, 3u, 167u, 168u, 169u, 400u, 699u, 700u}) {
    Keccak k = Keccak::Shake128();
    k.Absorb(std::span<const uint8_t>(in).first(split));
    k.Absorb(std::span<const uint8_t>(in).subspan(split));
    Bytes out(1000);
    // Squeeze in uneven pieces.
    size_t at = 0;
    for (size_t piece : {1u, 2u, 3u, 165u, 168u, 300u}) {
      k.Squeeze(std::span<uint8_t>(out).subspan(at, piece));
      at += piece;
    }
    k.Squeeze(std::span<uint8_t>(out).subspan(at));
    EXPECT_EQ(out, whole) << split;
  }
}

}  // namespace
}  // namespace brs::crypto
