#include "sync/hub_handler.h"

#include <google/protobuf/util/message_differencer.h>

#include <chrono>

#include "store/op_validation.h"
#include "sync/session_error.h"

namespace brs::sync {
namespace {

using google::protobuf::util::MessageDifferencer;
using Permission = v1::Multihost::Permission;

const v1::Multihost::Peer* FindClient(const v1::Config& config, const std::string& keyid) {
  for (const auto& p : config.multihost().authorized_clients()) {
    if (p.keyid() == keyid) return &p;
  }
  return nullptr;
}

}  // namespace

HubHandler::HubHandler(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features)
    : PeerHandlerBase(env, tunables, peer_features) {}

Status HubHandler::OnConnectionEstablished(const v1::Multihost::Peer& peer, ItemSink& out) {
  BRS_RETURN_IF_ERROR(LoadPermissions(peer, "client"));
  auto config = env_.config->Get();
  read_filter_.emplace(*config, perms_);
  BRS_RETURN_IF_ERROR(MarkConnected(peer));
  SendConfigView(*config, out);
  PushSharedRepos(*config, out);
  return Status();
}

// The hub lists what the client may view.
SyncStreamItem HubHandler::ResourcesItem(const v1::Config& config) const {
  SyncStreamItem item;
  *item.mutable_receive_resources() =
      ResourcesFor(config, perms_,
                   {Permission::PERMISSION_READ_CONFIG, Permission::PERMISSION_READ_WRITE_CONFIG});
  return item;
}

void HubHandler::PushSharedRepos(const v1::Config& config, ItemSink& out) {
  std::vector<v1::Repo> shared = SharedReposFor(config, perms_);
  if (shared.empty()) return;
  SyncStreamItem::SyncActionSetConfig set;
  for (auto& repo : shared) *set.add_repos() = std::move(repo);
  (void)PushConfig(set, out);
}

Status HubHandler::OnConfigChanged(const v1::Config& config, ItemSink& out) {
  const v1::Multihost::Peer* now = FindClient(config, peer_.keyid());
  if (now == nullptr) {
    env_.Audit("client revoked: session ended", false,
               {{"key_id", peer_.keyid()}, {"instance", peer_.instance_id()}});
    return Disconnected("client is no longer authorized");
  }
  if (!MessageDifferencer::Equals(*now, peer_)) {
    return Disconnected("client entry changed; reconnect to apply it");
  }
  read_filter_.emplace(config, perms_);
  SendConfigView(config, out);
  PushSharedRepos(config, out);
  return Status();
}

Status HubHandler::HandleOperationManifest(
    const SyncStreamItem::SyncActionOperationManifest& manifest, ItemSink& out) {
  if (manifest.op_ids_size() != manifest.modnos_size()) {
    return ProtocolError("operation manifest has " + std::to_string(manifest.op_ids_size()) +
                         " op IDs but " + std::to_string(manifest.modnos_size()) + " modnos");
  }
  if (static_cast<size_t>(manifest.op_ids_size()) > tunables_.max_ids_per_message) {
    return ProtocolError("operation manifest too large");
  }
  std::span<const int64_t> ids(manifest.op_ids().data(), manifest.op_ids_size());
  std::span<const int64_t> modnos(manifest.modnos().data(), manifest.modnos_size());
  auto rec = env_.oplog->ReconcileManifest(peer_.keyid(), ids, modnos);
  if (!rec.ok()) return StoreFailed("reconciling manifest", rec.status());
  if (!rec->deleted_ids.empty()) StoreWorked();
  stats_.ops_deleted += static_cast<int64_t>(rec->deleted_ids.size());
  if (env_.metrics) env_.metrics->ops_deleted.Inc(rec->deleted_ids.size());
  stats_.ops_requested += static_cast<int64_t>(rec->request_ids.size());
  const auto& need = rec->request_ids;
  for (size_t at = 0; at < need.size(); at += tunables_.request_batch) {
    size_t n = std::min(tunables_.request_batch, need.size() - at);
    SyncStreamItem req;
    auto* ids_out = req.mutable_request_operation_data()->mutable_op_ids();
    ids_out->Reserve(static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) ids_out->Add(need[at + i]);
    out.Send(std::move(req));
  }
  return Status();
}

Status HubHandler::HandleReceiveOperations(const SyncStreamItem::SyncActionReceiveOperations& item,
                                           ItemSink&) {
  const v1::OperationEvent& event = item.event();
  switch (event.event_case()) {
    case v1::OperationEvent::kCreatedOperations:
    case v1::OperationEvent::kUpdatedOperations: {
      const auto& list = event.event_case() == v1::OperationEvent::kCreatedOperations
                             ? event.created_operations()
                             : event.updated_operations();
      if (list.operations_size() == 0) return Status();
      std::vector<v1::Operation> ops = ValidOps(list);
      if (ops.empty()) return Status();
      const MonoTime started = env_.clock->NowMono();
      auto stored = env_.oplog->UpsertSynced(peer_.keyid(), std::move(ops));
      if (!stored.ok()) {
        if (stored.status().code() == Code::kInvalidArgument) {
          return ProtocolError("invalid operation from client: " + stored.status().message());
        }
        return StoreFailed("storing operations", stored.status());
      }
      StoreWorked();
      stats_.ops_upserted += static_cast<int64_t>(stored->size());
      if (env_.metrics) {
        env_.metrics->ops_received.Inc(stored->size());
        env_.metrics->ingest_latency_seconds.Observe(
            std::chrono::duration<double>(env_.clock->NowMono() - started).count());
      }
      return Status();
    }
    case v1::OperationEvent::kDeletedOperations: {
      const auto& values = event.deleted_operations().values();
      if (static_cast<size_t>(values.size()) > tunables_.max_ids_per_message) {
        return ProtocolError("delete event too large");
      }
      auto n = env_.oplog->DeleteSynced(peer_.keyid(),
                                        std::span<const int64_t>(values.data(), values.size()));
      if (!n.ok()) return StoreFailed("deleting operations", n.status());
      StoreWorked();
      stats_.ops_deleted += static_cast<int64_t>(*n);
      if (env_.metrics) env_.metrics->ops_deleted.Inc(*n);
      return Status();
    }
    case v1::OperationEvent::kKeepAlive:
      return Status();
    case v1::OperationEvent::EVENT_NOT_SET:
      break;
  }
  return ProtocolError("receive_operations with an unknown event type");
}

std::vector<v1::Operation> HubHandler::ValidOps(const v1::OperationList& list) {
  std::vector<v1::Operation> ops;
  ops.reserve(static_cast<size_t>(list.operations_size()));
  int64_t refused = 0;
  std::string first;
  for (const auto& op : list.operations()) {
    // The modno is left out: an op without one gets the next local modno
    // (the store does it, as Backrest's Set).
    Status valid = store::ValidateOperation(op, store::StoreAssigns::kModno);
    if (valid.ok()) {
      ops.push_back(op);
      continue;
    }
    if (refused++ == 0) first = "op " + std::to_string(op.id()) + ": " + valid.message();
  }
  if (refused > 0) RecordRefused(refused, first);
  return ops;
}

// One peer-state message per batch with refusals (the daemon logs each
// change of it once); the session goes on with the batch's valid ops.
void HubHandler::RecordRefused(int64_t count, const std::string& first) {
  stats_.ops_refused += count;
  if (env_.metrics) env_.metrics->ops_invalid.With({"hub"}).Inc(static_cast<uint64_t>(count));
  std::string message = "connected; refused " + std::to_string(stats_.ops_refused) + " invalid op" +
                        (stats_.ops_refused == 1 ? "" : "s") +
                        " this session (Backrest's validation), last " + first;
  if (count > 1) message += " (and " + std::to_string(count - 1) + " more in that batch)";
  (void)env_.peers->Update(peer_.keyid(), [&](v1sync::PeerState& s) {
    s.set_status_message(message);
    return Status();
  });
}

Status HubHandler::StoreFailed(std::string_view what, const Status& error) {
  if (error.code() != Code::kResourceExhausted) {
    return Internal(std::string(what) + ": " + error.message());
  }
  if (env_.metrics) {
    env_.metrics->store_full.Set(1);
    env_.metrics->store_full_refusals.Inc();
  }
  if (env_.store_full->Full()) {
    env_.Audit(
        "hub store full (disk full): refusing received operations until space returns", true,
        {{"client", peer_.keyid()}, {"while", std::string(what)}, {"error", error.message()}});
  }
  // Nothing of the batch was stored (the store's transaction rolled back);
  // the client sends it again in its next session's manifest exchange.
  return ResourceExhausted(
      "hub store full (no space left on its disk), retry later: " + std::string(what) + " failed");
}

void HubHandler::StoreWorked() {
  if (!env_.store_full->Stored()) return;
  if (env_.metrics) env_.metrics->store_full.Set(0);
  env_.Audit("hub store has space again: storing received operations", false,
             {{"client", peer_.keyid()}});
}

bool HubHandler::MayReadOperation(const v1::Operation& op) const {
  // The same rule as a client's forwarding: a local op of a repo or plan
  // that READ_OPERATIONS covers for this peer.
  return read_filter_.has_value() && read_filter_->CanForward(op);
}

}  // namespace brs::sync
