#include "app/trust_audit.h"

#include <set>
#include <string>

#include "app/log.h"
#include "crypto/pairing_token.h"

namespace brs::app {

void AuditTrustChanges(const v1::Config& before, const v1::Config& after) {
  std::set<std::string> clients_after, clients_before;
  for (const auto& c : after.multihost().authorized_clients()) clients_after.insert(c.keyid());
  for (const auto& c : before.multihost().authorized_clients()) {
    clients_before.insert(c.keyid());
    if (clients_after.count(c.keyid())) continue;
    LogInfo("client revoked", {{"key_id", c.keyid()}, {"instance", c.instance_id()}});
  }
  bool paired = false;
  for (const auto& k : clients_after) paired = paired || !clients_before.count(k);
  std::set<std::string> tokens_after;
  for (const auto& t : after.multihost().pairing_tokens()) tokens_after.insert(t.secret());
  for (const auto& t : before.multihost().pairing_tokens()) {
    if (tokens_after.count(t.secret())) continue;
    const bool used_up = paired && t.max_uses() > 0 && t.uses() + 1 >= t.max_uses();
    if (used_up) continue;
    LogInfo("pairing token revoked",
            {{"label", t.label()}, {"fingerprint", crypto::PairingSecretFingerprint(t.secret())}});
  }
}

}  // namespace brs::app
