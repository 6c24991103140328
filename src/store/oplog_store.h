// OplogStore: the operation log, in SQLite (WAL).
//
// Each operation is stored as its serialized protobuf bytes (exactly what
// SerializeToString gives for the message handed in, so fields unknown to
// this build survive) plus indexed copies of the columns the sync engine and
// the UI query by: id, modno, flow_id, original_instance_keyid, original_id,
// original_flow_id, instance_id, repo_id, repo_guid, plan_id, snapshot_id,
// status, unix_time_start_ms.
//
// IDs and modnos (Backrest v1.14's rules, SPEC §6):
//  - Local ops: Add gives each op the next ID (strictly increasing, never
//    reused, even after the newest op was deleted and the store reopened:
//    the counter is persisted in the same transaction) and the next modno;
//    flow_id = id when unset. Update gives the op the next modno. Set keeps
//    a non-zero modno (and assigns one when zero).
//  - Synced ops (hub side): UpsertSynced maps (peer key ID, original_id) to
//    the local ID it already has, or a new one, and (key ID,
//    original_flow_id) to the local flow ID already used for it, or the new
//    op's own ID; the client's modno is kept.
//  - Every op written must pass Backrest's validation (ValidateOperation,
//    store/op_validation.h): InvalidArgument "operation ID: <rule>" and the
//    whole batch refused otherwise.
//  - Only UpsertSynced writes ops with an original_instance_keyid; Add, Set
//    and Update refuse them (so the (key ID, original_id) mapping stays
//    one-to-one).
//
// Durability: every write function commits one SQLite transaction with
// synchronous=FULL before returning OK (see sqlite_db.h), and a batch is one
// transaction: on error nothing of it is applied.
//
// Thread safety: all methods may be called from any thread. Writes are
// serialized on one writer connection; reads use a pool of reader
// connections and run concurrently with writes (WAL snapshot isolation: a
// read sees every transaction committed before it started).
//
// Subscribers: a callback receives created/updated/deleted events after the
// transaction committed (never for a rolled-back one), in commit order, one
// event at a time per store. When a write returns, its events have been
// delivered, except when the write was made from inside a callback: then
// they are delivered after that callback returns. Callbacks run with no
// store lock held and may call any method of the store (including writes and
// Unsubscribe); they must not block waiting for another thread that is
// itself writing to this store.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/file_system.h"
#include "store/id_map_cache.h"
#include "store/op_validation.h"
#include "store/sqlite_db.h"
#include "v1/operations.pb.h"

