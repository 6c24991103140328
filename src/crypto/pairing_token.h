// Pairing tokens (SPEC §5): how a new client proves it was invited.
//   token  = "<hub key ID>:<secret>#<hub instance ID>"
//            (parsed by splitting on the LAST '#', then the FIRST ':')
//   secret = 64 lowercase hex characters (32 random bytes)
// The hub accepts a secret that matches a token of its config that has not
// expired (expires_at_unix > 0 and now > it) and is not used up (max_uses >
// 0 and uses >= max_uses). Secrets are compared in constant time, over all
// tokens, so timing tells nothing about which token (if any) matched.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "v1/config.pb.h"

namespace brs::crypto {

inline constexpr size_t kPairingSecretHexSize = 64;

std::string GeneratePairingSecret();
std::string FormatPairingToken(std::string_view hub_keyid, std::string_view secret,
                               std::string_view hub_instance);

struct ParsedPairingToken {
  std::string hub_keyid;
  std::string secret;
  std::string hub_instance;
};
// InvalidArgument naming the problem: no '#', no ':', empty parts, a key ID
// that is not "ed25519.<43 base64url chars>", a secret that is not 64 hex
// characters.
StatusOr<ParsedPairingToken> ParsePairingToken(std::string_view token);

// The index in multihost.pairing_tokens of the token this secret matches.
// PermissionDenied: "no matching pairing token", "pairing token expired",
// "pairing token used up".
StatusOr<int> FindPairingToken(const v1::Multihost& multihost, std::string_view secret,
                               int64_t now_unix);

// The pairing step on a config in memory (run it inside the config
// transaction): finds the token, appends the authorized client {instance
// ID, key ID, the token's permissions}, counts the use and deletes the
// token when used up. Returns the new client entry. AlreadyExists when the
// key ID is already an authorized client.
StatusOr<v1::Multihost::Peer> RedeemPairingToken(v1::Config& config, std::string_view secret,
                                                 std::string_view client_keyid,
                                                 std::string_view client_instance_id,
                                                 int64_t now_unix);

// A short fingerprint of a secret for listings: the first 8 hex characters
// of SHA-256(secret). Never the secret itself.
std::string PairingSecretFingerprint(std::string_view secret);

}  // namespace brs::crypto
