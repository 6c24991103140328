#include "crypto/identity.h"

#include <gtest/gtest.h>

#include "crypto/handshake.h"
#include "crypto/pairing_token.h"
#include "crypto/signed_message.h"

namespace brs::crypto {
namespace {

Bytes SeedOf(uint8_t v) { return Bytes(32, v); }
std::span<const uint8_t> S(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// RFC 8032 test 1: the empty message.
TEST(Identity, Rfc8032KnownAnswer) {
  auto seed = HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto id = Identity::FromSeed(*seed);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(HexEncode(Bytes(id->public_key().begin(), id->public_key().end())),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  auto sig = id->Sign({});
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(HexEncode(*sig),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(VerifyEd25519(id->public_key(), {}, *sig).ok());
}

TEST(Identity, KeyIdAndProtosRoundTrip) {
  auto id = Identity::Generate();
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->key_id().rfind("ed25519.", 0), 0u);
  EXPECT_EQ(id->key_id().size(), 8u + 43u);
  EXPECT_EQ(id->key_id(), KeyIdFor(id->public_key()));
  auto priv = id->ToPrivateKeyProto();
  EXPECT_EQ(priv.ed25519priv().find('='), std::string::npos);
  auto again = Identity::FromPrivateKeyProto(priv);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->key_id(), id->key_id());
  auto pub = ParsePublicKeyProto(id->PublicKeyProto());
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(*pub, Bytes(id->public_key().begin(), id->public_key().end()));
}

TEST(Identity, LoadAndCheckRefusesInconsistentKeys) {
  auto a = Identity::FromSeed(SeedOf(1));
  auto b = Identity::FromSeed(SeedOf(2));
  ASSERT_TRUE(a.ok() && b.ok());
  v1::PrivateKey k = a->ToPrivateKeyProto();
  k.set_keyid(b->key_id());  // key ID of another key
  EXPECT_EQ(Identity::FromPrivateKeyProto(k).status().code(), Code::kInvalidArgument);
  k = a->ToPrivateKeyProto();
  k.set_ed25519pub(b->ToPrivateKeyProto().ed25519pub());  // public key of another key
  EXPECT_EQ(Identity::FromPrivateKeyProto(k).status().code(), Code::kInvalidArgument);
  k = a->ToPrivateKeyProto();
  k.set_ed25519priv("not base64!");
  EXPECT_EQ(Identity::FromPrivateKeyProto(k).status().code(), Code::kInvalidArgument);
  k.set_ed25519priv("AAAA");  // 3 bytes
  EXPECT_EQ(Identity::FromPrivateKeyProto(k).status().code(), Code::kInvalidArgument);
  k.set_ed25519priv(a->ToPrivateKeyProto().ed25519priv() + "==");  // padding not allowed
  EXPECT_EQ(Identity::FromPrivateKeyProto(k).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Identity::FromSeed(Bytes(31)).status().code(), Code::kInvalidArgument);

  v1::PublicKey p = a->PublicKeyProto();
  p.set_keyid(b->key_id());
  EXPECT_EQ(ParsePublicKeyProto(p).status().code(), Code::kPermissionDenied);
  p = a->PublicKeyProto();
  p.set_ed25519pub("AAAA");
  EXPECT_EQ(ParsePublicKeyProto(p).status().code(), Code::kPermissionDenied);
}

TEST(Identity, VerifyRejectsBadSignaturesAndLengths) {
  auto id = Identity::FromSeed(SeedOf(9));
  auto sig = id->Sign(S("hello"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(VerifyEd25519(id->public_key(), S("hello"), *sig).ok());
  EXPECT_EQ(VerifyEd25519(id->public_key(), S("hellO"), *sig).code(), Code::kPermissionDenied);
  Bytes bad = *sig;
  bad[10] ^= 1;
  EXPECT_EQ(VerifyEd25519(id->public_key(), S("hello"), bad).code(), Code::kPermissionDenied);
  EXPECT_EQ(VerifyEd25519(id->public_key(), S("hello"), Bytes(63)).code(), Code::kPermissionDenied);
  EXPECT_EQ(VerifyEd25519(Bytes(31), S("hello"), *sig).code(), Code::kInvalidArgument);
}

TEST(Handshake, SignAndVerify) {
  auto id = Identity::FromSeed(SeedOf(3));
  Bytes transcript(32, 0x5a);
  auto hs = MakeHandshake(*id, "laptop", "secret", transcript);
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->protocol_version(), 3);
  auto v = VerifyHandshake(*hs, transcript);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->key_id, id->key_id());
  EXPECT_EQ(v->instance_id, "laptop");
  EXPECT_EQ(v->pairing_secret, "secret");
}

// A man in the middle runs a separate key exchange with each side, so the
// two legs have different transcripts: what either side signed fails on
// the other leg.
TEST(Handshake, ManInTheMiddleFailsOnBothLegs) {
  auto client = Identity::FromSeed(SeedOf(4));
  auto hub = Identity::FromSeed(SeedOf(5));
  Bytes leg1(32, 1), leg2(32, 2);
  auto from_client = MakeHandshake(*client, "laptop", "", leg1);
  auto from_hub = MakeHandshake(*hub, "hub", "", leg2);
  EXPECT_EQ(VerifyHandshake(*from_client, leg2).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(VerifyHandshake(*from_hub, leg1).status().code(), Code::kPermissionDenied);
}

TEST(Handshake, EveryFieldIsBound) {
  auto id = Identity::FromSeed(SeedOf(6));
  Bytes t(32, 7);
  auto hs = *MakeHandshake(*id, "a", "s", t);
  auto changed = hs;
  changed.set_instance_id("b");
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
  changed = hs;
  changed.set_pairing_secret("t");
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
  changed = hs;
  changed.set_protocol_version(2);
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kInvalidArgument);
  changed = hs;
  changed.set_instance_id("");
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kInvalidArgument);
  changed = hs;
  changed.set_instance_id(std::string(300, 'x'));
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kInvalidArgument);
  changed = hs;
  changed.clear_public_key();
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
  changed = hs;
  changed.mutable_public_key()->set_keyid(Identity::FromSeed(SeedOf(8))->key_id());
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
  changed = hs;
  changed.set_signature(hs.signature().substr(0, 63));
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
  changed = hs;
  changed.clear_signature();
  EXPECT_EQ(VerifyHandshake(changed, t).status().code(), Code::kPermissionDenied);
}

TEST(PairingToken, FormatAndParse) {
  auto id = Identity::FromSeed(SeedOf(1));
  std::string secret = GeneratePairingSecret();
  EXPECT_EQ(secret.size(), 64u);
  EXPECT_NE(secret, GeneratePairingSecret());
  std::string token = FormatPairingToken(id->key_id(), secret, "hub:1 (büro)");
  auto p = ParsePairingToken(token);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->hub_keyid, id->key_id());
  EXPECT_EQ(p->secret, secret);
  EXPECT_EQ(p->hub_instance, "hub:1 (büro)");  // ':' after the first one is the instance's
  // The last '#' splits: an instance ID containing '#' cannot travel in a
  // token (as in Backrest); the parse fails on the secret, clearly.
  auto hashed = ParsePairingToken(FormatPairingToken(id->key_id(), secret, "my#hub"));
  EXPECT_EQ(hashed.status().code(), Code::kInvalidArgument);
}

