#include "sync/client_handler.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

#include "sync/session_error.h"

namespace brs::sync {
namespace {

using google::protobuf::util::MessageDifferencer;
using Permission = v1::Multihost::Permission;

const v1::Multihost::Peer* FindHost(const v1::Config& config, const std::string& keyid) {
  for (const auto& p : config.multihost().known_hosts()) {
    if (p.keyid() == keyid) return &p;
  }
  return nullptr;
}

// The entry without the pairing secret, which the client clears itself
// after the first connection (that change must not end the session).
v1::Multihost::Peer WithoutSecret(v1::Multihost::Peer p) {
  p.clear_initial_pairing_secret();
  return p;
}

// The client's operation_manifest: (ID, modno) of each forwardable op.
SyncStreamItem ManifestItem(const std::vector<store::ManifestEntry>& entries) {
  SyncStreamItem item;
  auto* m = item.mutable_operation_manifest();
  m->mutable_op_ids()->Reserve(static_cast<int>(entries.size()));
  m->mutable_modnos()->Reserve(static_cast<int>(entries.size()));
  for (const auto& e : entries) {
    m->add_op_ids(e.id);
    m->add_modnos(e.modno);
  }
  return item;
}

// receive_operations with one committed change.
SyncStreamItem EventItem(const store::OpEvent& event) {
  SyncStreamItem item;
  v1::OperationEvent* ev = item.mutable_receive_operations()->mutable_event();
  switch (event.kind) {
    case store::OpEventKind::kCreated:
      for (const auto& op : event.ops) *ev->mutable_created_operations()->add_operations() = op;
      break;
    case store::OpEventKind::kUpdated:
      for (const auto& op : event.ops) *ev->mutable_updated_operations()->add_operations() = op;
      break;
    case store::OpEventKind::kDeleted:
      for (const auto& op : event.ops) ev->mutable_deleted_operations()->add_values(op.id());
      break;
  }
  return item;
}

}  // namespace

ClientHandler::ClientHandler(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features,
                             v1::Multihost::Peer known_host)
    : PeerHandlerBase(env, tunables, peer_features), known_host_(std::move(known_host)) {}

ClientHandler::~ClientHandler() {
  if (subscription_) env_.oplog->Unsubscribe(*subscription_);
}

Status ClientHandler::OnConnectionEstablished(const v1::Multihost::Peer& peer, ItemSink& out) {
  if (peer.keyid() != known_host_.keyid() || peer.instance_id() != known_host_.instance_id()) {
    return AuthError("peer mismatch: expected " + known_host_.instance_id() + " (" +
                     known_host_.keyid() + "), got " + peer.instance_id() + " (" + peer.keyid() +
                     ")");
  }
  BRS_RETURN_IF_ERROR(LoadPermissions(known_host_, "known host"));
  BRS_RETURN_IF_ERROR(MarkConnected(known_host_));
  auto config = env_.config->Get();
  SendConfigView(*config, out);
  return Subscribe(*config, out);
}

// Pairing succeeded once the hub has sent something after the handshakes:
// only then has it verified ours (and stored us as its client). Cleared
// before that (on verifying the hub's handshake, when ours with the secret
// may still be in flight), a connection lost in between left the client
// without its secret and the hub without the client: refused for good.
Status ClientHandler::OnPeerAccepted() {
  if (known_host_.initial_pairing_secret().empty()) return Status();
  auto cleared = env_.config->Update([&](v1::Config& cfg) {
    for (auto& kh : *cfg.mutable_multihost()->mutable_known_hosts()) {
      if (kh.keyid() == known_host_.keyid()) kh.clear_initial_pairing_secret();
    }
    return Status();
  });
  if (!cleared.ok()) return Internal("clearing pairing secret: " + cleared.status().message());
  known_host_.clear_initial_pairing_secret();
  return Status();
}

// Forwards live events, holding them back until the manifest is out so that
// an op created after the manifest's read can never arrive at the hub
// before a manifest that does not list it (the hub would delete it).
Status ClientHandler::Subscribe(const v1::Config& config, ItemSink& out) {
  filter_.store(std::make_shared<const ForwardFilter>(config, perms_));
  {
    std::lock_guard lock(forward_mu_);
    sink_ = &out;
    forwarding_ = Forwarding::kHeld;
  }
  auto sub = env_.oplog->SubscribeWithManifest(
      store::OpQuery{}, [this](const store::OpMetadata& m) { return Forwardable(m); },
      [this](const store::OpEvent& e) { OnOplogEvent(e); });
  if (!sub.ok()) return Internal("subscribing to the oplog: " + sub.status().message());
  subscription_ = sub->first;
  ReleaseWithManifest(sub->second, out);
  return Status();
}

void ClientHandler::OnConnectionDisconnected(const Status& why) {
  if (subscription_) {
    env_.oplog->Unsubscribe(*subscription_);
    subscription_.reset();
  }
  {
    std::lock_guard lock(forward_mu_);
    sink_ = nullptr;
    held_.clear();
  }
  PeerHandlerBase::OnConnectionDisconnected(guard_.ExplainEnd(why, env_.clock->NowMono()));
}

bool ClientHandler::Forwardable(const store::OpMetadata& m) {
  auto filter = filter_.load();
  return filter &&
         filter->CanForward(m.original_instance_keyid, m.instance_id, m.repo_guid, m.plan_id) &&
         guard_.Valid(m);
}

// Runs on the thread of the store's writer: never waits for the hub.
void ClientHandler::OnOplogEvent(const store::OpEvent& event) {
  if (event.ops.empty()) return;
  SyncStreamItem item = EventItem(event);
  std::lock_guard lock(forward_mu_);
  if (sink_ == nullptr || forwarding_ == Forwarding::kBehind) return;
  if (forwarding_ == Forwarding::kHeld) {
    held_.push_back(std::move(item));
  } else if (!sink_->TrySend(std::move(item))) {
    forwarding_ = Forwarding::kBehind;  // the sink calls for CatchUp once it has room
    return;
  }
  if (event.kind != store::OpEventKind::kDeleted) NoteSent(event.ops);
  ++stats_.events_forwarded;
  if (env_.metrics && event.kind != store::OpEventKind::kDeleted) {
    env_.metrics->ops_sent.Inc(event.ops.size());
  }
}

Status ClientHandler::ResendManifest(ItemSink& out) {
  {
    std::lock_guard lock(forward_mu_);
    if (sink_ == nullptr) return Internal("manifest before the session was established");
    forwarding_ = Forwarding::kHeld;
  }
  // An event dropped before this point was committed before the read below
  // starts, so the manifest covers it; later ones wait in held_.
  auto entries = env_.oplog->Manifest(
      store::OpQuery{}, [this](const store::OpMetadata& m) { return Forwardable(m); });
  if (!entries.ok()) return Internal("reading the manifest: " + entries.status().message());
  ReleaseWithManifest(*entries, out);
  return Status();
}

void ClientHandler::ReleaseWithManifest(const std::vector<store::ManifestEntry>& entries,
                                        ItemSink& out) {
  SyncStreamItem manifest = ManifestItem(entries);
  {
    std::lock_guard lock(forward_mu_);
    out.SendNow(std::move(manifest));
    ++stats_.manifests_sent;
    forwarding_ = Forwarding::kLive;
    for (; !held_.empty() && forwarding_ == Forwarding::kLive; held_.pop_front()) {
      if (!out.TrySend(std::move(held_.front()))) forwarding_ = Forwarding::kBehind;
    }
    held_.clear();
  }
  NoteInvalidOps();
}

Status ClientHandler::CatchUp(ItemSink& out) {
  {
    std::lock_guard lock(forward_mu_);
    if (sink_ == nullptr || forwarding_ != Forwarding::kBehind) return Status();
    ++stats_.catch_ups;
  }
  return ResendManifest(out);
}

Status ClientHandler::HandleOperationManifest(const SyncStreamItem::SyncActionOperationManifest&,
                                              ItemSink& out) {
  // The hub asks for a fresh manifest.
  guard_.OnHubRequest();
  return ResendManifest(out);
}

Status ClientHandler::HandleRequestOperationData(
    const SyncStreamItem::SyncActionRequestOperationData& item, ItemSink& out) {
  if (static_cast<size_t>(item.op_ids_size()) > tunables_.max_ids_per_message) {
    return ProtocolError("request_operation_data too large");
  }
  guard_.OnHubRequest();
  const auto& ids = item.op_ids();
  for (int at = 0; at < ids.size(); at += static_cast<int>(tunables_.operation_batch)) {
    int n = std::min<int>(static_cast<int>(tunables_.operation_batch), ids.size() - at);
    auto ops = env_.oplog->GetMany(std::span<const int64_t>(ids.data() + at, n));
    if (!ops.ok()) return Internal("reading requested operations: " + ops.status().message());
    SyncStreamItem reply;
    auto* list = reply.mutable_receive_operations()->mutable_event()->mutable_updated_operations();
    auto filter = filter_.load();
    for (auto& op : *ops) {
      // Only what this host may read: a hub cannot fetch other ops by ID.
      if (filter && filter->CanForward(op) && guard_.Valid(op)) {
        *list->add_operations() = std::move(op);
      }
    }
    if (list->operations_size() == 0) continue;  // deleted since the manifest
    NoteSent(list->operations());
    stats_.ops_sent += list->operations_size();
    if (env_.metrics) env_.metrics->ops_sent.Inc(static_cast<uint64_t>(list->operations_size()));
    out.Send(std::move(reply));
  }
  NoteInvalidOps();
  return Status();
}

Status ClientHandler::HandleRequestResources(const SyncStreamItem::SyncActionRequestResources&,
                                             ItemSink& out) {
  out.Send(ResourcesItem(*env_.config->Get()));
  return Status();
}

// A client also lists what it forwards.
SyncStreamItem ClientHandler::ResourcesItem(const v1::Config& config) const {
  SyncStreamItem item;
  *item.mutable_receive_resources() =
      ResourcesFor(config, perms_,
                   {Permission::PERMISSION_READ_OPERATIONS, Permission::PERMISSION_READ_CONFIG,
                    Permission::PERMISSION_READ_WRITE_CONFIG});
  return item;
}

// The throttle extension (SPEC §8): the hub asks us to pause sending.
Status ClientHandler::HandleThrottle(const SyncStreamItem::SyncActionThrottle& item,
                                     ItemSink& out) {
  if (!features_.throttle) return RoleHandler::HandleThrottle(item, out);  // never announced
  out.Pause(Millis(std::clamp<int64_t>(item.delay_ms(), 0, kMaxThrottleDelayMs)));
  if (env_.metrics) env_.metrics->throttles.With({"received"}).Inc();
  return Status();
}

Status ClientHandler::OnConfigChanged(const v1::Config& config, ItemSink& out) {
  const v1::Multihost::Peer* now = FindHost(config, known_host_.keyid());
  if (now == nullptr) return Disconnected("known host was removed from the config");
  if (!MessageDifferencer::Equals(WithoutSecret(*now), WithoutSecret(known_host_))) {
    return Disconnected("known host entry changed; reconnecting to apply it");
  }
  // Repos and plans may have been added or removed.
  filter_.store(std::make_shared<const ForwardFilter>(config, perms_));
  SendConfigView(config, out);
  return Status();
}

template <typename Ops>
void ClientHandler::NoteSent(const Ops& ops) {
  if (ops.empty()) return;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& op : ops) lo = std::min(lo, op.id()), hi = std::max(hi, op.id());
  guard_.OnSent(lo, hi, env_.clock->NowMono());
}

void ClientHandler::NoteInvalidOps() {
  auto notice = guard_.TakeNotice();
  if (!notice) return;
  if (env_.metrics) {
    env_.metrics->ops_invalid.With({"client"}).Inc(static_cast<uint64_t>(notice->count));
  }
  (void)env_.peers->Update(known_host_.keyid(), [&](v1sync::PeerState& s) {
    s.set_status_message(notice->message);
    return Status();
  });
}

ClientHandler::Stats ClientHandler::stats() const {
  std::lock_guard lock(forward_mu_);
  return stats_;
}

bool ClientHandler::MayReadOperation(const v1::Operation& op) const {
  auto filter = filter_.load();
  return filter && filter->CanForward(op);
}

}  // namespace brs::sync
