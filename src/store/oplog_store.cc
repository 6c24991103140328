#include "store/oplog_store.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <utility>

namespace brs::store {
namespace {

StatusOr<std::vector<OriginalEntry>> ListSyncedOn(SqliteDb& db, std::string_view keyid) {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT original_id, modno, id FROM operations INDEXED BY"
                                  " ops_synced WHERE original_instance_keyid = ?"
                                  " ORDER BY original_id"));
  st.Bind(1, keyid);
  std::vector<OriginalEntry> out;
  Status s;
  while (st.Step(&s)) out.push_back({st.ColumnInt(0), st.ColumnInt(1), st.ColumnInt(2)});
  BRS_RETURN_IF_ERROR(s);
  return out;
}

// The positions of `ids`, ordered by ID (ties by position).
std::vector<uint32_t> PositionsById(std::span<const int64_t> ids) {
  std::vector<uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return ids[a] != ids[b] ? ids[a] < ids[b] : a < b; });
  return order;
}

// Merges a manifest with the local list of its peer's ops (sorted by
// original_id) in one pass: the local IDs missing from the manifest go to
// *deleted, and need[k] is set for each manifest entry k that is new or
// whose modno differs from the local op's.
void MergeManifest(const std::vector<OriginalEntry>& local, std::span<const int64_t> ids,
                   std::span<const int64_t> modnos, std::vector<int64_t>* deleted,
                   std::vector<uint8_t>* need) {
  const std::vector<uint32_t> order = PositionsById(ids);
  size_t i = 0, j = 0;
  while (i < local.size() || j < order.size()) {
    if (j == order.size() || (i < local.size() && local[i].original_id < ids[order[j]])) {
      deleted->push_back(local[i].id);  // not in the manifest
      ++i;
    } else if (i == local.size() || ids[order[j]] < local[i].original_id) {
      (*need)[order[j]] = 1;  // new
      ++j;
    } else {
      // Same ID: every manifest entry with it is compared with the local op.
      const int64_t id = local[i].original_id;
      for (; j < order.size() && ids[order[j]] == id; ++j) {
        if (modnos[order[j]] != local[i].modno) (*need)[order[j]] = 1;
      }
      ++i;
    }
  }
}

}  // namespace

// ---- Open ----

OplogStore::OplogStore(Options options)
    : options_(std::move(options)),
      id_map_(options_.id_map_cache_entries),
      readers_(options_.path, options_.max_idle_readers) {}
OplogStore::~OplogStore() = default;

StatusOr<std::unique_ptr<OplogStore>> OplogStore::Open(Options options) {
  std::unique_ptr<OplogStore> store(new OplogStore(std::move(options)));
  BRS_RETURN_IF_ERROR(store->Init());
  return store;
}

Status OplogStore::Init() {
  if (options_.path != ":memory:") {
    BRS_RETURN_IF_ERROR(PosixFileSystem::Instance().CreateDirs(
        std::filesystem::path(options_.path).parent_path().string(), 0700));
    BRS_ASSIGN_OR_RETURN(FileLock lock, FileLock::TryAcquire(options_.path + ".lock"));
    lock_.emplace(std::move(lock));
  }
  BRS_ASSIGN_OR_RETURN(writer_, SqliteDb::Open(options_.path));
  BRS_RETURN_IF_ERROR(ApplyOplogSchema(*writer_));
  std::lock_guard lock(write_mu_);
  table_.emplace(*writer_, options_.max_operation_bytes);
  BRS_ASSIGN_OR_RETURN(counters_, LoadOplogCounters(*writer_));
  saved_counters_ = counters_;
  return Status::Ok();
}

int64_t OplogStore::last_id() const {
  std::lock_guard lock(write_mu_);
  return counters_.next_id - 1;
}

int64_t OplogStore::last_modno() const {
  std::lock_guard lock(write_mu_);
  return counters_.last_modno;
}

// ---- The write transaction ----

