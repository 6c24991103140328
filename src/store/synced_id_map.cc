#include "store/synced_id_map.h"

namespace brs::store {
namespace {

// At most this many peers get an index; then the map starts afresh (bounded
// like the caches).
constexpr size_t kMaxPeerIndexes = 65'536;

// The one integer column `st` yields for its first row, if any.
StatusOr<std::optional<int64_t>> FirstInt(Statement& st) {
  Status s;
  std::optional<int64_t> value;
  if (st.Step(&s)) value = st.ColumnInt(0);
  BRS_RETURN_IF_ERROR(s);
  return value;
}

}  // namespace

uint32_t SyncedIdMap::PeerIndex(std::string_view keyid) {
  if (!last_peer_.empty() && keyid == last_peer_) return last_peer_index_;  // a batch's peer
  std::string key(keyid);
  auto it = peer_index_.find(key);
  if (it == peer_index_.end()) {
    if (peer_index_.size() >= kMaxPeerIndexes) Forget();
    it = peer_index_.emplace(key, static_cast<uint32_t>(peer_index_.size())).first;
  }
  last_peer_ = std::move(key);
  last_peer_index_ = it->second;
  return last_peer_index_;
}

void SyncedIdMap::Forget() {
  ids_.Clear();
  flows_.Clear();
  peer_index_.clear();
  last_peer_.clear();
}

StatusOr<std::optional<int64_t>> SyncedIdMap::FindId(SqliteDb& db, std::string_view keyid,
                                                     int64_t original_id) {
  const uint32_t peer = PeerIndex(keyid);
  if (auto hit = ids_.Get(peer, original_id)) return hit;
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT id FROM operations WHERE"
                                  " original_instance_keyid = ? AND original_id = ?"));
  st.Bind(1, keyid).Bind(2, original_id);
  BRS_ASSIGN_OR_RETURN(auto id, FirstInt(st));
  if (id) ids_.Put(peer, original_id, *id);
  return id;
}

StatusOr<std::optional<int64_t>> SyncedIdMap::FindFlow(SqliteDb& db, std::string_view keyid,
                                                       int64_t original_flow_id) {
  const uint32_t peer = PeerIndex(keyid);
  if (auto hit = flows_.Get(peer, original_flow_id)) return hit;
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT flow_id FROM operations WHERE"
                                  " original_instance_keyid = ? AND original_flow_id = ?"
                                  " LIMIT 1"));
  st.Bind(1, keyid).Bind(2, original_flow_id);
  BRS_ASSIGN_OR_RETURN(auto id, FirstInt(st));
  if (id) flows_.Put(peer, original_flow_id, *id);
  return id;
}

}  // namespace brs::store
