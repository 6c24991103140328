#include "app/admin_trust.h"

#include "app/data_dir.h"
#include "app/duration.h"
#include "app/grants.h"
#include "app/log.h"
#include "brs/admin.pb.h"
#include "crypto/pairing_token.h"

namespace brs::app {
namespace {

using Check = Status (*)(const AdminContext*, const rpc::CallInfo&);

constexpr int kMaxGrants = 64;
constexpr size_t kMaxLabel = 200;

template <typename Request, typename Response, typename Fn>
void Handle(rpc::Server& server, std::string_view path, const AdminContext* ctx, Check check,
            Fn fn) {
  static const Request kRequest;
  static const Response kResponse;
  server.HandleUnary(
      std::string(path),
      [ctx, check, fn](const rpc::CallInfo& info, std::string_view body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(check(ctx, info));
        Request req;
        if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return InvalidArgument("malformed " + std::string(Request::descriptor()->name()));
        }
        BRS_ASSIGN_OR_RETURN(Response resp, fn(req));
        return resp.SerializeAsString();
      },
      {&kRequest, &kResponse});
}

void AddGrants(const Permissions& perms, google::protobuf::RepeatedPtrField<std::string>* out) {
  const std::string text = PermissionsText(perms);
  if (text == "-") return;
  size_t start = 0;
  while (start < text.size()) {
    size_t sp = text.find(' ', start);
    if (sp == std::string::npos) sp = text.size();
    out->Add(text.substr(start, sp - start));
    start = sp + 1;
  }
}

admin::v1::TokenInfo TokenInfoOf(const v1::Multihost::PairingToken& t) {
  admin::v1::TokenInfo i;
  i.set_fingerprint(crypto::PairingSecretFingerprint(t.secret()));
  i.set_label(t.label());
  i.set_created_at_unix(t.created_at_unix());
  i.set_expires_at_unix(t.expires_at_unix());
  i.set_max_uses(t.max_uses());
  i.set_uses(t.uses());
  AddGrants(t.permissions(), i.mutable_grants());
  return i;
}

StatusOr<Permissions> GrantsOf(const google::protobuf::RepeatedPtrField<std::string>& grants) {
  if (grants.size() > kMaxGrants) return InvalidArgument("too many grants");
  return ParseGrantFlags({grants.begin(), grants.end()});
}

StatusOr<admin::v1::TrustResponse> Trust(const AdminContext* ctx) {
  const auto cfg = ctx->config->Get();
  admin::v1::TrustResponse out;
  for (const auto& t : cfg->multihost().pairing_tokens()) *out.add_tokens() = TokenInfoOf(t);
  auto peer = [&](const v1::Multihost::Peer& p, bool known_host) {
    admin::v1::PeerInfo i;
    i.set_instance_id(p.instance_id());
    i.set_keyid(p.keyid());
    AddGrants(p.permissions(), i.mutable_grants());
    i.set_url(p.instance_url());
    i.set_pending(known_host && !p.initial_pairing_secret().empty());
    if (!p.keyid().empty()) {
      if (known_host) {
        auto runner = ctx->sync->ClientSession(p.keyid());
        i.set_connected(runner != nullptr && !runner->peer().keyid().empty());
      } else {
        i.set_connected(ctx->sync->sessions().Find(p.keyid()) != nullptr);
      }
    }
    return i;
  };
  for (const auto& p : cfg->multihost().authorized_clients()) *out.add_clients() = peer(p, false);
  for (const auto& p : cfg->multihost().known_hosts()) *out.add_known_hosts() = peer(p, true);
  return out;
}

StatusOr<admin::v1::CreateTokenResponse> CreateToken(const AdminContext* ctx,
                                                     const admin::v1::CreateTokenRequest& req) {
  if (req.label().size() > kMaxLabel) return InvalidArgument("label longer than 200 characters");
  if (req.max_uses() < 0) return InvalidArgument("max_uses must be 0 (unlimited) or more");
  const int64_t now = UnixSeconds(ctx->env->NowWall());
  int64_t expires_at = 0;
  if (!req.expires().empty()) {
    auto d = ParseDuration(req.expires());
    if (!d.ok()) return InvalidArgument("expires: " + d.status().message());
    expires_at = now + *d;
  }
  BRS_ASSIGN_OR_RETURN(Permissions perms, GrantsOf(req.grants()));
  BRS_ASSIGN_OR_RETURN(crypto::Identity identity, LoadIdentity(*ctx->config->Get()));
  const std::string secret = crypto::GeneratePairingSecret();
  v1::Multihost::PairingToken token;
  token.set_secret(secret);
  token.set_label(req.label());
  token.set_created_at_unix(now);
  token.set_expires_at_unix(expires_at);
  token.set_max_uses(req.max_uses());
  *token.mutable_permissions() = perms;
  BRS_ASSIGN_OR_RETURN(auto cfg, ctx->config->Update([&](v1::Config& c) {
    *c.mutable_multihost()->add_pairing_tokens() = token;
    return Status();
  }));
  admin::v1::CreateTokenResponse out;
  out.set_token(crypto::FormatPairingToken(identity.key_id(), secret, cfg->instance()));
  *out.mutable_info() = TokenInfoOf(token);
  LogInfo("pairing token created through the admin API",
          {{"fingerprint", out.info().fingerprint()}, {"label", req.label()}});
  return out;
}

StatusOr<admin::v1::TrustChangeResponse> Changed(const store::ConfigStore::ConfigPtr& cfg) {
  admin::v1::TrustChangeResponse out;
  out.set_modno(cfg->modno());
  return out;
}

StatusOr<admin::v1::TrustChangeResponse> RevokeToken(const AdminContext* ctx,
                                                     const admin::v1::RevokeTokenRequest& req) {
  BRS_ASSIGN_OR_RETURN(auto cfg, ctx->config->Update([&](v1::Config& c) {
    auto* list = c.mutable_multihost()->mutable_pairing_tokens();
    for (int i = 0; i < list->size(); ++i) {
      if (crypto::PairingSecretFingerprint(list->Get(i).secret()) == req.fingerprint()) {
        list->DeleteSubrange(i, 1);
        return Status();
      }
    }
    return NotFound("no pairing token with fingerprint " + req.fingerprint());
  }));
  LogInfo("pairing token revoked through the admin API", {{"fingerprint", req.fingerprint()}});
  return Changed(cfg);
}

StatusOr<admin::v1::TrustChangeResponse> SetClientGrants(const AdminContext* ctx,
                                                         const admin::v1::ClientRequest& req) {
  BRS_ASSIGN_OR_RETURN(Permissions perms, GrantsOf(req.grants()));
  BRS_ASSIGN_OR_RETURN(auto cfg, ctx->config->Update([&](v1::Config& c) {
    for (auto& p : *c.mutable_multihost()->mutable_authorized_clients()) {
      if (p.keyid() == req.keyid()) {
        *p.mutable_permissions() = perms;
        return Status();
      }
    }
    return NotFound("no authorized client with key ID " + req.keyid());
  }));
  LogInfo("client grants changed through the admin API",
          {{"keyid", req.keyid()}, {"grants", PermissionsText(perms)}});
  return Changed(cfg);
}

StatusOr<admin::v1::TrustChangeResponse> RevokeClient(const AdminContext* ctx,
                                                      const admin::v1::ClientRequest& req) {
  BRS_ASSIGN_OR_RETURN(auto cfg, ctx->config->Update([&](v1::Config& c) {
    auto* list = c.mutable_multihost()->mutable_authorized_clients();
    for (int i = 0; i < list->size(); ++i) {
      if (list->Get(i).keyid() == req.keyid()) {
        list->DeleteSubrange(i, 1);
        return Status();
      }
    }
    return NotFound("no authorized client with key ID " + req.keyid());
  }));
  LogInfo("client revoked through the admin API", {{"keyid", req.keyid()}});
  return Changed(cfg);
}

}  // namespace

