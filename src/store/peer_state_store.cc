#include "store/peer_state_store.h"

#include <algorithm>
#include <optional>
#include <set>

namespace brs::store {
namespace {

constexpr Migration kPeerStateMigrations[] = {
    {1, "CREATE TABLE peer_states (keyid TEXT PRIMARY KEY, state BLOB NOT NULL)"},
};

}  // namespace

StatusOr<std::unique_ptr<PeerStateStore>> PeerStateStore::Open(const std::string& path) {
  std::unique_ptr<PeerStateStore> store(new PeerStateStore());
  BRS_ASSIGN_OR_RETURN(store->db_, SqliteDb::Open(path));
  BRS_RETURN_IF_ERROR(ApplyMigrations(*store->db_, "peer_states", kPeerStateMigrations,
                                      std::size(kPeerStateMigrations)));
  return store;
}

PeerStateStore::~PeerStateStore() = default;

StatusOr<std::optional<v1sync::PeerState>> PeerStateStore::GetLocked(const std::string& keyid) {
  if (auto it = unsaved_.find(keyid); it != unsaved_.end()) {
    return std::optional<v1sync::PeerState>(it->second);
  }
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT state FROM peer_states WHERE keyid = ?"));
  st.Bind(1, keyid);
  Status s;
  if (!st.Step(&s)) {
    BRS_RETURN_IF_ERROR(s);
    return std::optional<v1sync::PeerState>();
  }
  v1sync::PeerState state;
  std::string_view blob = st.ColumnBlob(0);
  if (!state.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
    return DataLoss("stored peer state of " + keyid + " does not parse");
  }
  return std::optional<v1sync::PeerState>(std::move(state));
}

Status PeerStateStore::PutLocked(const v1sync::PeerState& state) {
  if (state.peer_keyid().empty()) return InvalidArgument("peer state without a key ID");
  std::string bytes;
  if (!state.SerializeToString(&bytes)) return Internal("serialize peer state");
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("INSERT INTO peer_states(keyid, state) VALUES(?, ?)"
                                    " ON CONFLICT(keyid) DO UPDATE SET state = excluded.state"));
  st.Bind(1, state.peer_keyid()).BindBlob(2, bytes);
  return st.Run();
}

Status PeerStateStore::PutOrKeepLocked(const v1sync::PeerState& state) {
  Status st = PutLocked(state);
  if (st.code() == Code::kResourceExhausted) {
    unsaved_[state.peer_keyid()] = state;
    return Status::Ok();
  }
  if (st.ok()) unsaved_.erase(state.peer_keyid());
  return st;
}

size_t PeerStateStore::unsaved() const {
  std::lock_guard lock(mu_);
  return unsaved_.size();
}

StatusOr<v1sync::PeerState> PeerStateStore::Get(const std::string& keyid) {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(auto state, GetLocked(keyid));
  if (!state) return NotFound("no peer state for " + keyid);
  return std::move(*state);
}

StatusOr<std::vector<v1sync::PeerState>> PeerStateStore::List() {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT keyid, state FROM peer_states ORDER BY keyid"));
  std::vector<v1sync::PeerState> out;
  Status s;
  while (st.Step(&s)) {
    v1sync::PeerState state;
    std::string_view blob = st.ColumnBlob(1);
    if (!state.ParseFromArray(blob.data(), static_cast<int>(blob.size()))) {
      return DataLoss("stored peer state of " + std::string(st.ColumnText(0)) + " does not parse");
    }
    if (unsaved_.count(state.peer_keyid())) continue;  // a newer one below
    out.push_back(std::move(state));
  }
  BRS_RETURN_IF_ERROR(s);
  if (unsaved_.empty()) return out;
  for (const auto& [keyid, state] : unsaved_) out.push_back(state);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.peer_keyid() < b.peer_keyid(); });
  return out;
}

Status PeerStateStore::Set(const v1sync::PeerState& state) {
  {
    std::lock_guard lock(mu_);
    if (state.peer_keyid().empty()) return InvalidArgument("peer state without a key ID");
    BRS_RETURN_IF_ERROR(PutOrKeepLocked(state));
    Publish({state});
  }
  Deliver();
  return Status::Ok();
}