Status OplogStore::RunWrite(const std::function<Status(WriteEvents&)>& body) {
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    WriteEvents events;
    Status s = body(events);
    if (s.ok() && counters_ != saved_counters_) s = SaveOplogCounters(*writer_, counters_);
    if (s.ok()) s = tx.Commit();
    if (!s.ok()) {
      RestoreAfterRollback();
      return s;  // tx rolls back
    }
    saved_counters_ = counters_;
    table_->Committed();
    auto publish = [&](OpEventKind kind, std::vector<v1::Operation>& ops) {
      if (!ops.empty()) subscribers_.Publish(PendingEvent{kind, std::move(ops)});
    };
    publish(OpEventKind::kCreated, events.created);
    publish(OpEventKind::kUpdated, events.updated);
    publish(OpEventKind::kDeleted, events.deleted);
  }
  DeliverPending();
  return Status::Ok();
}

void OplogStore::RestoreAfterRollback() {
  counters_ = saved_counters_;
  table_->RolledBack();
  id_map_.Forget();  // it may hold IDs of the rolled-back rows
}

void OplogStore::DeliverPending() {
  subscribers_.Deliver([](const Subscriber& sub, const PendingEvent& ev, uint64_t seq) {
    OpEvent out{ev.kind, seq, {}};
    for (const auto& op : ev.ops) {
      if (!sub.filter || sub.filter(MetadataOf(op))) out.ops.push_back(op);
    }
    if (!out.ops.empty()) sub.callback(out);
  });
}

StatusOr<std::vector<v1::Operation>> OplogStore::DeleteLocked(std::span<const int64_t> ids) {
  // A deleted op's mapping must not outlive it (a flow may end with it).
  id_map_.Forget();
  return table_->Delete(ids);
}

// ---- Local writes ----

Status OplogStore::Add(std::span<v1::Operation> ops) {
  for (const auto& op : ops) {
    if (op.id() != 0 || op.modno() != 0) {
      return InvalidArgument("Add: operation already has an id or modno");
    }
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument("Add: synced operations are written with UpsertSynced");
    }
  }
  Status s = RunWrite([&](WriteEvents& events) -> Status {
    std::string bytes;
    for (auto& op : ops) {
      op.set_id(counters_.next_id++);
      op.set_modno(++counters_.last_modno);
      if (op.flow_id() == 0) op.set_flow_id(op.id());
      BRS_RETURN_IF_ERROR(table_->Write(op, /*insert=*/true, &bytes));
      events.created.push_back(op);
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    for (auto& op : ops) op.set_id(0), op.set_modno(0);
  }
  return s;
}

Status OplogStore::Update(std::span<v1::Operation> ops) {
  for (const auto& op : ops) {
    if (op.id() == 0) return InvalidArgument("Update: operation has no id");
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument("Update: synced operations are written with UpsertSynced");
    }
  }
  std::vector<int64_t> old_modnos;
  for (const auto& op : ops) old_modnos.push_back(op.modno());
  Status s = RunWrite([&](WriteEvents& events) -> Status {
    std::string bytes;
    for (auto& op : ops) {
      op.set_modno(++counters_.last_modno);
      BRS_RETURN_IF_ERROR(table_->Write(op, /*insert=*/false, &bytes));
      events.updated.push_back(op);
    }
    return Status::Ok();
  });
  if (!s.ok()) {
    for (size_t i = 0; i < ops.size(); ++i) ops[i].set_modno(old_modnos[i]);
  }
  return s;
}

Status OplogStore::Set(std::span<v1::Operation> ops) {
  for (const auto& op : ops) {
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument("Set: synced operations are written with UpsertSynced");
    }
  }
  std::vector<v1::Operation> originals(ops.begin(), ops.end());
  Status s = RunWrite([&](WriteEvents& events) -> Status {
    std::string bytes;
    for (auto& op : ops) {
      const bool insert = op.id() == 0;
      if (insert) op.set_id(counters_.next_id++);
      if (op.modno() == 0) op.set_modno(++counters_.last_modno);
      if (op.flow_id() == 0) op.set_flow_id(op.id());
      if (op.id() >= counters_.next_id) counters_.next_id = op.id() + 1;
      BRS_RETURN_IF_ERROR(table_->Write(op, insert, &bytes));
      (insert ? events.created : events.updated).push_back(op);
    }
    return Status::Ok();
  });
  if (!s.ok()) std::copy(originals.begin(), originals.end(), ops.begin());
  return s;
}