TEST(PairingToken, MalformedTokensAreClearErrors) {
  auto id = Identity::FromSeed(SeedOf(1));
  const std::string k = id->key_id(), s(64, 'a');
  for (const std::string& bad :
       {std::string(""), k + ":" + s, k + s + "#hub", ":" + s + "#hub", k + ":#hub",
        k + ":" + s + "#", "ed25519.short:" + s + "#hub", k + ":" + std::string(63, 'a') + "#hub",
        k + ":" + std::string(64, 'G') + "#hub", k + ":" + std::string(64, 'A') + "#hub"}) {
    auto p = ParsePairingToken(bad);
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument) << bad;
    EXPECT_NE(p.status().message().find("invalid pairing token"), std::string::npos);
  }
}

v1::Config ConfigWithToken(const std::string& secret, int64_t expires, int32_t max_uses,
                           int32_t uses) {
  v1::Config c;
  auto* t = c.mutable_multihost()->add_pairing_tokens();
  t->set_secret(secret);
  t->set_label("laptop");
  t->set_expires_at_unix(expires);
  t->set_max_uses(max_uses);
  t->set_uses(uses);
  auto* perm = t->add_permissions();
  perm->set_type(v1::Multihost::Permission::PERMISSION_READ_CONFIG);
  perm->add_scopes("*");
  return c;
}

