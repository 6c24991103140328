// Pairing tokens and key IDs (SPEC §5): ParsePairingToken, the matching of
// a secret against a config's tokens and its redemption, and a public key
// proto checked against its key ID. Properties: a token that parses prints
// back to itself; a matched token's secret is the one given; a redeemed
// pairing adds exactly one authorized client with the given key ID; a
// public key that parses has the key ID it claims.
#include "crypto/pairing_token.h"

#include "crypto/identity.h"
#include "fuzz_util.h"

using namespace brs;
using namespace brs::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  std::string_view token = in.Piece();
  auto parsed = ParsePairingToken(token);
  if (parsed.ok()) {
    FUZZ_CHECK(parsed->secret.size() == kPairingSecretHexSize);
    FUZZ_CHECK(FormatPairingToken(parsed->hub_keyid, parsed->secret, parsed->hub_instance) ==
               token);
  } else {
    FUZZ_CHECK(parsed.status().code() == Code::kInvalidArgument);
  }

  // A config with up to four tokens described by the input.
  v1::Config config;
  auto* mh = config.mutable_multihost();
  const int ntokens = ctl % 5;
  for (int i = 0; i < ntokens; ++i) {
    auto* t = mh->add_pairing_tokens();
    t->set_secret(std::string(in.Piece()));
    t->set_expires_at_unix(in.Byte() * 100);
    t->set_max_uses(in.Byte() % 4);
    t->set_uses(in.Byte() % 4);
  }
  std::string secret = parsed.ok() ? parsed->secret : std::string(in.Piece());
  const int64_t now = in.Byte() * 100;
  auto found = FindPairingToken(*mh, secret, now);
  if (found.ok()) {
    FUZZ_CHECK(*found >= 0 && *found < mh->pairing_tokens_size());
    FUZZ_CHECK(mh->pairing_tokens(*found).secret() == secret);
  } else {
    FUZZ_CHECK(found.status().code() == Code::kPermissionDenied);
  }
  std::string client_keyid(in.Piece());
  const int clients_before = mh->authorized_clients_size();
  auto redeemed = RedeemPairingToken(config, secret, client_keyid, "client-inst", now);
  if (redeemed.ok()) {
    FUZZ_CHECK(found.ok());
    FUZZ_CHECK(redeemed->keyid() == client_keyid);
    FUZZ_CHECK(config.multihost().authorized_clients_size() == clients_before + 1);
  } else {
    FUZZ_CHECK(config.multihost().authorized_clients_size() == clients_before);
  }

  v1::PublicKey key;
  key.set_keyid(std::string(in.Piece()));
  key.set_ed25519pub(std::string(in.Rest()));
  auto pub = ParsePublicKeyProto(key);
  if (pub.ok()) {
    FUZZ_CHECK(pub->size() == kEd25519PublicKeySize);
    FUZZ_CHECK(KeyIdFor(*pub) == key.keyid());
  }
  return 0;
}