StatusOr<v1sync::PeerState> PeerStateStore::Update(
    const std::string& keyid, const std::function<Status(v1sync::PeerState&)>& fn) {
  if (keyid.empty()) return InvalidArgument("peer state without a key ID");
  v1sync::PeerState state;
  {
    std::lock_guard lock(mu_);
    Transaction tx(*db_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    BRS_ASSIGN_OR_RETURN(auto stored, GetLocked(keyid));
    if (stored) state = std::move(*stored);
    state.set_peer_keyid(keyid);
    BRS_RETURN_IF_ERROR(fn(state));
    state.set_peer_keyid(keyid);
    Status put = PutLocked(state);
    if (put.ok()) put = tx.Commit();
    if (put.code() == Code::kResourceExhausted) {
      unsaved_[keyid] = state;  // tx rolls back; written with the next change
    } else if (!put.ok()) {
      return put;
    } else {
      unsaved_.erase(keyid);
    }
    Publish({state});
  }
  Deliver();
  return state;
}

StatusOr<v1sync::PeerState> PeerStateStore::SetConnectionState(const std::string& keyid,
                                                               const std::string& instance_id,
                                                               v1sync::ConnectionState state,
                                                               const std::string& message) {
  return Update(keyid, [&](v1sync::PeerState& s) {
    if (!instance_id.empty()) s.set_peer_instance_id(instance_id);
    s.set_state(state);
    s.set_status_message(message);
    return Status::Ok();
  });
}

StatusOr<v1sync::PeerState> PeerStateStore::RecordHeartbeat(const std::string& keyid,
                                                            int64_t unix_millis) {
  return Update(keyid, [&](v1sync::PeerState& s) {
    s.set_last_heartbeat_millis(unix_millis);
    return Status::Ok();
  });
}

Status PeerStateStore::Delete(const std::string& keyid) {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("DELETE FROM peer_states WHERE keyid = ?"));
  st.Bind(1, keyid);
  return st.Run();
}

Status PeerStateStore::ResetAllToDisconnected(std::span<const PeerRef> peers) {
  {
    std::lock_guard lock(mu_);
    Transaction tx(*db_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    std::set<std::string> listed;
    std::vector<v1sync::PeerState> changed;
    for (const PeerRef& p : peers) {
      if (p.keyid.empty()) return InvalidArgument("peer without a key ID");
      listed.insert(p.keyid);
      BRS_ASSIGN_OR_RETURN(auto stored, GetLocked(p.keyid));
      v1sync::PeerState state = stored ? std::move(*stored) : v1sync::PeerState();
      state.set_peer_keyid(p.keyid);
      state.set_peer_instance_id(p.instance_id);
      state.set_state(v1sync::CONNECTION_STATE_DISCONNECTED);
      state.set_status_message("disconnected");
      BRS_RETURN_IF_ERROR(PutLocked(state));
      changed.push_back(std::move(state));
    }
    std::vector<std::string> stale;
    {
      BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT keyid FROM peer_states"));
      Status s;
      while (st.Step(&s)) {
        std::string k(st.ColumnText(0));
        if (!listed.count(k)) stale.push_back(std::move(k));
      }
      BRS_RETURN_IF_ERROR(s);
    }
    for (const auto& k : stale) {
      BRS_ASSIGN_OR_RETURN(Statement del, db_->Prepare("DELETE FROM peer_states WHERE keyid = ?"));
      del.Bind(1, k);
      BRS_RETURN_IF_ERROR(del.Run());
    }
    BRS_RETURN_IF_ERROR(tx.Commit());
    unsaved_.clear();  // every listed state was just written, the rest deleted
    Publish(std::move(changed));
  }
  Deliver();
  return Status::Ok();
}

PeerStateStore::SubscriptionId PeerStateStore::Subscribe(Callback callback) {
  return subscribers_.Subscribe(std::move(callback));
}

void PeerStateStore::Unsubscribe(SubscriptionId id) { subscribers_.Unsubscribe(id); }

void PeerStateStore::Publish(std::vector<v1sync::PeerState> states) {
  for (auto& state : states) subscribers_.Publish(std::move(state));
}

void PeerStateStore::Deliver() {
  subscribers_.Deliver(
      [](const Callback& callback, const v1sync::PeerState& state, uint64_t) { callback(state); });
}

}  // namespace brs::store
