// SyncedIdMap: the hub's map from a peer's IDs to local ones, on the oplog's
// writer connection (SPEC §6): (peer key ID, original_id) → local op ID and
// (peer key ID, original_flow_id) → local flow ID.
//
// The operations table (its ops_synced and ops_synced_flow indexes) is the
// truth; in front of it sit two bounded IdMapCaches keyed by a small number
// per peer instead of its key ID. The caches must never hold what the file
// lacks: the owner calls ForgetFlows when an op may have left its flow,
// Forget when ops are deleted or a transaction rolls back.
//
// Not thread safe: used under the oplog's writer lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/id_map_cache.h"
#include "store/sqlite_db.h"

namespace brs::store {

class SyncedIdMap {
 public:
  // `cache_entries`: slots per cache (0 disables caching).
  explicit SyncedIdMap(size_t cache_entries) : ids_(cache_entries), flows_(cache_entries) {}

  // The local ID of peer `keyid`'s op `original_id`, if stored.
  StatusOr<std::optional<int64_t>> FindId(SqliteDb& db, std::string_view keyid,
                                          int64_t original_id);
  // The local flow ID of peer `keyid`'s flow `original_flow_id`, if stored.
  StatusOr<std::optional<int64_t>> FindFlow(SqliteDb& db, std::string_view keyid,
                                            int64_t original_flow_id);
  // Caches a flow mapping written in the current transaction.
  void RememberFlow(std::string_view keyid, int64_t original_flow_id, int64_t flow_id) {
    flows_.Put(PeerIndex(keyid), original_flow_id, flow_id);
  }
  // Drops the cached flow mappings.
  void ForgetFlows() { flows_.Clear(); }
  // Drops every cached mapping.
  void Forget();

 private:
  uint32_t PeerIndex(std::string_view keyid);

  IdMapCache ids_;
  IdMapCache flows_;
  std::unordered_map<std::string, uint32_t> peer_index_;
  std::string last_peer_;  // PeerIndex's one-entry memo
  uint32_t last_peer_index_ = 0;
};

}  // namespace brs::store
