#include "sync/session.h"

#include "crypto/handshake.h"
#include "crypto/pairing_token.h"
#include "sync/session_error.h"

namespace brs::sync {
namespace {

// Errors of the crypto layer keep their code (protocol = InvalidArgument,
// auth = PermissionDenied); this only adds where they happened.
Status Prefixed(const Status& st, const char* where) {
  return Status(st.code(), std::string(where) + ": " + st.message());
}

// "READ_OPERATIONS:*;RECEIVE_SHARED_REPOS" (for the audit trail).
std::string FormatGrants(const v1::Multihost::Peer& peer) {
  std::string out;
  for (const auto& p : peer.permissions()) {
    if (!out.empty()) out += ";";
    std::string type = v1::Multihost::Permission::Type_Name(p.type());
    constexpr std::string_view kPrefix = "PERMISSION_";
    if (type.starts_with(kPrefix)) type.erase(0, kPrefix.size());
    out += type;
    for (int i = 0; i < p.scopes_size(); ++i) out += (i == 0 ? ":" : ",") + p.scopes(i);
  }
  return out;
}

}  // namespace

Session::Session(SessionOptions options, Outbox* outbox)
    : options_(std::move(options)), outbox_(outbox) {}

Session::~Session() = default;

Status Session::Start(MonoTime now) {
  handshake_deadline_ = now + Millis(options_.handshake_timeout_ms);
  if (options_.role == Role::kHub) return Status();
  auto initiator = crypto::ChannelInitiator::Create();
  if (!initiator.ok())
    return Internal("creating the ephemeral key: " + initiator.status().message());
  initiator_.emplace(std::move(*initiator));
  outbox_->SendNow(initiator_->EstablishRequest());
  return Status();
}

MonoTime Session::NextTick() const {
  switch (phase_) {
    case Phase::kKeyExchange:
    case Phase::kHandshake:
      return handshake_deadline_;
    case Phase::kEstablished:
      return next_heartbeat_;
    case Phase::kEnded:
      break;
  }
  return kMonoNever;
}

Status Session::OnTick(MonoTime now) {
  if (phase_ == Phase::kKeyExchange || phase_ == Phase::kHandshake) {
    if (now >= handshake_deadline_) {
      return ProtocolError("no handshake from the peer within " +
                           std::to_string(options_.handshake_timeout_ms / 1000) + " s");
    }
    return Status();
  }
  if (phase_ == Phase::kEstablished && now >= next_heartbeat_) {
    SyncStreamItem hb;
    hb.mutable_heartbeat();
    outbox_->SendNow(std::move(hb));
    next_heartbeat_ = now + Millis(options_.tunables.heartbeat_interval_ms);
  }
  return Status();
}

Status Session::OnWireItem(const SyncStreamItem& item, MonoTime now) {
  if (phase_ == Phase::kEnded) return Status();
  if (phase_ == Phase::kKeyExchange) return OnKeyExchange(item);

  StatusOr<SyncStreamItem> inner = [&] {
    std::lock_guard lock(channel_mu_);
    return channel_->Open(item);
  }();
  if (!inner.ok()) return inner.status();  // channel errors are protocol errors

  if (phase_ == Phase::kHandshake) return OnHandshake(*inner, now);
  if (!peer_accepted_) {
    peer_accepted_ = true;
    BRS_RETURN_IF_ERROR(handler_->OnPeerAccepted());
  }
  return DispatchItem(*inner, *handler_, *outbox_);
}

// The hub sends its handshake as soon as the channel is up (as Backrest's
// hub does). A client sends nothing more until it has verified the hub's
// handshake (OnHandshake): its own carries the one-time pairing secret,
// which must never reach a hub that is not the known host.
Status Session::OnKeyExchange(const SyncStreamItem& item) {
  if (options_.role == Role::kHub) {
    auto responder = crypto::ChannelResponder::AcceptRequest(item);
    if (!responder.ok()) return Prefixed(responder.status(), "key exchange");
    outbox_->SendNow(responder->EstablishResponse());
    {
      std::lock_guard lock(channel_mu_);
      channel_.emplace(std::move(responder->channel()));
      transcript_ = channel_->transcript();
    }
    phase_ = Phase::kHandshake;
    return SendOwnHandshake();
  }
  auto channel = initiator_->FinishWithResponse(item);
  if (!channel.ok()) return Prefixed(channel.status(), "key exchange");
  initiator_.reset();  // wipes the ephemeral key
  std::lock_guard lock(channel_mu_);
  channel_.emplace(std::move(*channel));
  transcript_ = channel_->transcript();
  phase_ = Phase::kHandshake;
  return Status();
}

Status Session::SendOwnHandshake() {
  // The hub always sends an empty pairing secret; a client its known
  // host's initial pairing secret.
  const std::string secret =
      options_.role == Role::kClient ? options_.known_host.initial_pairing_secret() : "";
  auto hs = crypto::MakeHandshake(*options_.identity, options_.instance_id, secret, transcript_);
  if (!hs.ok()) return Internal("signing the handshake: " + hs.status().message());
  SyncStreamItem item;
  *item.mutable_handshake() = std::move(*hs);
  outbox_->SendNow(std::move(item));
  return Status();
}

Status Session::OnHandshake(const SyncStreamItem& inner, MonoTime now) {
  if (!inner.has_handshake()) {
    return ProtocolError("expected the peer's handshake, got another item");
  }
  claimed_key_id_ = inner.handshake().public_key().keyid().substr(0, 128);
  claimed_instance_ = inner.handshake().instance_id().substr(0, crypto::kMaxInstanceIdBytes);
  auto verified = crypto::VerifyHandshake(inner.handshake(), transcript_);
  if (!verified.ok()) return Prefixed(verified.status(), "handshake");
  auto peer = Authorize(*verified);
  if (!peer.ok()) return peer.status();
  // The client answers only a verified, known hub.
  if (options_.role == Role::kClient) BRS_RETURN_IF_ERROR(SendOwnHandshake());
  return Establish(*peer, now);
}

StatusOr<v1::Multihost::Peer> Session::Authorize(const crypto::VerifiedHandshake& hs) {
  if (options_.role == Role::kClient) {
    const auto& kh = options_.known_host;
    if (hs.key_id != kh.keyid()) {
      return AuthError("hub key " + hs.key_id + " is not the known host's key " + kh.keyid());
    }
    if (hs.instance_id != kh.instance_id()) {
      return AuthError("hub instance " + hs.instance_id + " does not match the known host " +
                       kh.instance_id());
    }
    return kh;
  }
  auto known = AuthorizeClient(hs);
  if (known.ok() || known.status().code() != Code::kNotFound) return known;
  if (hs.pairing_secret.empty()) return AuthError("client key " + hs.key_id + " is not authorized");
  return Pair(hs);
}

// Finds the client among the authorized ones; NotFound when it is not one.
// A pairing committed (or being committed) by another session must count:
// a Backrest client redials without its secret 10-20 ms after pairing
// (SPEC §6a). So an unknown key is looked up again after any config update
// in flight has been published.
StatusOr<v1::Multihost::Peer> Session::AuthorizeClient(const crypto::VerifiedHandshake& hs) {
  auto find = [&](const v1::Config& config) -> StatusOr<v1::Multihost::Peer> {
    for (const auto& c : config.multihost().authorized_clients()) {
      if (c.keyid() != hs.key_id) continue;
      if (c.instance_id() != hs.instance_id) {
        return AuthError("client instance " + hs.instance_id + " does not match the authorized " +
                         c.instance_id() + " for key " + hs.key_id);
      }
      return c;
    }
    return NotFound("unknown client key");
  };
  auto found = find(*options_.env.config->Get());
  if (found.ok() || found.status().code() != Code::kNotFound) return found;
  return find(*options_.env.config->GetAfterPendingUpdates());
}

// Pairing: match the secret and authorize the client in one transaction.
// Token expiry is wall-clock time (SPEC §5).
StatusOr<v1::Multihost::Peer> Session::Pair(const crypto::VerifiedHandshake& hs) {
  const int64_t now_unix = UnixSeconds(options_.env.clock->NowWall());
  v1::Multihost::Peer paired;
  std::string label;
  auto updated = options_.env.config->Update([&](v1::Config& cfg) {
    auto index = crypto::FindPairingToken(cfg.multihost(), hs.pairing_secret, now_unix);
    if (index.ok()) label = cfg.multihost().pairing_tokens(*index).label();
    auto p =
        crypto::RedeemPairingToken(cfg, hs.pairing_secret, hs.key_id, hs.instance_id, now_unix);
    if (!p.ok()) return AuthError("pairing refused: " + p.status().message());
    paired = std::move(*p);
    return Status();
  });
  if (!updated.ok()) {
    if (updated.status().code() == Code::kPermissionDenied) return updated.status();
    return Internal("pairing: " + updated.status().message());
  }
  options_.env.Audit("client paired", false,
                     {{"remote", options_.remote_address},
                      {"token_label", label},
                      {"token_fingerprint", crypto::PairingSecretFingerprint(hs.pairing_secret)},
                      {"key_id", hs.key_id},
                      {"instance", hs.instance_id},
                      {"grants", FormatGrants(paired)}});
  return paired;
}

Status Session::Establish(const v1::Multihost::Peer& peer, MonoTime now) {
  peer_ = peer;
  if (options_.resolve_peer_features) options_.peer_features = options_.resolve_peer_features();
  if (options_.on_authorized) options_.on_authorized(peer);
  if (options_.make_handler) handler_ = options_.make_handler(options_);
  if (!handler_) return Internal("no handler for the established session");
  phase_ = Phase::kEstablished;
  next_heartbeat_ = now + Millis(options_.tunables.heartbeat_interval_ms);
  return handler_->OnConnectionEstablished(peer, *outbox_);
}

Status Session::OnConfigChanged(const v1::Config& config) {
  if (phase_ != Phase::kEstablished) return Status();
  return handler_->OnConfigChanged(config, *outbox_);
}

Status Session::OnOutboxRoom() {
  if (phase_ != Phase::kEstablished) return Status();
  return handler_->CatchUp(*outbox_);
}

void Session::OnBacklog(size_t queued_items, MonoTime now) {
  if (queued_items < options_.throttle_backlog) return;
  if (last_throttle_ && now - *last_throttle_ < Millis(options_.throttle_delay_ms)) return;
  if (Throttle(options_.throttle_delay_ms)) last_throttle_ = now;
}

bool Session::Throttle(int64_t delay_ms) {
  if (options_.role != Role::kHub || phase_ != Phase::kEstablished) return false;
  if (!options_.peer_features.throttle) return false;  // never to a Backrest peer
  SyncStreamItem item;
  item.mutable_throttle()->set_delay_ms(delay_ms);
  outbox_->SendNow(std::move(item));
  if (auto* m = options_.env.metrics) m->throttles.With({"sent"}).Inc();
  return true;
}

void Session::End(const Status& why, bool record_state) {
  if (ended_) return;
  ended_ = true;
  phase_ = Phase::kEnded;
  if (!handler_) return;
  handler_->set_record_end_state(record_state);
  handler_->OnConnectionDisconnected(why);
}

StatusOr<SyncStreamItem> Session::Seal(const SyncStreamItem& plain) {
  if (plain.has_establish_shared_secret()) return plain;
  std::lock_guard lock(channel_mu_);
  if (!channel_) return Internal("an item to send before the channel was set up");
  return channel_->Seal(plain);
}

}  // namespace brs::sync
