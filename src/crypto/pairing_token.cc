#include "crypto/pairing_token.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "base/encoding.h"
#include "base/secret.h"

namespace brs::crypto {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsKeyId(std::string_view k) {
  constexpr std::string_view kPrefix = "ed25519.";
  if (k.substr(0, kPrefix.size()) != kPrefix || k.size() != kPrefix.size() + 43) return false;
  for (char c : k.substr(kPrefix.size())) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string GeneratePairingSecret() {
  uint8_t b[32];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();  // no safe fallback for a secret
  std::string hex = HexEncode(b, sizeof b);
  SecureWipe(b, sizeof b);
  return hex;
}

std::string FormatPairingToken(std::string_view hub_keyid, std::string_view secret,
                               std::string_view hub_instance) {
  std::string out;
  out.reserve(hub_keyid.size() + secret.size() + hub_instance.size() + 2);
  out.append(hub_keyid).append(":").append(secret).append("#").append(hub_instance);
  return out;
}

StatusOr<ParsedPairingToken> ParsePairingToken(std::string_view token) {
  size_t hash = token.rfind('#');
  if (hash == std::string_view::npos) {
    return InvalidArgument("invalid pairing token: missing '#' before the hub instance ID");
  }
  std::string_view instance = token.substr(hash + 1);
  std::string_view rest = token.substr(0, hash);
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return InvalidArgument("invalid pairing token: missing ':' between key ID and secret");
  }
  std::string_view keyid = rest.substr(0, colon);
  std::string_view secret = rest.substr(colon + 1);
  if (keyid.empty()) return InvalidArgument("invalid pairing token: empty key ID");
  if (secret.empty()) return InvalidArgument("invalid pairing token: empty secret");
  if (instance.empty()) return InvalidArgument("invalid pairing token: empty instance ID");
  if (!IsKeyId(keyid)) {
    return InvalidArgument("invalid pairing token: key ID is not of the form ed25519.<43 chars>");
  }
  if (secret.size() != kPairingSecretHexSize || !IsLowerHex(secret)) {
    return InvalidArgument("invalid pairing token: secret must be 64 lowercase hex characters");
  }
  if (instance.size() > 256) return InvalidArgument("invalid pairing token: instance ID too long");
  return ParsedPairingToken{std::string(keyid), std::string(secret), std::string(instance)};
}

StatusOr<int> FindPairingToken(const v1::Multihost& multihost, std::string_view secret,
                               int64_t now_unix) {
  // Compare against every token, whatever matched earlier.
  int match = -1;
  for (int i = 0; i < multihost.pairing_tokens_size(); ++i) {
    const bool equal = ConstantTimeEqual(multihost.pairing_tokens(i).secret(), secret);
    match = equal && match < 0 ? i : match;
  }
  if (match < 0 || secret.empty()) return PermissionDenied("no matching pairing token");
  const auto& t = multihost.pairing_tokens(match);
  if (t.expires_at_unix() > 0 && now_unix > t.expires_at_unix()) {
    return PermissionDenied("pairing token expired");
  }
  if (t.max_uses() > 0 && t.uses() >= t.max_uses())
    return PermissionDenied("pairing token used up");
  return match;
}

StatusOr<v1::Multihost::Peer> RedeemPairingToken(v1::Config& config, std::string_view secret,
                                                 std::string_view client_keyid,
                                                 std::string_view client_instance_id,
                                                 int64_t now_unix) {
  auto* mh = config.mutable_multihost();
  BRS_ASSIGN_OR_RETURN(int index, FindPairingToken(*mh, secret, now_unix));
  for (const auto& c : mh->authorized_clients()) {
    if (c.keyid() == client_keyid) {
      return Status(Code::kAlreadyExists,
                    "key " + std::string(client_keyid) + " is already an authorized client");
    }
  }
  auto* token = mh->mutable_pairing_tokens(index);
  v1::Multihost::Peer peer;
  peer.set_instance_id(std::string(client_instance_id));
  peer.set_keyid(std::string(client_keyid));
  *peer.mutable_permissions() = token->permissions();
  *mh->add_authorized_clients() = peer;
  token->set_uses(token->uses() + 1);
  if (token->max_uses() > 0 && token->uses() >= token->max_uses()) {
    mh->mutable_pairing_tokens()->DeleteSubrange(index, 1);
  }
  return peer;
}

std::string PairingSecretFingerprint(std::string_view secret) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), digest);
  return HexEncode(digest, 4);
}

}  // namespace brs::crypto
