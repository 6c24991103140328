// Key IDs and handshakes made by Go's crypto/ed25519 and crypto/sha256
// (tests/data/govectors.json, tools/govectors): C++ recomputes key IDs and
// bind digests, verifies Go's signatures and, Ed25519 being deterministic,
// reproduces them.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "crypto/handshake.h"

namespace brs::crypto {
namespace {

google::protobuf::Struct LoadGoVectors() {
  const char* dir = std::getenv("BRS_TEST_DATA");
  std::ifstream in(std::string(dir ? dir : "tests/data") + "/govectors.json");
  std::stringstream ss;
  ss << in.rdbuf();
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(ss.str(), &s).ok());
  return s;
}
const std::string& Str(const google::protobuf::Struct& s, const char* k) {
  return s.fields().at(k).string_value();
}
Bytes Hex(const google::protobuf::Struct& s, const char* k) {
  auto v = HexDecode(Str(s, k));
  EXPECT_TRUE(v.ok()) << k;
  return v.ok() ? *v : Bytes{};
}

TEST(GoVectors, KeyIds) {
  auto root = LoadGoVectors();
  const auto& list = root.fields().at("key_ids").list_value();
  ASSERT_GE(list.values_size(), 8);
  for (const auto& v : list.values()) {
    const auto& e = v.struct_value();
    Bytes pub = Hex(e, "public_key");
    EXPECT_EQ(KeyIdFor(pub), Str(e, "key_id"));
    EXPECT_EQ(Base64Encode(pub, Base64Alphabet::kStandard, Base64Padding::kNone),
              Str(e, "public_key_b64"));
    v1::PublicKey proto;
    proto.set_keyid(Str(e, "key_id"));
    proto.set_ed25519pub(Str(e, "public_key_b64"));
    EXPECT_TRUE(ParsePublicKeyProto(proto).ok());
  }
}

TEST(GoVectors, Handshakes) {
  auto root = LoadGoVectors();
  const auto& list = root.fields().at("handshakes").list_value();
  ASSERT_GE(list.values_size(), 8);
  for (const auto& v : list.values()) {
    const auto& e = v.struct_value();
    SCOPED_TRACE(Str(e, "instance_id"));
    Bytes transcript = Hex(e, "transcript");
    auto digest = HandshakeBindDigest(Str(e, "instance_id"), Str(e, "pairing_secret"), transcript);
    EXPECT_EQ(HexEncode(digest.data(), digest.size()), Str(e, "bind_digest"));
    auto id = Identity::FromSeed(Hex(e, "ed25519_seed"));
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(id->key_id(), Str(e, "key_id"));
    // Go's handshake, as it arrives on the wire, verifies here.
    v1sync::SyncStreamItem::SyncActionHandshake hs;
    hs.set_protocol_version(3);
    *hs.mutable_public_key() = id->PublicKeyProto();
    hs.set_instance_id(Str(e, "instance_id"));
    hs.set_pairing_secret(Str(e, "pairing_secret"));
    Bytes sig = Hex(e, "signature");
    hs.set_signature(std::string(AsStringView(sig)));
    auto verified = VerifyHandshake(hs, transcript);
    ASSERT_TRUE(verified.ok()) << verified.status().ToString();
    EXPECT_EQ(verified->key_id, Str(e, "key_id"));
    // And ours is byte for byte the same.
    auto ours = MakeHandshake(*id, Str(e, "instance_id"), Str(e, "pairing_secret"), transcript);
    ASSERT_TRUE(ours.ok());
    EXPECT_EQ(ours->signature(), hs.signature());
  }
}

}  // namespace
}  // namespace brs::crypto