namespace brs::store {

// The indexed columns of one operation, read without parsing its bytes.
struct OpMetadata {
  int64_t id = 0;
  int64_t modno = 0;
  int64_t flow_id = 0;
  int64_t original_id = 0;
  int64_t original_flow_id = 0;
  int64_t start_time_ms = 0;
  int32_t status = 0;
  std::string original_instance_keyid;
  std::string instance_id;
  std::string repo_id;
  std::string repo_guid;
  std::string plan_id;
  std::string snapshot_id;
};
OpMetadata MetadataOf(const v1::Operation& op);

// Backrest's validation (store/op_validation.h) of an op's indexed columns.
Status ValidateOperation(const OpMetadata& m);

// A conjunction of column filters; unset fields match everything. Results
// are ordered by id (descending when `reversed`), then `offset` rows are
// skipped and at most `limit` returned (0 = no limit).
struct OpQuery {
  std::optional<int64_t> flow_id;
  std::optional<int64_t> original_id;
  std::optional<int64_t> original_flow_id;
  std::optional<int64_t> id_lt;  // id < this (paging newest first)
  std::optional<int64_t> modno_gte;
  std::optional<int32_t> status;             // v1::OperationStatus value
  std::optional<int64_t> start_time_ms_gte;  // unix_time_start_ms >= this
  std::optional<int64_t> start_time_ms_lt;   // unix_time_start_ms < this
  std::optional<std::string> original_instance_keyid;
  std::optional<std::string> instance_id;
  std::optional<std::string> repo_id;
  std::optional<std::string> repo_guid;
  std::optional<std::string> plan_id;
  std::optional<std::string> snapshot_id;
  int64_t limit = 0;
  int64_t offset = 0;
  bool reversed = false;
};

enum class OpEventKind { kCreated, kUpdated, kDeleted };

// One committed change. `seq` increases by one per committed write
// transaction that notified anything.
struct OpEvent {
  OpEventKind kind;
  uint64_t seq;
  std::vector<v1::Operation> ops;  // only the ops the subscriber's filter accepted
};

using SubscriptionId = uint64_t;
// Decides from an op's metadata whether a subscriber (or a manifest) wants
// it. An empty function accepts everything.
using OpFilter = std::function<bool(const OpMetadata&)>;
using OpCallback = std::function<void(const OpEvent&)>;

// (id, modno) of one op: what a client's operation_manifest lists.
struct ManifestEntry {
  int64_t id;
  int64_t modno;
};

// One synced op from a peer, as the hub sees it.
struct OriginalEntry {
  int64_t original_id;
  int64_t modno;
  int64_t id;  // local ID
};

// ReconcileManifest refuses larger manifests (InvalidArgument).
inline constexpr size_t kMaxManifestEntries = 50'000'000;

// The hub's answer to a client's operation_manifest (SPEC §6).
struct ManifestReconciliation {
  std::vector<int64_t> deleted_ids;  // local IDs deleted (not in the manifest)
  std::vector<int64_t> request_ids;  // manifest IDs to request, in manifest order
};

class OplogStore {
 public:
  struct Options {
    std::string path;                      // the SQLite file (created with its directory)
    size_t max_operation_bytes = 4 << 20;  // larger serialized ops are refused
    size_t max_idle_readers = 4;           // reader connections kept open
    // The ID mapper's cache of (peer key ID, original id / original flow
    // id) → local id / flow id, entries per map; the index is the truth.
    size_t id_map_cache_entries = 4'096;
  };

  // Opens or creates the store and runs pending schema migrations. Only one
  // OplogStore may have a file open (IDs are allocated in memory): the
  // store holds flock(`<path>.lock`) while open, and Open fails with
  // Unavailable when another one (this or another process) holds it.
  // FailedPrecondition when the file's schema is newer than this build.
  static StatusOr<std::unique_ptr<OplogStore>> Open(Options options);
  ~OplogStore();
  OplogStore(const OplogStore&) = delete;
  OplogStore& operator=(const OplogStore&) = delete;

  // ---- Local writes (this instance's own operations) ----

  // Inserts new ops: each must have id == 0 and modno == 0
  // (InvalidArgument otherwise). Assigns id, modno and, when zero, flow_id,
  // writing them back into `ops`. One transaction. Notifies kCreated.
  Status Add(std::span<v1::Operation> ops);
  // Rewrites existing ops (id != 0), giving each the next modno (written
  // back). NotFound if an ID does not exist; nothing applied then.
  // Notifies kUpdated.
  Status Update(std::span<v1::Operation> ops);
  // Insert-or-update keeping caller values: id == 0 inserts (like Add but a
  // non-zero modno/flow_id is kept); id != 0 updates the existing op (NotFound
  // if absent), keeping a non-zero modno. Notifies kCreated/kUpdated.
  Status Set(std::span<v1::Operation> ops);
  // Deletes the ops with these IDs and returns them. NotFound (and nothing
  // deleted) if any ID does not exist. Notifies kDeleted.
  StatusOr<std::vector<v1::Operation>> Delete(std::span<const int64_t> ids);

  // ---- Synced writes (hub side, SPEC §6) ----

