// `backrest-sync pair new | list | revoke`: pairing tokens on the hub
// (multihost.pairing_tokens). The token string is printed once, by `pair
// new`; listings show a fingerprint (first 8 hex of SHA-256 of the secret),
// never the secret.
#include <chrono>

#include "app/commands.h"
#include "app/duration.h"
#include "app/grants.h"
#include "app/json_writer.h"
#include "app/table.h"
#include "crypto/pairing_token.h"

namespace brs::app {
namespace {

// Token times are wall-clock Unix seconds (SPEC §5).
int64_t NowUnix(const CommandContext& ctx) { return UnixSeconds(ctx.env().NowWall()); }

struct PairNewFlags {
  std::string label;
  std::string expires;
  int max_uses = 1;
  std::vector<std::string> grants;
};

Outcome RunPairNew(CommandContext& ctx, const PairNewFlags& flags) {
  const int64_t now = NowUnix(ctx);
  int64_t expires_at = 0;
  if (!flags.expires.empty()) {
    auto d = ParseDuration(flags.expires);
    if (!d.ok()) return Outcome::Usage("--expires: " + d.status().message());
    expires_at = now + *d;
  }
  if (flags.max_uses < 0) return Outcome::Usage("--max-uses must be 0 (unlimited) or more");
  if (flags.label.size() > 200) return Outcome::Usage("--label is longer than 200 characters");
  auto perms = ParseGrantFlags(flags.grants);
  if (!perms.ok()) return Outcome::Usage(perms.status().message());
  BRS_ASSIGN_OR_RETURN(auto config, ctx.OpenConfigStore());
  const auto cfg = config->Get();
  BRS_ASSIGN_OR_RETURN(crypto::Identity identity, LoadIdentity(*cfg));
  const std::string secret = crypto::GeneratePairingSecret();
  bool duplicate_label = false;
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    duplicate_label = false;
    for (const auto& t : c.multihost().pairing_tokens()) {
      duplicate_label |= !flags.label.empty() && t.label() == flags.label;
    }
    auto* t = c.mutable_multihost()->add_pairing_tokens();
    t->set_secret(secret);
    t->set_label(flags.label);
    t->set_created_at_unix(now);
    t->set_expires_at_unix(expires_at);
    t->set_max_uses(flags.max_uses);
    *t->mutable_permissions() = *perms;
    return Status();
  }));
  if (duplicate_label) {
    ctx.Warn("another token is labelled \"" + flags.label +
             "\"; revoke by fingerprint to tell them apart");
  }
  const std::string token = crypto::FormatPairingToken(identity.key_id(), secret, cfg->instance());
  const std::string fingerprint = crypto::PairingSecretFingerprint(secret);
  if (ctx.json()) {
    ctx.out() << JsonObject()
                     .Str("token", token)
                     .Str("fingerprint", fingerprint)
                     .Str("label", flags.label)
                     .Int("created_at_unix", now)
                     .Int("expires_at_unix", expires_at)
                     .Int("max_uses", flags.max_uses)
                     .Str("permissions", PermissionsText(*perms))
                     .str()
              << "\n";
  } else {
    ctx.out() << token << "\n";
    ctx.err() << "Give this token to the client (Backrest: \"add known host\"; backrest-sync: "
                 "`backrest-sync join TOKEN --url URL`). It is shown only once (fingerprint "
              << fingerprint << ").\n";
  }
  return Outcome();
}

std::string UsesText(const v1::Multihost::PairingToken& t) {
  return std::to_string(t.uses()) + "/" +
         (t.max_uses() > 0 ? std::to_string(t.max_uses()) : std::string("unlimited"));
}

