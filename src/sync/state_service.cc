#include "sync/state_service.h"

namespace brs::sync {

StatusOr<std::vector<v1sync::PeerState>> StateService::Snapshot() const {
  auto config = config_->Get();
  std::vector<v1sync::PeerState> out;
  auto add = [&](const v1::Multihost::Peer& peer) {
    auto stored = peers_->Get(peer.keyid());
    if (stored.ok()) {
      out.push_back(std::move(*stored));
      if (out.back().peer_instance_id().empty()) {
        out.back().set_peer_instance_id(peer.instance_id());
      }
      return Status();
    }
    if (stored.status().code() != Code::kNotFound) return stored.status();
    v1sync::PeerState fresh;
    fresh.set_peer_keyid(peer.keyid());
    fresh.set_peer_instance_id(peer.instance_id());
    fresh.set_state(v1sync::CONNECTION_STATE_DISCONNECTED);
    fresh.set_status_message("disconnected");
    out.push_back(std::move(fresh));
    return Status();
  };
  for (const auto& p : config->multihost().known_hosts()) BRS_RETURN_IF_ERROR(add(p));
  for (const auto& p : config->multihost().authorized_clients()) BRS_RETURN_IF_ERROR(add(p));
  return out;
}

store::PeerStateStore::SubscriptionId StateService::Subscribe(
    std::function<void(const v1sync::PeerState&)> fn) const {
  return peers_->Subscribe(std::move(fn));
}

void StateService::Unsubscribe(store::PeerStateStore::SubscriptionId id) const {
  peers_->Unsubscribe(id);
}

Status StateService::SetRemoteClientConfig(
    const v1sync::SetRemoteClientConfigRequest& request) const {
  if (request.peer_keyid().empty()) return InvalidArgument("peer_keyid is required");
  auto session = sessions_->Find(request.peer_keyid());
  if (!session) return NotFound("peer " + request.peer_keyid() + " is not connected");
  v1sync::SyncStreamItem::SyncActionSetConfig set;
  *set.mutable_repos() = request.repos();
  *set.mutable_plans() = request.plans();
  *set.mutable_repos_to_delete() = request.repos_to_delete();
  *set.mutable_plans_to_delete() = request.plans_to_delete();
  return session->PushConfig(set);
}

}  // namespace brs::sync