StatusOr<std::vector<v1::Operation>> OplogStore::Delete(std::span<const int64_t> ids) {
  std::vector<v1::Operation> removed;
  BRS_RETURN_IF_ERROR(RunWrite([&](WriteEvents& events) -> Status {
    BRS_ASSIGN_OR_RETURN(removed, DeleteLocked(ids));
    events.deleted = removed;
    return Status::Ok();
  }));
  return removed;
}

// ---- Synced writes ----

// Gives a synced op its local ID and flow ID, keeping the peer's in the
// original_* fields (see UpsertSynced). Returns whether the op is new.
StatusOr<bool> OplogStore::MapSyncedOp(std::string_view keyid, v1::Operation& op) {
  if (op.id() == 0 || op.flow_id() == 0) {
    return InvalidArgument("synced operation without id or flow_id");
  }
  const int64_t original_id = op.id();
  const int64_t original_flow_id = op.flow_id();
  BRS_ASSIGN_OR_RETURN(std::optional<int64_t> local_id,
                       id_map_.FindId(*writer_, keyid, original_id));
  const bool insert = !local_id.has_value();
  const int64_t id = insert ? counters_.next_id++ : *local_id;
  BRS_ASSIGN_OR_RETURN(std::optional<int64_t> local_flow,
                       id_map_.FindFlow(*writer_, keyid, original_flow_id));
  op.set_original_instance_keyid(std::string(keyid));
  op.set_original_id(original_id);
  op.set_original_flow_id(original_flow_id);
  op.set_id(id);
  op.set_flow_id(local_flow.value_or(id));
  // A new op's ID is not cached (an initial sync would only churn the
  // cache); a new flow is, as its next ops usually follow at once.
  if (!local_flow) id_map_.RememberFlow(keyid, original_flow_id, id);
  // An update may move the op to another original flow and so end the old
  // one: forget the flows rather than keep one the file no longer has.
  if (!insert) id_map_.ForgetFlows();
  return insert;
}