Outcome RunPairList(CommandContext& ctx) {
  BRS_ASSIGN_OR_RETURN(auto config, ctx.OpenConfigStore());
  auto cfg = config->Get();
  const int64_t now = NowUnix(ctx);
  const auto& tokens = cfg->multihost().pairing_tokens();
  auto expired = [&](const v1::Multihost::PairingToken& t) {
    return t.expires_at_unix() > 0 && now > t.expires_at_unix();
  };
  if (ctx.json()) {
    std::vector<std::string> items;
    for (const auto& t : tokens) {
      items.push_back(JsonObject()
                          .Str("fingerprint", crypto::PairingSecretFingerprint(t.secret()))
                          .Str("label", t.label())
                          .Int("created_at_unix", t.created_at_unix())
                          .Int("expires_at_unix", t.expires_at_unix())
                          .Bool("expired", expired(t))
                          .Int("uses", t.uses())
                          .Int("max_uses", t.max_uses())
                          .Str("permissions", PermissionsText(t.permissions()))
                          .str());
    }
    ctx.out() << JsonArray(items) << "\n";
    return Outcome();
  }
  if (tokens.empty()) {
    ctx.out() << "no pairing tokens (create one with `backrest-sync pair new`)\n";
    return Outcome();
  }
  Table table({"FINGERPRINT", "LABEL", "CREATED", "EXPIRES", "USES", "PERMISSIONS"});
  for (const auto& t : tokens) {
    std::string exp = t.expires_at_unix() > 0 ? FormatLocalTime(t.expires_at_unix()) : "never";
    if (expired(t)) exp += " (expired)";
    table.AddRow({crypto::PairingSecretFingerprint(t.secret()), t.label().empty() ? "-" : t.label(),
                  FormatLocalTime(t.created_at_unix()), exp, UsesText(t),
                  PermissionsText(t.permissions())});
  }
  table.Print(ctx.out());
  return Outcome();
}

// Removes an authorized client by key ID: its session ends at once (a
// running hub applies the change before the command returns) and its next
// one is refused.
Outcome RunRevokeClient(CommandContext& ctx, const std::string& keyid) {
  std::string instance;
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    const bool found = EraseFirst(*c.mutable_multihost()->mutable_authorized_clients(),
                                  [&](const v1::Multihost::Peer& p) {
                                    if (p.keyid() != keyid) return false;
                                    instance = p.instance_id();
                                    return true;
                                  });
    return found ? Status() : NotFound("no authorized client with key ID " + keyid);
  }));
  if (ctx.json()) {
    ctx.out() << JsonObject().Str("revoked_client", keyid).Str("instance", instance).str() << "\n";
  } else {
    ctx.out() << "revoked client " << instance << " (" << keyid << ")\n";
  }
  return Outcome();
}

Outcome RunPairRevoke(CommandContext& ctx, const std::string& which) {
  if (which.empty()) return Outcome::Usage("pair revoke needs a label, fingerprint or key ID");
  if (which.starts_with("ed25519.")) return RunRevokeClient(ctx, which);
  std::string revoked;
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    auto* list = c.mutable_multihost()->mutable_pairing_tokens();
    std::vector<int> matches;
    for (int i = 0; i < list->size(); ++i) {
      const auto& t = list->Get(i);
      if (crypto::PairingSecretFingerprint(t.secret()) == which || t.label() == which) {
        matches.push_back(i);
      }
    }
    if (matches.empty()) return NotFound("no pairing token with label or fingerprint " + which);
    if (matches.size() > 1) {
      return FailedPrecondition("\"" + which + "\" matches " + std::to_string(matches.size()) +
                                " tokens; revoke them by fingerprint (backrest-sync pair list)");
    }
    revoked = crypto::PairingSecretFingerprint(list->Get(matches[0]).secret());
    list->DeleteSubrange(matches[0], 1);
    return Status();
  }));
  if (ctx.json()) {
    ctx.out() << JsonObject().Str("revoked", revoked).str() << "\n";
  } else {
    ctx.out() << "revoked pairing token " << revoked << "\n";
  }
  return Outcome();
}

}  // namespace

void RegisterPair(CommandRegistry& r) {
  CLI::App* pair = r.Group("pair", "pairing tokens for new clients");

  auto nf = std::make_shared<PairNewFlags>();
  CLI::App* n = r.AddCommand(pair, "new", "create a pairing token (printed once)",
                             [nf](CommandContext& ctx) { return RunPairNew(ctx, *nf); });
  n->add_option("--label", nf->label, "a name for the token");
  n->add_option("--expires", nf->expires, "lifetime, e.g. 30m, 24h, 7d (default: never)");
  n->add_option("--max-uses", nf->max_uses,
                "clients that may pair with it (0: unlimited; default 1)");
  n->add_option("--grant", nf->grants,
                "what paired clients may do, TYPE[:SCOPE,...] (repeatable; default "
                "READ_OPERATIONS:*)");

  r.AddCommand(pair, "list", "list pairing tokens (secrets are never shown)",
               [](CommandContext& ctx) { return RunPairList(ctx); });

  auto which = std::make_shared<std::string>();
  CLI::App* rv =
      r.AddCommand(pair, "revoke", "delete a pairing token, or unpair a client (by its key ID)",
                   [which](CommandContext& ctx) { return RunPairRevoke(ctx, *which); });
  rv->add_option("which", *which, "a token's label or fingerprint, or a client's key ID")
      ->required();
}

}  // namespace brs::app