  // Upserts a batch received from peer `keyid` in ONE transaction: for each
  // op, original_instance_keyid = keyid, original_id = op.id,
  // original_flow_id = op.flow_id, id = the local ID already mapped to
  // (keyid, original_id) or a new one, flow_id = the local flow ID already
  // mapped to (keyid, original_flow_id) or the new id; modno is kept (an op
  // without one gets the next local modno, as Backrest's Set does).
  // Unknown fields are kept. Returns the stored ops (with local IDs). Any
  // invalid op (InvalidArgument: id/flow_id zero, failed validation, too
  // big) fails the whole batch. Notifies kCreated for new ops and kUpdated
  // for re-sent ones.
  StatusOr<std::vector<v1::Operation>> UpsertSynced(std::string_view keyid,
                                                    std::vector<v1::Operation> ops);
  // Same, from serialized ops as received (each must parse as an Operation,
  // InvalidArgument otherwise).
  StatusOr<std::vector<v1::Operation>> UpsertSyncedRaw(std::string_view keyid,
                                                       std::span<const std::string> ops);
  // Deletes the ops of peer `keyid` with these original IDs, ignoring IDs
  // not present. Returns how many were deleted. Notifies kDeleted.
  StatusOr<size_t> DeleteSynced(std::string_view keyid, std::span<const int64_t> original_ids);
  // (original_id, modno, local id) of every op from `keyid`, ascending by
  // original_id. Metadata only.
  StatusOr<std::vector<OriginalEntry>> ListSynced(std::string_view keyid);
  // Deletes every op of `keyid` whose original_id is not in `keep` (any
  // order, duplicates allowed). Returns the deleted local IDs.
  StatusOr<std::vector<int64_t>> DeleteSyncedNotIn(std::string_view keyid,
                                                   std::span<const int64_t> keep);
  // The hub's whole manifest step in one transaction: deletes the ops of
  // `keyid` whose original_id is not in `ids`, and returns them together
  // with the manifest IDs that are new or whose modno differs from the
  // stored one, in manifest order (an ID listed twice is judged per entry).
  // InvalidArgument if ids and modnos differ in length.
  StatusOr<ManifestReconciliation> ReconcileManifest(std::string_view keyid,
                                                     std::span<const int64_t> ids,
                                                     std::span<const int64_t> modnos);

  // ---- Reads ----

  // NotFound when absent; DataLoss when the stored bytes do not parse.
  StatusOr<v1::Operation> Get(int64_t id);
  // The stored bytes, unparsed.
  StatusOr<std::string> GetRaw(int64_t id);
  // The ops with these IDs that exist, in the order given (missing IDs are
  // skipped; a repeated ID is returned once per mention). One read
  // transaction: for answering request_operation_data.
  StatusOr<std::vector<v1::Operation>> GetMany(std::span<const int64_t> ids);
  // The op synced from `keyid` with this original ID. NotFound when absent.
  StatusOr<v1::Operation> GetSynced(std::string_view keyid, int64_t original_id);
  StatusOr<std::vector<v1::Operation>> Query(const OpQuery& q);
  // Calls fn for each matching op in order; stops early when fn returns
  // false. fn runs inside a read transaction: it must not write to the store.
  Status ForEach(const OpQuery& q, const std::function<bool(const v1::Operation&)>& fn);
  // Like ForEach, without reading or parsing the op bytes.
  Status ScanMetadata(const OpQuery& q, const std::function<bool(const OpMetadata&)>& fn);
  StatusOr<int64_t> Count(const OpQuery& q);
  // (id, modno) of every op matching q and filter, ascending by id.
  StatusOr<std::vector<ManifestEntry>> Manifest(const OpQuery& q, const OpFilter& filter);

  // ---- Subscribers ----