void RegisterAdminTrust(rpc::Server& server, const AdminContext* ctx, Check check) {
  Handle<admin::v1::TrustRequest, admin::v1::TrustResponse>(
      server, kAdminTrust, ctx, check,
      [ctx](const admin::v1::TrustRequest&) { return Trust(ctx); });
  Handle<admin::v1::CreateTokenRequest, admin::v1::CreateTokenResponse>(
      server, kAdminCreateToken, ctx, check,
      [ctx](const admin::v1::CreateTokenRequest& r) { return CreateToken(ctx, r); });
  Handle<admin::v1::RevokeTokenRequest, admin::v1::TrustChangeResponse>(
      server, kAdminRevokeToken, ctx, check,
      [ctx](const admin::v1::RevokeTokenRequest& r) { return RevokeToken(ctx, r); });
  Handle<admin::v1::ClientRequest, admin::v1::TrustChangeResponse>(
      server, kAdminSetClientGrants, ctx, check,
      [ctx](const admin::v1::ClientRequest& r) { return SetClientGrants(ctx, r); });
  Handle<admin::v1::ClientRequest, admin::v1::TrustChangeResponse>(
      server, kAdminRevokeClient, ctx, check,
      [ctx](const admin::v1::ClientRequest& r) { return RevokeClient(ctx, r); });
}

}  // namespace brs::app