StatusOr<std::vector<v1::Operation>> OplogStore::UpsertSynced(std::string_view keyid,
                                                              std::vector<v1::Operation> ops) {
  if (keyid.empty()) return InvalidArgument("UpsertSynced: empty peer key ID");
  Status s = RunWrite([&](WriteEvents& events) -> Status {
    std::string bytes;
    for (auto& op : ops) {
      BRS_ASSIGN_OR_RETURN(bool insert, MapSyncedOp(keyid, op));
      // Backrest's Set gives an op without a modno the next local one.
      if (op.modno() == 0) op.set_modno(++counters_.last_modno);
      BRS_RETURN_IF_ERROR(table_->Write(op, insert, &bytes));
      (insert ? events.created : events.updated).push_back(op);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s.WithContext("upsert synced operations");
  return ops;
}

StatusOr<std::vector<v1::Operation>> OplogStore::UpsertSyncedRaw(std::string_view keyid,
                                                                 std::span<const std::string> ops) {
  std::vector<v1::Operation> parsed(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].size() > options_.max_operation_bytes) {
      return InvalidArgument("synced operation " + std::to_string(i) + " is too big");
    }
    if (!parsed[i].ParseFromString(ops[i])) {
      return InvalidArgument("synced operation " + std::to_string(i) + " does not parse");
    }
  }
  return UpsertSynced(keyid, std::move(parsed));
}

StatusOr<size_t> OplogStore::DeleteSynced(std::string_view keyid,
                                          std::span<const int64_t> original_ids) {
  if (keyid.empty()) return InvalidArgument("DeleteSynced: empty peer key ID");
  size_t count = 0;
  BRS_RETURN_IF_ERROR(RunWrite([&](WriteEvents& events) -> Status {
    std::vector<int64_t> local;
    for (int64_t oid : original_ids) {
      BRS_ASSIGN_OR_RETURN(auto id, id_map_.FindId(*writer_, keyid, oid));
      if (id) local.push_back(*id);
    }
    std::sort(local.begin(), local.end());
    local.erase(std::unique(local.begin(), local.end()), local.end());
    BRS_ASSIGN_OR_RETURN(events.deleted, DeleteLocked(local));
    count = events.deleted.size();
    return Status::Ok();
  }));
  return count;
}

StatusOr<std::vector<OriginalEntry>> OplogStore::ListSynced(std::string_view keyid) {
  BRS_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
  return ListSyncedOn(lease.db(), keyid);
}

StatusOr<std::vector<int64_t>> OplogStore::DeleteSyncedNotIn(std::string_view keyid,
                                                             std::span<const int64_t> keep) {
  // Local ops have an empty original key ID: "" would delete them all.
  if (keyid.empty()) return InvalidArgument("DeleteSyncedNotIn: empty peer key ID");
  std::vector<int64_t> keep_sorted(keep.begin(), keep.end());
  std::sort(keep_sorted.begin(), keep_sorted.end());
  std::vector<int64_t> deleted;
  BRS_RETURN_IF_ERROR(RunWrite([&](WriteEvents& events) -> Status {
    BRS_ASSIGN_OR_RETURN(auto local, ListSyncedOn(*writer_, keyid));
    for (const auto& e : local) {
      if (!std::binary_search(keep_sorted.begin(), keep_sorted.end(), e.original_id)) {
        deleted.push_back(e.id);
      }
    }
    BRS_ASSIGN_OR_RETURN(events.deleted, DeleteLocked(deleted));
    return Status::Ok();
  }));
  return deleted;
}

StatusOr<ManifestReconciliation> OplogStore::ReconcileManifest(std::string_view keyid,
                                                               std::span<const int64_t> ids,
                                                               std::span<const int64_t> modnos) {
  if (ids.size() != modnos.size()) {
    return InvalidArgument("operation manifest has " + std::to_string(ids.size()) + " ids and " +
                           std::to_string(modnos.size()) + " modnos");
  }
  if (keyid.empty()) return InvalidArgument("ReconcileManifest: empty peer key ID");
  if (ids.size() > kMaxManifestEntries) {
    return InvalidArgument("operation manifest has " + std::to_string(ids.size()) +
                           " entries, over the limit of " + std::to_string(kMaxManifestEntries));
  }
  std::vector<uint8_t> need(ids.size(), 0);
  ManifestReconciliation result;
  BRS_RETURN_IF_ERROR(RunWrite([&](WriteEvents& events) -> Status {
    BRS_ASSIGN_OR_RETURN(auto local, ListSyncedOn(*writer_, keyid));
    MergeManifest(local, ids, modnos, &result.deleted_ids, &need);
    BRS_ASSIGN_OR_RETURN(events.deleted, DeleteLocked(result.deleted_ids));
    return Status::Ok();
  }));
  for (size_t k = 0; k < ids.size(); ++k) {
    if (need[k]) result.request_ids.push_back(ids[k]);
  }
  return result;
}

// ---- Reads ----

StatusOr<std::string> OplogStore::GetRaw(int64_t id) {
  BRS_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
  BRS_ASSIGN_OR_RETURN(Statement st,
                       lease.db().Prepare("SELECT operation FROM operations WHERE id = ?"));
  st.Bind(1, id);
  Status s;
  if (st.Step(&s)) return std::string(st.ColumnBlob(0));
  BRS_RETURN_IF_ERROR(s);
  return NotFound("operation " + std::to_string(id) + " does not exist");
}

StatusOr<v1::Operation> OplogStore::Get(int64_t id) {
  BRS_ASSIGN_OR_RETURN(std::string bytes, GetRaw(id));
  v1::Operation op;
  BRS_RETURN_IF_ERROR(ParseStoredOp(bytes, &op, id));
  return op;
}

StatusOr<std::vector<v1::Operation>> OplogStore::GetMany(std::span<const int64_t> ids) {
  BRS_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
  Transaction tx(lease.db());
  BRS_RETURN_IF_ERROR(tx.BeginRead());
  BRS_ASSIGN_OR_RETURN(Statement st,
                       lease.db().Prepare("SELECT operation FROM operations WHERE id = ?"));
  std::vector<v1::Operation> out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    st.Reset();
    st.Bind(1, id);
    Status s;
    if (st.Step(&s)) {
      v1::Operation op;
      BRS_RETURN_IF_ERROR(ParseStoredOp(st.ColumnBlob(0), &op, id));
      out.push_back(std::move(op));
    }
    BRS_RETURN_IF_ERROR(s);
  }
  return out;
}

