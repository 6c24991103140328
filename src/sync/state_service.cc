#include "sync/state_service.h"

#include <condition_variable>
#include <mutex>
#include <optional>

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

namespace {

v1sync::SyncStreamItem::SyncActionSetConfig SetConfigOf(
    const v1sync::SetRemoteClientConfigRequest& request) {
  v1sync::SyncStreamItem::SyncActionSetConfig set;
  *set.mutable_repos() = request.repos();
  *set.mutable_plans() = request.plans();
  *set.mutable_repos_to_delete() = request.repos_to_delete();
  *set.mutable_plans_to_delete() = request.plans_to_delete();
  return set;
}

// What a push waiter has learnt so far; shared with callbacks that may
// outlive the wait.
struct PushWatch {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<PushOutcome> answer;  // the client's own answer
  bool ended = false;                 // the session ended after the push
  std::optional<int32_t> modno_now;   // a receive_config with another modno
};

}  // namespace

Status StateService::SetRemoteClientConfig(
    const v1sync::SetRemoteClientConfigRequest& request) const {
  if (request.peer_keyid().empty()) return InvalidArgument("peer_keyid is required");
  auto session = sessions_->Find(request.peer_keyid());
  if (!session) return NotFound("peer " + request.peer_keyid() + " is not connected");
  return session->PushConfig(SetConfigOf(request));
}

StatusOr<PushOutcome> StateService::PushConfigAndWait(
    const v1sync::SetRemoteClientConfigRequest& request, std::chrono::milliseconds wait) const {
  using Kind = PushOutcome::Kind;
  const std::string keyid = request.peer_keyid();
  if (keyid.empty()) return InvalidArgument("peer_keyid is required");
  auto session = sessions_->Find(keyid);
  if (!session) return NotFound("peer " + keyid + " is not connected");
  if (wait.count() <= 0) {
    BRS_RETURN_IF_ERROR(session->PushConfig(SetConfigOf(request)));
    return PushOutcome{Kind::kUnreported, "sent; not waiting for the outcome"};
  }
  std::optional<int32_t> modno_before;
  if (auto st = peers_->Get(keyid); st.ok() && st->has_remote_config()) {
    modno_before = st->remote_config().modno();
  }
  auto watch = std::make_shared<PushWatch>();
  auto sub = peers_->Subscribe([watch, keyid, modno_before](const v1sync::PeerState& s) {
    if (s.peer_keyid() != keyid) return;
    std::lock_guard lock(watch->mu);
    if (s.state() != v1sync::CONNECTION_STATE_CONNECTED) watch->ended = true;
    if (s.has_remote_config() && s.remote_config().modno() != modno_before) {
      watch->modno_now = s.remote_config().modno();
    }
    watch->cv.notify_all();
  });
  Status pushed = session->PushConfig(SetConfigOf(request), [watch](const PushOutcome& o) {
    std::lock_guard lock(watch->mu);
    if (o.kind == Kind::kApplied || o.kind == Kind::kRefused) watch->answer = o;
    if (o.kind == Kind::kEnded) watch->ended = true;
    watch->cv.notify_all();
  });
  if (!pushed.ok()) {
    peers_->Unsubscribe(sub);
    return pushed;
  }
  PushOutcome out;
  {
    std::unique_lock lock(watch->mu);
    watch->cv.wait_for(lock, wait, [&] { return watch->answer || watch->modno_now; });
    if (watch->answer) {
      out = *watch->answer;
    } else if (watch->modno_now) {
      out = {Kind::kApplied,
             "the client's config modno moved to " + std::to_string(*watch->modno_now)};
    } else if (watch->ended) {
      out = {Kind::kRefused,
             "the client ended the session after the push and did not come back with a "
             "changed config (a Backrest client refuses a push this way)"};
    } else {
      out = {Kind::kUnreported, "no outcome within " + std::to_string(wait.count()) +
                                    " ms: the client's config did not change"};
    }
  }
  peers_->Unsubscribe(sub);
  return out;
}

}  // namespace brs::sync