  // Registers a callback for every change committed from now on whose ops
  // pass `filter` (an event only carries the ops that pass).
  SubscriptionId Subscribe(OpFilter filter, OpCallback callback);
  // Atomically reads the manifest of the ops matching (q, filter) and
  // subscribes (with the same filter): every change committed after the
  // manifest's read is delivered, none committed before it. Writers wait
  // while the manifest is read; `filter` must not call the store.
  StatusOr<std::pair<SubscriptionId, std::vector<ManifestEntry>>> SubscribeWithManifest(
      const OpQuery& q, OpFilter filter, OpCallback callback);
  // After it returns the callback is not called again (if called from
  // inside that very callback, the current call finishes normally).
  void Unsubscribe(SubscriptionId id);

  // The last ID assigned and the last local modno (for tests and stats).
  int64_t last_id() const;
  int64_t last_modno() const;

 private:
  struct Subscriber;
  struct PendingEvent;
  class ReaderLease;
  explicit OplogStore(Options options);

  Status Init();
  Status RunQuery(const char* select_list, const OpQuery& q, bool order_and_limit,
                  const std::function<bool(const Statement&)>& row);
  StatusOr<std::unique_ptr<SqliteDb>> AcquireReader();
  void ReleaseReader(std::unique_ptr<SqliteDb> db);

  // Writer-side helpers: write_mu_ held, transaction open.
  struct GroupKey {
    std::string keyid, instance_id, repo_id, repo_guid, plan_id;
    auto operator<=>(const GroupKey&) const = default;
  };
  StatusOr<int64_t> FindOrCreateGroup(const v1::Operation& op);
  Status InsertRow(const v1::Operation& op, const std::string& bytes);
  Status UpdateRow(const v1::Operation& op, const std::string& bytes);
  Status Serialize(const v1::Operation& op, std::string* bytes) const;
  StatusOr<std::optional<int64_t>> FindSyncedId(std::string_view keyid, int64_t original_id);
  StatusOr<std::optional<int64_t>> FindSyncedFlow(std::string_view keyid, int64_t original_flow_id);
  StatusOr<std::vector<OriginalEntry>> ListSyncedOn(SqliteDb& db, std::string_view keyid);
  StatusOr<std::vector<v1::Operation>> DeleteIdsLocked(std::span<const int64_t> ids,
                                                       bool require_all);
  Status SaveCounters();
  // Commits the open write transaction; on success queues `events`, else
  // restores the counters. write_mu_ held.
  Status CommitWrite(Transaction& tx, std::vector<PendingEvent> events);
  void RestoreCounters();
  void DeliverPending();

  Options options_;
  std::optional<FileLock> lock_;  // held while open
  mutable std::mutex write_mu_;   // guards writer_, counters, the sequence of commits
  std::unique_ptr<SqliteDb> writer_;
  int64_t next_id_ = 1;
  int64_t last_modno_ = 0;
  int64_t saved_next_id_ = 1;
  int64_t saved_last_modno_ = 0;
  std::map<GroupKey, int64_t> groups_;  // committed (and this transaction's) op groups
  // The ID mapper's bounded caches (write_mu_): (keyid, original_id) → id
  // and (keyid, original_flow_id) → flow_id. Cleared when a transaction
  // rolls back or ops are deleted, so they never hold what the file lacks.
  // Keyed by a small number per peer (PeerIndex), not its key ID.
  IdMapCache synced_ids_;
  IdMapCache synced_flows_;
  std::unordered_map<std::string, uint32_t> peer_index_;  // write_mu_
  std::string last_peer_;                                 // PeerIndex's one-entry memo
  uint32_t last_peer_index_ = 0;
  uint32_t PeerIndex(std::string_view keyid);
  void ForgetIdMap();
  std::vector<GroupKey> groups_created_in_tx_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteDb>> readers_;

  std::mutex queue_mu_;  // guards pending_, subscribers_, seq_, next_sub_id_
  std::deque<PendingEvent> pending_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  uint64_t seq_ = 0;
  SubscriptionId next_sub_id_ = 1;
  std::mutex delivery_mu_;  // held while callbacks run
  std::atomic<std::thread::id> delivering_thread_{};
};

}  // namespace brs::store