TEST(PairingToken, RedeemAppendsClientCountsUsesAndDeletesWhenUsedUp) {
  const std::string secret(64, 'b');
  v1::Config c = ConfigWithToken(secret, 2000, 2, 0);
  auto p = RedeemPairingToken(c, secret, "ed25519.k1", "c1", 1000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->instance_id(), "c1");
  EXPECT_EQ(p->permissions_size(), 1);
  ASSERT_EQ(c.multihost().pairing_tokens_size(), 1);
  EXPECT_EQ(c.multihost().pairing_tokens(0).uses(), 1);
  EXPECT_EQ(RedeemPairingToken(c, secret, "ed25519.k1", "c1", 1000).status().code(),
            Code::kAlreadyExists);
  ASSERT_TRUE(RedeemPairingToken(c, secret, "ed25519.k2", "c2", 1000).ok());
  EXPECT_EQ(c.multihost().pairing_tokens_size(), 0);  // used up: deleted
  EXPECT_EQ(c.multihost().authorized_clients_size(), 2);
  EXPECT_EQ(RedeemPairingToken(c, secret, "ed25519.k3", "c3", 1000).status().code(),
            Code::kPermissionDenied);
}

TEST(PairingToken, ExpiredUsedUpAndUnknownSecretsAreRefused) {
  const std::string secret(64, 'c');
  v1::Config expired = ConfigWithToken(secret, 1000, 0, 0);
  auto st = FindPairingToken(expired.multihost(), secret, 1001).status();
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_EQ(st.message(), "pairing token expired");
  EXPECT_TRUE(FindPairingToken(expired.multihost(), secret, 1000).ok());  // not after the expiry
  v1::Config forever = ConfigWithToken(secret, 0, 0, 50);
  EXPECT_TRUE(FindPairingToken(forever.multihost(), secret, 1LL << 40).ok());
  v1::Config used = ConfigWithToken(secret, 0, 3, 3);
  EXPECT_EQ(FindPairingToken(used.multihost(), secret, 1).status().message(),
            "pairing token used up");
  EXPECT_EQ(FindPairingToken(forever.multihost(), std::string(64, 'd'), 1).status().message(),
            "no matching pairing token");
  EXPECT_EQ(FindPairingToken(forever.multihost(), "", 1).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(PairingSecretFingerprint(secret).size(), 8u);
}

TEST(SignedMessage, SignVerifyAndAgeLimit) {
  auto id = Identity::FromSeed(SeedOf(2));
  const int64_t now = 1'700'000'000'000;
  auto m = SignMessage(*id, S("payload"), now);
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(VerifySignedMessage(*m, id->PublicKeyProto(), now + 1000).ok());
  EXPECT_EQ(VerifySignedMessage(*m, id->PublicKeyProto(), now + 5 * 60 * 1000 + 1).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(VerifySignedMessage(*m, id->PublicKeyProto(), now - 5 * 60 * 1000 - 1).code(),
            Code::kPermissionDenied);
  auto other = Identity::FromSeed(SeedOf(3));
  EXPECT_EQ(VerifySignedMessage(*m, other->PublicKeyProto(), now).code(), Code::kPermissionDenied);
  auto tampered = *m;
  tampered.set_timestampmillis(now + 1);
  EXPECT_EQ(VerifySignedMessage(tampered, id->PublicKeyProto(), now).code(),
            Code::kPermissionDenied);
  tampered = *m;
  tampered.clear_payload();
  EXPECT_EQ(VerifySignedMessage(tampered, id->PublicKeyProto(), now).code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::crypto
