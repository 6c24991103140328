#include "sync/session.h"

#include "crypto/handshake.h"
#include "crypto/pairing_token.h"
#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync/session_error.h"

namespace brs::sync {
namespace {

// Errors of the crypto layer keep their code (protocol = InvalidArgument,
// auth = PermissionDenied); this only adds where they happened.
Status Prefixed(const Status& st, const char* where) {
  return Status(st.code(), std::string(where) + ": " + st.message());
}

constexpr int64_t kMaxThrottleDelayMs = 60'000;

}  // namespace

Session::Session(SessionOptions options, Outbox* outbox)
    : options_(std::move(options)), outbox_(outbox) {}

Session::~Session() = default;

Status Session::Start(int64_t now_ms) {
  handshake_deadline_ms_ = now_ms + options_.handshake_timeout_ms;
  if (options_.role == Role::kHub) return Status();
  auto initiator = crypto::ChannelInitiator::Create();
  if (!initiator.ok())
    return Internal("creating the ephemeral key: " + initiator.status().message());
  initiator_.emplace(std::move(*initiator));
  outbox_->SendNow(initiator_->EstablishRequest());
  return Status();
}

int64_t Session::NextTickMs() const {
  switch (phase_) {
    case Phase::kKeyExchange:
    case Phase::kHandshake:
      return handshake_deadline_ms_;
    case Phase::kEstablished:
      return next_heartbeat_ms_;
    case Phase::kEnded:
      break;
  }
  return INT64_MAX;
}

Status Session::OnTick(int64_t now_ms) {
  if (phase_ == Phase::kKeyExchange || phase_ == Phase::kHandshake) {
    if (now_ms >= handshake_deadline_ms_) {
      return ProtocolError("no handshake from the peer within " +
                           std::to_string(options_.handshake_timeout_ms / 1000) + " s");
    }
    return Status();
  }
  if (phase_ == Phase::kEstablished && now_ms >= next_heartbeat_ms_) {
    SyncStreamItem hb;
    hb.mutable_heartbeat();
    outbox_->SendNow(std::move(hb));
    next_heartbeat_ms_ = now_ms + options_.tunables.heartbeat_interval_ms;
  }
  return Status();
}

Status Session::OnWireItem(const SyncStreamItem& item, int64_t now_ms) {
  if (phase_ == Phase::kEnded) return Status();
  if (phase_ == Phase::kKeyExchange) return OnKeyExchange(item, now_ms);

  StatusOr<SyncStreamItem> inner = [&] {
    std::lock_guard lock(channel_mu_);
    return channel_->Open(item);
  }();
  if (!inner.ok()) return inner.status();  // channel errors are protocol errors

  if (phase_ == Phase::kHandshake) return OnHandshake(*inner, now_ms);

  if (inner->has_throttle()) {
    if (!options_.peer_features.throttle || options_.role == Role::kHub) {
      return ProtocolError("unexpected throttle");  // we never announced it to this peer
    }
    int64_t delay = std::clamp<int64_t>(inner->throttle().delay_ms(), 0, kMaxThrottleDelayMs);
    outbox_->Pause(Outbox::SteadyNowMs(), delay);
    if (auto* m = options_.env.metrics) m->throttles.With({"received"}).Inc();
    return Status();
  }
  return DispatchItem(*inner, *handler_, *outbox_);
}

Status Session::OnKeyExchange(const SyncStreamItem& item, int64_t now_ms) {
  (void)now_ms;
  if (options_.role == Role::kHub) {
    auto responder = crypto::ChannelResponder::AcceptRequest(item);
    if (!responder.ok()) return Prefixed(responder.status(), "key exchange");
    outbox_->SendNow(responder->EstablishResponse());
    {
      std::lock_guard lock(channel_mu_);
      channel_.emplace(std::move(responder->channel()));
      transcript_ = channel_->transcript();
    }
  } else {
    auto channel = initiator_->FinishWithResponse(item);
    if (!channel.ok()) return Prefixed(channel.status(), "key exchange");
    initiator_.reset();  // wipes the ephemeral key
    std::lock_guard lock(channel_mu_);
    channel_.emplace(std::move(*channel));
    transcript_ = channel_->transcript();
  }
  phase_ = Phase::kHandshake;
  return SendOwnHandshake();
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

Status Session::OnHandshake(const SyncStreamItem& inner, int64_t now_ms) {
  if (!inner.has_handshake()) {
    return ProtocolError("expected the peer's handshake, got another item");
  }
  auto verified = crypto::VerifyHandshake(inner.handshake(), transcript_);
  if (!verified.ok()) return Prefixed(verified.status(), "handshake");
  auto peer = Authorize(*verified, now_ms);
  if (!peer.ok()) return peer.status();
  return Establish(*peer, now_ms);
}

StatusOr<v1::Multihost::Peer> Session::Authorize(const crypto::VerifiedHandshake& hs,
                                                 int64_t now_ms) {
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
  auto config = options_.env.config->Get();
  for (const auto& c : config->multihost().authorized_clients()) {
    if (c.keyid() != hs.key_id) continue;
    if (c.instance_id() != hs.instance_id) {
      return AuthError("client instance " + hs.instance_id + " does not match the authorized " +
                       c.instance_id() + " for key " + hs.key_id);
    }
    return c;
  }
  if (hs.pairing_secret.empty()) return AuthError("client key " + hs.key_id + " is not authorized");

  // Pairing: match the secret and authorize the client in one transaction.
  v1::Multihost::Peer paired;
  auto updated = options_.env.config->Update([&](v1::Config& cfg) {
    auto p = crypto::RedeemPairingToken(cfg, hs.pairing_secret, hs.key_id, hs.instance_id,
                                        now_ms / 1000);
    if (!p.ok()) return AuthError("pairing refused: " + p.status().message());
    paired = std::move(*p);
    return Status();
  });
  if (!updated.ok()) {
    if (updated.status().code() == Code::kPermissionDenied) return updated.status();
    return Internal("pairing: " + updated.status().message());
  }
  return paired;
}

Status Session::Establish(const v1::Multihost::Peer& peer, int64_t now_ms) {
  peer_ = peer;
  if (options_.resolve_peer_features) options_.peer_features = options_.resolve_peer_features();
  if (options_.role == Role::kHub) {
    handler_ =
        std::make_unique<HubHandler>(options_.env, options_.tunables, options_.peer_features);
  } else {
    handler_ = std::make_unique<ClientHandler>(options_.env, options_.tunables,
                                               options_.peer_features, options_.known_host);
  }
  phase_ = Phase::kEstablished;
  next_heartbeat_ms_ = now_ms + options_.tunables.heartbeat_interval_ms;
  return handler_->OnConnectionEstablished(peer, *outbox_);
}

Status Session::OnConfigChanged(const v1::Config& config) {
  if (phase_ != Phase::kEstablished) return Status();
  return handler_->OnConfigChanged(config, *outbox_);
}

void Session::OnBacklog(size_t queued_items, int64_t now_ms) {
  if (options_.role != Role::kHub || phase_ != Phase::kEstablished) return;
  if (!options_.peer_features.throttle || queued_items < options_.throttle_backlog) return;
  if (now_ms - last_throttle_ms_ < options_.throttle_delay_ms) return;
  last_throttle_ms_ = now_ms;
  SyncStreamItem item;
  item.mutable_throttle()->set_delay_ms(options_.throttle_delay_ms);
  outbox_->SendNow(std::move(item));
  if (auto* m = options_.env.metrics) m->throttles.With({"sent"}).Inc();
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