StatusOr<v1::Operation> OplogStore::GetSynced(std::string_view keyid, int64_t original_id) {
  OpQuery q;
  q.original_instance_keyid = std::string(keyid);
  q.original_id = original_id;
  q.limit = 1;
  BRS_ASSIGN_OR_RETURN(auto ops, Query(q));
  if (ops.empty() || keyid.empty()) {
    return NotFound("no operation from " + std::string(keyid) + " with original id " +
                    std::to_string(original_id));
  }
  return std::move(ops.front());
}

Status OplogStore::RunQuery(OpColumns columns, const OpQuery& q,
                            const std::function<bool(const Statement&)>& row) {
  BRS_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
  return RunOpQuery(lease.db(), columns, q, row);
}

Status OplogStore::ForEach(const OpQuery& q, const std::function<bool(const v1::Operation&)>& fn) {
  Status parse;
  BRS_RETURN_IF_ERROR(RunQuery(OpColumns::kIdAndBytes, q, [&](const Statement& st) {
    v1::Operation op;
    parse = ParseStoredOp(st.ColumnBlob(1), &op, st.ColumnInt(0));
    return parse.ok() && fn(op);
  }));
  return parse;
}

StatusOr<std::vector<v1::Operation>> OplogStore::Query(const OpQuery& q) {
  std::vector<v1::Operation> out;
  BRS_RETURN_IF_ERROR(ForEach(q, [&](const v1::Operation& op) {
    out.push_back(op);
    return true;
  }));
  return out;
}

Status OplogStore::ScanMetadata(const OpQuery& q,
                                const std::function<bool(const OpMetadata&)>& fn) {
  return RunQuery(OpColumns::kMetadata, q,
                  [&](const Statement& st) { return fn(ReadMetadata(st)); });
}

StatusOr<int64_t> OplogStore::Count(const OpQuery& q) {
  int64_t n = 0;
  BRS_RETURN_IF_ERROR(RunQuery(OpColumns::kCount, q, [&](const Statement& st) {
    n = st.ColumnInt(0);
    return false;
  }));
  return n;
}

StatusOr<std::vector<ManifestEntry>> OplogStore::Manifest(const OpQuery& q,
                                                          const OpFilter& filter) {
  std::vector<ManifestEntry> out;
  BRS_RETURN_IF_ERROR(ScanMetadata(q, [&](const OpMetadata& m) {
    if (!filter || filter(m)) out.push_back({m.id, m.modno});
    return true;
  }));
  return out;
}

// ---- Subscribers ----

SubscriptionId OplogStore::Subscribe(OpFilter filter, OpCallback callback) {
  return subscribers_.Subscribe(Subscriber{std::move(filter), std::move(callback)});
}

StatusOr<std::pair<SubscriptionId, std::vector<ManifestEntry>>> OplogStore::SubscribeWithManifest(
    const OpQuery& q, OpFilter filter, OpCallback callback) {
  // Holding write_mu_ keeps every writer out between the read and the
  // registration: the manifest is the state after the last commit, and the
  // subscriber receives exactly the events of the commits after it.
  std::lock_guard lock(write_mu_);
  BRS_ASSIGN_OR_RETURN(auto manifest, Manifest(q, filter));
  SubscriptionId id = Subscribe(std::move(filter), std::move(callback));
  return std::make_pair(id, std::move(manifest));
}

void OplogStore::Unsubscribe(SubscriptionId id) { subscribers_.Unsubscribe(id); }

}  // namespace brs::store
