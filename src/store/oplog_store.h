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
//
// Built from: oplog_schema.h (tables, persisted counters), oplog_table.h
// (row writes), synced_id_map.h (the hub's ID mapper), oplog_query.h
// (queries), sqlite_reader_pool.h (read connections) and subscriber_list.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/file_system.h"
#include "store/op_metadata.h"
#include "store/op_validation.h"  // the rules every write applies (kept for callers)
#include "store/oplog_query.h"
#include "store/oplog_schema.h"
#include "store/oplog_table.h"
#include "store/sqlite_db.h"
#include "store/sqlite_reader_pool.h"
#include "store/subscriber_list.h"
#include "store/synced_id_map.h"
#include "v1/operations.pb.h"

namespace brs::store {

enum class OpEventKind { kCreated, kUpdated, kDeleted };

// One committed change. `seq` increases by one per event (a write
// transaction publishes up to three: created, updated, deleted).
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

// One op group: the ops of one (peer key ID, instance, repo, repo GUID,
// plan). original_instance_keyid is empty for this instance's own ops.
struct OpGroup {
  std::string original_instance_keyid;
  std::string instance_id;
  std::string repo_id;
  std::string repo_guid;
  std::string plan_id;
};

// Reads one group's ops, newest first, for ScanGroups. Next returns false at
// the end of the group (or on an error, which ScanGroups then returns).
class GroupOpReader {
 public:
  virtual ~GroupOpReader() = default;
  virtual bool Next(v1::Operation* op) = 0;
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
  // InvalidArgument for an empty `keyid` (it would name the local ops).
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
  // Every op group (peer key ID, instance, repo, repo GUID, plan), in
  // ascending group order, in ONE read transaction: fn gets the group and a
  // reader of its ops newest first (descending ID) that reads and parses
  // an op only when asked, so a caller that needs a group's newest few ops
  // reads only those (the ogid index; no scan of the whole log). fn returns
  // false to stop. Errors: the store's, DataLoss for an unparsable op.
  Status ScanGroups(const std::function<bool(const OpGroup&, GroupOpReader&)>& fn);

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
  struct Subscriber {
    OpFilter filter;
    OpCallback callback;
  };
  // One committed change, as queued for the subscribers (each gets the ops
  // its filter accepts).
  struct PendingEvent {
    OpEventKind kind;
    std::vector<v1::Operation> ops;
  };
  // What a write transaction changed; published in this order once it
  // committed.
  struct WriteEvents {
    std::vector<v1::Operation> created, updated, deleted;
  };
  explicit OplogStore(Options options);

  Status Init();
  // Every write goes through here: with write_mu_ held, runs `body` in one
  // IMMEDIATE transaction and commits it with the counters; when `body` or
  // the commit fails, rolls back and restores the counters and caches. Once
  // committed, publishes `body`'s events and, after write_mu_ is released,
  // delivers them. body's errors are returned as they are.
  Status RunWrite(const std::function<Status(WriteEvents&)>& body);
  void RestoreAfterRollback();  // write_mu_ held
  void DeliverPending();

  // Writer-side helpers: write_mu_ held, transaction open.
  StatusOr<bool> MapSyncedOp(std::string_view keyid, v1::Operation& op);
  StatusOr<std::vector<v1::Operation>> DeleteLocked(std::span<const int64_t> ids);

  Status RunQuery(OpColumns columns, const OpQuery& q,
                  const std::function<bool(const Statement&)>& row);

  Options options_;
  std::optional<FileLock> lock_;  // held while open
  // Guards the writer connection and everything below up to readers_; a
  // write transaction holds it from BEGIN to the publication of its events.
  mutable std::mutex write_mu_;
  std::unique_ptr<SqliteDb> writer_;
  std::optional<OplogTable> table_;
  OplogCounters counters_;        // including the open transaction's
  OplogCounters saved_counters_;  // as committed
  SyncedIdMap id_map_;
  SqliteReaderPool readers_;
  SubscriberList<PendingEvent, Subscriber> subscribers_;
};

}  // namespace brs::store
