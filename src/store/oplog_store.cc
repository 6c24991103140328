#include "store/oplog_store.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <unordered_set>
#include <utility>
#include <variant>

namespace brs::store {
namespace {

// Version 1. Like Backrest, the low-cardinality columns (peer, instance,
// repo, plan) live in op_groups and each op points to its group: one small
// integer index instead of four text indexes keeps every insert and delete
// cheap (the hub's manifest reconciliation deletes from a 1M-row table).
constexpr Migration kOplogMigrations[] = {
    {1,
     "CREATE TABLE op_groups ("
     " ogid INTEGER PRIMARY KEY,"
     " original_instance_keyid TEXT NOT NULL,"
     " instance_id TEXT NOT NULL,"
     " repo_id TEXT NOT NULL,"
     " repo_guid TEXT NOT NULL,"
     " plan_id TEXT NOT NULL,"
     " UNIQUE (original_instance_keyid, instance_id, repo_id, repo_guid, plan_id));"
     "CREATE INDEX op_groups_instance ON op_groups (instance_id);"
     "CREATE INDEX op_groups_repo_id ON op_groups (repo_id);"
     "CREATE INDEX op_groups_repo_guid ON op_groups (repo_guid);"
     "CREATE INDEX op_groups_plan ON op_groups (plan_id);"
     "CREATE TABLE operations ("
     " id INTEGER PRIMARY KEY,"
     " ogid INTEGER NOT NULL REFERENCES op_groups (ogid),"
     " modno INTEGER NOT NULL,"
     " flow_id INTEGER NOT NULL,"
     " original_instance_keyid TEXT NOT NULL,"
     " original_id INTEGER NOT NULL,"
     " original_flow_id INTEGER NOT NULL,"
     " snapshot_id TEXT NOT NULL,"
     " status INTEGER NOT NULL,"
     " start_time_ms INTEGER NOT NULL,"
     " operation BLOB NOT NULL);"
     // The hub's (peer, original id) -> local id mapping, and the manifest
     // scan, covered without table lookups. Uniqueness of (peer, original
     // id) holds by construction: only UpsertSynced writes synced ops.
     "CREATE INDEX ops_synced ON operations (original_instance_keyid, original_id, modno);"
     "CREATE INDEX ops_synced_flow ON operations (original_instance_keyid, original_flow_id);"
     "CREATE INDEX ops_group ON operations (ogid);"
     "CREATE INDEX ops_flow ON operations (flow_id);"
     "CREATE INDEX ops_snapshot ON operations (snapshot_id);"
     "CREATE TABLE oplog_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"},
};

constexpr char kMetadataColumns[] =
    "o.id, o.modno, o.flow_id, o.original_id, o.original_flow_id, o.start_time_ms, o.status,"
    " g.original_instance_keyid, g.instance_id, g.repo_id, g.repo_guid, g.plan_id, o.snapshot_id";
// Operations joined to their group, operations as the outer loop (CROSS
// JOIN fixes the order) so rows come in id order.
constexpr char kFromJoined[] = " FROM operations o CROSS JOIN op_groups g ON g.ogid = o.ogid";

OpMetadata ReadMetadata(const Statement& st) {
  OpMetadata m;
  m.id = st.ColumnInt(0);
  m.modno = st.ColumnInt(1);
  m.flow_id = st.ColumnInt(2);
  m.original_id = st.ColumnInt(3);
  m.original_flow_id = st.ColumnInt(4);
  m.start_time_ms = st.ColumnInt(5);
  m.status = static_cast<int32_t>(st.ColumnInt(6));
  m.original_instance_keyid = st.ColumnText(7);
  m.instance_id = st.ColumnText(8);
  m.repo_id = st.ColumnText(9);
  m.repo_guid = st.ColumnText(10);
  m.plan_id = st.ColumnText(11);
  m.snapshot_id = st.ColumnText(12);
  return m;
}

using Arg = std::variant<int64_t, std::string>;

bool HasGroupFilter(const OpQuery& q) {
  return q.original_instance_keyid || q.instance_id || q.repo_id || q.repo_guid || q.plan_id;
}

// "WHERE ... ORDER BY id ... LIMIT ... OFFSET ..." for q (over kFromJoined),
// with its arguments. `ogids`: the groups matching q's group columns (see
// MatchingGroups), null when q has none. One group is searched through the
// ogid index (rows come in id order, no sort); several through a filtered
// scan in id order.
std::string BuildClauses(const OpQuery& q, const std::vector<int64_t>* ogids,
                         std::vector<Arg>* args, bool order_and_limit) {
  std::string sql = " WHERE 1=1";
  if (ogids != nullptr) {
    if (ogids->size() == 1) {
      sql += " AND o.ogid = ?";
      args->push_back((*ogids)[0]);
    } else {
      sql += " AND +o.ogid IN (";
      for (size_t i = 0; i < ogids->size(); ++i) {
        sql += i ? ",?" : "?";
        args->push_back((*ogids)[i]);
      }
      sql += ")";
    }
  }
  auto add_int = [&](const char* col, const std::optional<int64_t>& v, const char* op = " = ?") {
    if (!v) return;
    sql += std::string(" AND ") + col + op;
    args->push_back(*v);
  };
  if (q.original_instance_keyid && (q.original_id || q.original_flow_id)) {
    // Lets the planner use the synced-op indexes.
    sql += " AND o.original_instance_keyid = ?";
    args->push_back(*q.original_instance_keyid);
  }
  add_int("o.original_id", q.original_id);
  add_int("o.original_flow_id", q.original_flow_id);
  add_int("o.flow_id", q.flow_id);
  add_int("o.id", q.id_lt, " < ?");
  add_int("o.modno", q.modno_gte, " >= ?");
  if (q.status) add_int("o.status", std::optional<int64_t>(*q.status));
  add_int("o.start_time_ms", q.start_time_ms_gte, " >= ?");
  add_int("o.start_time_ms", q.start_time_ms_lt, " < ?");
  if (q.snapshot_id) {
    sql += " AND o.snapshot_id = ?";
    args->push_back(*q.snapshot_id);
  }
  if (order_and_limit) {
    sql += q.reversed ? " ORDER BY o.id DESC" : " ORDER BY o.id ASC";
    sql += " LIMIT ? OFFSET ?";
    args->push_back(q.limit > 0 ? q.limit : int64_t{-1});
    args->push_back(std::max<int64_t>(q.offset, 0));
  }
  return sql;
}

// The ogids of the groups matching q's group columns, ascending.
StatusOr<std::vector<int64_t>> MatchingGroups(SqliteDb& db, const OpQuery& q) {
  std::string sql = "SELECT ogid FROM op_groups WHERE 1=1";
  std::vector<std::string> args;
  auto add = [&](const char* col, const std::optional<std::string>& v) {
    if (!v) return;
    sql += std::string(" AND ") + col + " = ?";
    args.push_back(*v);
  };
  add("original_instance_keyid", q.original_instance_keyid);
  add("instance_id", q.instance_id);
  add("repo_id", q.repo_id);
  add("repo_guid", q.repo_guid);
  add("plan_id", q.plan_id);
  sql += " ORDER BY ogid";
  BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  for (size_t i = 0; i < args.size(); ++i) st.Bind(static_cast<int>(i + 1), args[i]);
  std::vector<int64_t> out;
  Status s;
  while (st.Step(&s)) out.push_back(st.ColumnInt(0));
  BRS_RETURN_IF_ERROR(s);
  return out;
}

void BindArgs(Statement& st, const std::vector<Arg>& args) {
  int i = 1;
  for (const Arg& a : args) {
    if (const int64_t* v = std::get_if<int64_t>(&a)) {
      st.Bind(i++, *v);
    } else {
      st.Bind(i++, std::get<std::string>(a));
    }
  }
}

Status ParseOp(std::string_view bytes, v1::Operation* op, int64_t id) {
  if (!op->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss("stored operation " + std::to_string(id) + " does not parse");
  }
  return Status::Ok();
}

}  // namespace

OpMetadata MetadataOf(const v1::Operation& op) {
  OpMetadata m;
  m.id = op.id();
  m.modno = op.modno();
  m.flow_id = op.flow_id();
  m.original_id = op.original_id();
  m.original_flow_id = op.original_flow_id();
  m.start_time_ms = op.unix_time_start_ms();
  m.status = static_cast<int32_t>(op.status());
  m.original_instance_keyid = op.original_instance_keyid();
  m.instance_id = op.instance_id();
  m.repo_id = op.repo_id();
  m.repo_guid = op.repo_guid();
  m.plan_id = op.plan_id();
  m.snapshot_id = op.snapshot_id();
  return m;
}

Status ValidateOperation(const OpMetadata& m) {
  OpValidationFields f;
  f.id = m.id;
  f.modno = m.modno;
  f.flow_id = m.flow_id;
  f.unix_time_start_ms = m.start_time_ms;
  f.repo_guid = m.repo_guid;
  f.repo_id = m.repo_id;
  f.plan_id = m.plan_id;
  f.instance_id = m.instance_id;
  f.snapshot_id = m.snapshot_id;
  return ValidateOperation(f);
}

namespace {

// Every write checks the op as it will be stored.
Status CheckBeforeWrite(const v1::Operation& op) {
  Status s = ValidateOperation(op);
  if (s.ok()) return s;
  return InvalidArgument("operation " + std::to_string(op.id()) + ": " + s.message());
}

}  // namespace

// ---- Subscribers and pending events ----

struct OplogStore::Subscriber {
  SubscriptionId id;
  uint64_t after_seq;  // receives events with seq > after_seq
  OpFilter filter;
  OpCallback callback;
  std::atomic<bool> active{true};
};

struct OplogStore::PendingEvent {
  OpEventKind kind;
  uint64_t seq = 0;
  std::vector<v1::Operation> ops;
};

// ---- Open / counters ----

OplogStore::OplogStore(Options options)
    : options_(std::move(options)),
      synced_ids_(options_.id_map_cache_entries),
      synced_flows_(options_.id_map_cache_entries) {}
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
  BRS_RETURN_IF_ERROR(
      ApplyMigrations(*writer_, "oplog", kOplogMigrations, std::size(kOplogMigrations)));
  std::lock_guard lock(write_mu_);
  int64_t stored_next_id = 1, stored_modno = 0, max_id = 0, max_modno = 0;
  {
    BRS_ASSIGN_OR_RETURN(Statement st, writer_->Prepare("SELECT name, value FROM oplog_counters"));
    Status s;
    while (st.Step(&s)) {
      if (st.ColumnText(0) == "next_id") stored_next_id = st.ColumnInt(1);
      if (st.ColumnText(0) == "last_modno") stored_modno = st.ColumnInt(1);
    }
    BRS_RETURN_IF_ERROR(s);
  }
  {
    BRS_ASSIGN_OR_RETURN(Statement st,
                         writer_->Prepare("SELECT COALESCE(MAX(id), 0) FROM operations"));
    Status s;
    if (st.Step(&s)) max_id = st.ColumnInt(0);
    BRS_RETURN_IF_ERROR(s);
  }
  {
    BRS_ASSIGN_OR_RETURN(Statement st,
                         writer_->Prepare("SELECT COALESCE(MAX(modno), 0) FROM operations"
                                          " WHERE original_instance_keyid = ''"));
    Status s;
    if (st.Step(&s)) max_modno = st.ColumnInt(0);
    BRS_RETURN_IF_ERROR(s);
  }
  next_id_ = std::max(stored_next_id, max_id + 1);
  last_modno_ = std::max(stored_modno, max_modno);
  saved_next_id_ = next_id_;
  saved_last_modno_ = last_modno_;
  return Status::Ok();
}

int64_t OplogStore::last_id() const {
  std::lock_guard lock(write_mu_);
  return next_id_ - 1;
}

int64_t OplogStore::last_modno() const {
  std::lock_guard lock(write_mu_);
  return last_modno_;
}

Status OplogStore::SaveCounters() {
  if (next_id_ == saved_next_id_ && last_modno_ == saved_last_modno_) return Status::Ok();
  BRS_ASSIGN_OR_RETURN(Statement st,
                       writer_->Prepare("INSERT INTO oplog_counters(name, value) VALUES"
                                        " ('next_id', ?), ('last_modno', ?)"
                                        " ON CONFLICT(name) DO UPDATE SET value = excluded.value"));
  st.Bind(1, next_id_).Bind(2, last_modno_);
  return st.Run();
}

void OplogStore::RestoreCounters() {
  next_id_ = saved_next_id_;
  last_modno_ = saved_last_modno_;
  for (const GroupKey& k : groups_created_in_tx_) groups_.erase(k);
  groups_created_in_tx_.clear();
  // The caches may hold IDs of this transaction's rows.
  ForgetIdMap();
}

Status OplogStore::CommitWrite(Transaction& tx, std::vector<PendingEvent> events) {
  Status s = SaveCounters();
  if (s.ok()) s = tx.Commit();
  if (!s.ok()) {
    RestoreCounters();
    return s;
  }
  saved_next_id_ = next_id_;
  saved_last_modno_ = last_modno_;
  groups_created_in_tx_.clear();
  std::lock_guard q(queue_mu_);
  for (PendingEvent& e : events) {
    if (e.ops.empty()) continue;
    e.seq = ++seq_;
    pending_.push_back(std::move(e));
  }
  return Status::Ok();
}

// ---- Readers ----

StatusOr<std::unique_ptr<SqliteDb>> OplogStore::AcquireReader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      auto db = std::move(readers_.back());
      readers_.pop_back();
      return db;
    }
  }
  return SqliteDb::Open(options_.path);
}

void OplogStore::ReleaseReader(std::unique_ptr<SqliteDb> db) {
  db->Rollback();
  std::lock_guard lock(readers_mu_);
  if (readers_.size() < options_.max_idle_readers) readers_.push_back(std::move(db));
}

// Returns the connection to the pool on scope exit.
class OplogStore::ReaderLease {
 public:
  ReaderLease(OplogStore* store, std::unique_ptr<SqliteDb> db)
      : store_(store), db_(std::move(db)) {}
  ~ReaderLease() { store_->ReleaseReader(std::move(db_)); }
  SqliteDb& db() { return *db_; }

 private:
  OplogStore* store_;
  std::unique_ptr<SqliteDb> db_;
};

// ---- Writer helpers ----

Status OplogStore::Serialize(const v1::Operation& op, std::string* bytes) const {
  if (!op.SerializeToString(bytes)) return InvalidArgument("operation does not serialize");
  if (bytes->size() > options_.max_operation_bytes) {
    return InvalidArgument("operation " + std::to_string(op.id()) + " is " +
                           std::to_string(bytes->size()) + " bytes, over the limit of " +
                           std::to_string(options_.max_operation_bytes));
  }
  return Status::Ok();
}

StatusOr<int64_t> OplogStore::FindOrCreateGroup(const v1::Operation& op) {
  GroupKey key{op.original_instance_keyid(), op.instance_id(), op.repo_id(), op.repo_guid(),
               op.plan_id()};
  auto it = groups_.find(key);
  if (it != groups_.end()) return it->second;
  int64_t ogid = 0;
  {
    BRS_ASSIGN_OR_RETURN(
        Statement st,
        writer_->Prepare("SELECT ogid FROM op_groups WHERE original_instance_keyid = ? AND"
                         " instance_id = ? AND repo_id = ? AND repo_guid = ? AND plan_id = ?"));
    st.Bind(1, key.keyid).Bind(2, key.instance_id).Bind(3, key.repo_id).Bind(4, key.repo_guid);
    st.Bind(5, key.plan_id);
    Status s;
    if (st.Step(&s)) ogid = st.ColumnInt(0);
    BRS_RETURN_IF_ERROR(s);
  }
  if (ogid == 0) {
    BRS_ASSIGN_OR_RETURN(
        Statement ins,
        writer_->Prepare("INSERT INTO op_groups (original_instance_keyid, instance_id, repo_id,"
                         " repo_guid, plan_id) VALUES (?, ?, ?, ?, ?)"));
    ins.Bind(1, key.keyid).Bind(2, key.instance_id).Bind(3, key.repo_id).Bind(4, key.repo_guid);
    ins.Bind(5, key.plan_id);
    BRS_RETURN_IF_ERROR(ins.Run());
    ogid = writer_->LastInsertRowId();
    groups_created_in_tx_.push_back(key);  // forgotten again if the transaction rolls back
  }
  groups_.emplace(std::move(key), ogid);
  return ogid;
}

Status OplogStore::InsertRow(const v1::Operation& op, const std::string& bytes) {
  BRS_ASSIGN_OR_RETURN(int64_t ogid, FindOrCreateGroup(op));
  BRS_ASSIGN_OR_RETURN(
      Statement st,
      writer_->Prepare("INSERT INTO operations (id, ogid, modno, flow_id, original_instance_keyid,"
                       " original_id, original_flow_id, snapshot_id, status, start_time_ms,"
                       " operation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, op.id())
      .Bind(2, ogid)
      .Bind(3, op.modno())
      .Bind(4, op.flow_id())
      .Bind(5, op.original_instance_keyid())
      .Bind(6, op.original_id())
      .Bind(7, op.original_flow_id())
      .Bind(8, op.snapshot_id())
      .Bind(9, static_cast<int64_t>(op.status()))
      .Bind(10, op.unix_time_start_ms())
      .BindBlob(11, bytes);
  Status s = st.Run();
  if (s.code() == Code::kAlreadyExists) {
    return Status(Code::kAlreadyExists, "operation " + std::to_string(op.id()) + " already exists");
  }
  return s;
}

Status OplogStore::UpdateRow(const v1::Operation& op, const std::string& bytes) {
  BRS_ASSIGN_OR_RETURN(int64_t ogid, FindOrCreateGroup(op));
  BRS_ASSIGN_OR_RETURN(
      Statement st,
      writer_->Prepare("UPDATE operations SET ogid = ?, modno = ?, flow_id = ?,"
                       " original_instance_keyid = ?, original_id = ?, original_flow_id = ?,"
                       " snapshot_id = ?, status = ?, start_time_ms = ?, operation = ?"
                       " WHERE id = ?"));
  st.Bind(1, ogid)
      .Bind(2, op.modno())
      .Bind(3, op.flow_id())
      .Bind(4, op.original_instance_keyid())
      .Bind(5, op.original_id())
      .Bind(6, op.original_flow_id())
      .Bind(7, op.snapshot_id())
      .Bind(8, static_cast<int64_t>(op.status()))
      .Bind(9, op.unix_time_start_ms())
      .BindBlob(10, bytes)
      .Bind(11, op.id());
  BRS_RETURN_IF_ERROR(st.Run());
  if (writer_->Changes() == 0)
    return NotFound("operation " + std::to_string(op.id()) + " does not exist");
  return Status::Ok();
}

uint32_t OplogStore::PeerIndex(std::string_view keyid) {
  if (!last_peer_.empty() && keyid == last_peer_) return last_peer_index_;  // a batch's peer
  std::string key(keyid);
  auto it = peer_index_.find(key);
  if (it == peer_index_.end()) {
    if (peer_index_.size() >= 65'536) ForgetIdMap();  // bounded like the caches
    it = peer_index_.emplace(key, static_cast<uint32_t>(peer_index_.size())).first;
  }
  last_peer_ = std::move(key);
  last_peer_index_ = it->second;
  return last_peer_index_;
}

void OplogStore::ForgetIdMap() {
  synced_ids_.Clear();
  synced_flows_.Clear();
  peer_index_.clear();
  last_peer_.clear();
}

StatusOr<std::optional<int64_t>> OplogStore::FindSyncedId(std::string_view keyid,
                                                          int64_t original_id) {
  const uint32_t peer = PeerIndex(keyid);
  if (auto hit = synced_ids_.Get(peer, original_id)) return hit;
  BRS_ASSIGN_OR_RETURN(Statement st,
                       writer_->Prepare("SELECT id FROM operations WHERE"
                                        " original_instance_keyid = ? AND original_id = ?"));
  st.Bind(1, keyid).Bind(2, original_id);
  Status s;
  std::optional<int64_t> id;
  if (st.Step(&s)) id = st.ColumnInt(0);
  BRS_RETURN_IF_ERROR(s);
  if (id) synced_ids_.Put(peer, original_id, *id);
  return id;
}

StatusOr<std::optional<int64_t>> OplogStore::FindSyncedFlow(std::string_view keyid,
                                                            int64_t original_flow_id) {
  const uint32_t peer = PeerIndex(keyid);
  if (auto hit = synced_flows_.Get(peer, original_flow_id)) return hit;
  BRS_ASSIGN_OR_RETURN(Statement st,
                       writer_->Prepare("SELECT flow_id FROM operations WHERE"
                                        " original_instance_keyid = ? AND original_flow_id = ?"
                                        " LIMIT 1"));
  st.Bind(1, keyid).Bind(2, original_flow_id);
  Status s;
  std::optional<int64_t> id;
  if (st.Step(&s)) id = st.ColumnInt(0);
  BRS_RETURN_IF_ERROR(s);
  if (id) synced_flows_.Put(peer, original_flow_id, *id);
  return id;
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
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    PendingEvent ev{OpEventKind::kCreated, 0, {}};
    std::string bytes;
    for (auto& op : ops) {
      op.set_id(next_id_++);
      op.set_modno(++last_modno_);
      if (op.flow_id() == 0) op.set_flow_id(op.id());
      Status s = CheckBeforeWrite(op);
      if (s.ok()) s = Serialize(op, &bytes);
      if (s.ok()) s = InsertRow(op, bytes);
      if (!s.ok()) {
        RestoreCounters();
        for (auto& o : ops) o.set_id(0), o.set_modno(0);
        return s;
      }
      ev.ops.push_back(op);
    }
    std::vector<PendingEvent> events;
    events.push_back(std::move(ev));
    Status s = CommitWrite(tx, std::move(events));
    if (!s.ok()) {
      for (auto& o : ops) o.set_id(0), o.set_modno(0);
      return s;
    }
  }
  DeliverPending();
  return Status::Ok();
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
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    PendingEvent ev{OpEventKind::kUpdated, 0, {}};
    std::string bytes;
    Status s;
    for (auto& op : ops) {
      op.set_modno(++last_modno_);
      s = CheckBeforeWrite(op);
      if (s.ok()) s = Serialize(op, &bytes);
      if (s.ok()) s = UpdateRow(op, bytes);
      if (!s.ok()) break;
      ev.ops.push_back(op);
    }
    if (s.ok()) {
      std::vector<PendingEvent> events;
      events.push_back(std::move(ev));
      s = CommitWrite(tx, std::move(events));
    }
    if (!s.ok()) {
      RestoreCounters();
      for (size_t i = 0; i < ops.size(); ++i) ops[i].set_modno(old_modnos[i]);
      return s;
    }
  }
  DeliverPending();
  return Status::Ok();
}

Status OplogStore::Set(std::span<v1::Operation> ops) {
  for (const auto& op : ops) {
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument("Set: synced operations are written with UpsertSynced");
    }
  }
  std::vector<v1::Operation> originals(ops.begin(), ops.end());
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    PendingEvent created{OpEventKind::kCreated, 0, {}};
    PendingEvent updated{OpEventKind::kUpdated, 0, {}};
    std::string bytes;
    Status s;
    for (auto& op : ops) {
      bool insert = op.id() == 0;
      if (insert) op.set_id(next_id_++);
      if (op.modno() == 0) op.set_modno(++last_modno_);
      if (op.flow_id() == 0) op.set_flow_id(op.id());
      if (op.id() >= next_id_) next_id_ = op.id() + 1;
      s = CheckBeforeWrite(op);
      if (s.ok()) s = Serialize(op, &bytes);
      if (s.ok()) s = insert ? InsertRow(op, bytes) : UpdateRow(op, bytes);
      if (!s.ok()) break;
      (insert ? created : updated).ops.push_back(op);
    }
    if (s.ok()) {
      std::vector<PendingEvent> events;
      events.push_back(std::move(created));
      events.push_back(std::move(updated));
      s = CommitWrite(tx, std::move(events));
    }
    if (!s.ok()) {
      RestoreCounters();
      std::copy(originals.begin(), originals.end(), ops.begin());
      return s;
    }
  }
  DeliverPending();
  return Status::Ok();
}

StatusOr<std::vector<v1::Operation>> OplogStore::DeleteIdsLocked(std::span<const int64_t> ids,
                                                                 bool require_all) {
  // A deleted op's mapping must not outlive it (a flow may end with it).
  ForgetIdMap();
  std::vector<v1::Operation> removed;
  removed.reserve(ids.size());
  BRS_ASSIGN_OR_RETURN(Statement get,
                       writer_->Prepare("SELECT operation FROM operations WHERE id = ?"));
  BRS_ASSIGN_OR_RETURN(Statement del, writer_->Prepare("DELETE FROM operations WHERE id = ?"));
  for (int64_t id : ids) {
    Status s;
    get.Reset();
    get.Bind(1, id);
    bool found = get.Step(&s);
    BRS_RETURN_IF_ERROR(s);
    if (!found) {
      if (require_all) return NotFound("operation " + std::to_string(id) + " does not exist");
      continue;
    }
    v1::Operation op;
    BRS_RETURN_IF_ERROR(ParseOp(get.ColumnBlob(0), &op, id));
    get.Reset();
    del.Reset();
    del.Bind(1, id);
    BRS_RETURN_IF_ERROR(del.Run());
    removed.push_back(std::move(op));
  }
  return removed;
}

StatusOr<std::vector<v1::Operation>> OplogStore::Delete(std::span<const int64_t> ids) {
  std::vector<v1::Operation> removed;
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    BRS_ASSIGN_OR_RETURN(removed, DeleteIdsLocked(ids, /*require_all=*/true));
    std::vector<PendingEvent> events;
    events.push_back(PendingEvent{OpEventKind::kDeleted, 0, removed});
    BRS_RETURN_IF_ERROR(CommitWrite(tx, std::move(events)));
  }
  DeliverPending();
  return removed;
}

// ---- Synced writes ----

StatusOr<std::vector<v1::Operation>> OplogStore::UpsertSynced(std::string_view keyid,
                                                              std::vector<v1::Operation> ops) {
  if (keyid.empty()) return InvalidArgument("UpsertSynced: empty peer key ID");
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    PendingEvent created{OpEventKind::kCreated, 0, {}};
    PendingEvent updated{OpEventKind::kUpdated, 0, {}};
    std::string bytes;
    Status s;
    for (auto& op : ops) {
      if (op.id() == 0 || op.flow_id() == 0) {
        s = InvalidArgument("synced operation without id or flow_id");
        break;
      }
      int64_t original_id = op.id();
      int64_t original_flow_id = op.flow_id();
      auto local_id = FindSyncedId(keyid, original_id);
      if (!local_id.ok()) {
        s = local_id.status();
        break;
      }
      bool insert = !local_id->has_value();
      int64_t id = insert ? next_id_++ : **local_id;
      auto local_flow = FindSyncedFlow(keyid, original_flow_id);
      if (!local_flow.ok()) {
        s = local_flow.status();
        break;
      }
      op.set_original_instance_keyid(std::string(keyid));
      op.set_original_id(original_id);
      op.set_original_flow_id(original_flow_id);
      op.set_id(id);
      op.set_flow_id(local_flow->has_value() ? **local_flow : id);
      // A new op's ID is not cached (an initial sync would only churn the
      // cache); a new flow is, as its next ops usually follow at once.
      if (!local_flow->has_value()) {
        synced_flows_.Put(PeerIndex(keyid), original_flow_id, id);
      }
      // An update may move the op to another original flow and so end the
      // old one: forget the flows rather than keep one the file no longer has.
      if (!insert) synced_flows_.Clear();
      // Backrest's Set gives an op without a modno the next local one.
      if (op.modno() == 0) op.set_modno(++last_modno_);
      s = CheckBeforeWrite(op);
      if (s.ok()) s = Serialize(op, &bytes);
      if (s.ok()) s = insert ? InsertRow(op, bytes) : UpdateRow(op, bytes);
      if (!s.ok()) break;
      (insert ? created : updated).ops.push_back(op);
    }
    if (s.ok()) {
      std::vector<PendingEvent> events;
      events.push_back(std::move(created));
      events.push_back(std::move(updated));
      s = CommitWrite(tx, std::move(events));
    }
    if (!s.ok()) {
      RestoreCounters();
      return s.WithContext("upsert synced operations");
    }
  }
  DeliverPending();
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
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    std::vector<int64_t> local;
    for (int64_t oid : original_ids) {
      BRS_ASSIGN_OR_RETURN(auto id, FindSyncedId(keyid, oid));
      if (id) local.push_back(*id);
    }
    std::sort(local.begin(), local.end());
    local.erase(std::unique(local.begin(), local.end()), local.end());
    BRS_ASSIGN_OR_RETURN(auto removed, DeleteIdsLocked(local, /*require_all=*/true));
    count = removed.size();
    std::vector<PendingEvent> events;
    events.push_back(PendingEvent{OpEventKind::kDeleted, 0, std::move(removed)});
    BRS_RETURN_IF_ERROR(CommitWrite(tx, std::move(events)));
  }
  DeliverPending();
  return count;
}

StatusOr<std::vector<OriginalEntry>> OplogStore::ListSyncedOn(SqliteDb& db,
                                                              std::string_view keyid) {
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

StatusOr<std::vector<OriginalEntry>> OplogStore::ListSynced(std::string_view keyid) {
  BRS_ASSIGN_OR_RETURN(auto db, AcquireReader());
  ReaderLease lease(this, std::move(db));
  return ListSyncedOn(lease.db(), keyid);
}

StatusOr<std::vector<int64_t>> OplogStore::DeleteSyncedNotIn(std::string_view keyid,
                                                             std::span<const int64_t> keep) {
  std::vector<int64_t> modnos(keep.size(), 0);
  // Reuse the reconciliation with a manifest whose modnos do not matter.
  std::vector<int64_t> keep_sorted(keep.begin(), keep.end());
  std::sort(keep_sorted.begin(), keep_sorted.end());
  std::vector<int64_t> deleted;
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    BRS_ASSIGN_OR_RETURN(auto local, ListSyncedOn(*writer_, keyid));
    for (const auto& e : local) {
      if (!std::binary_search(keep_sorted.begin(), keep_sorted.end(), e.original_id)) {
        deleted.push_back(e.id);
      }
    }
    BRS_ASSIGN_OR_RETURN(auto removed, DeleteIdsLocked(deleted, /*require_all=*/true));
    std::vector<PendingEvent> events;
    events.push_back(PendingEvent{OpEventKind::kDeleted, 0, std::move(removed)});
    BRS_RETURN_IF_ERROR(CommitWrite(tx, std::move(events)));
  }
  DeliverPending();
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
  // Manifest positions sorted by ID: a merge against the local list (sorted
  // by original_id) finds both the deletions and the requests in one pass.
  std::vector<uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](uint32_t a, uint32_t b) { return ids[a] != ids[b] ? ids[a] < ids[b] : a < b; });
  std::vector<uint8_t> need(ids.size(), 0);
  ManifestReconciliation result;
  {
    std::lock_guard lock(write_mu_);
    Transaction tx(*writer_);
    BRS_RETURN_IF_ERROR(tx.BeginImmediate());
    BRS_ASSIGN_OR_RETURN(auto local, ListSyncedOn(*writer_, keyid));
    size_t i = 0, j = 0;
    while (i < local.size() || j < order.size()) {
      if (j == order.size() || (i < local.size() && local[i].original_id < ids[order[j]])) {
        result.deleted_ids.push_back(local[i].id);  // not in the manifest
        ++i;
      } else if (i == local.size() || ids[order[j]] < local[i].original_id) {
        need[order[j]] = 1;  // new
        ++j;
      } else {
        // Same ID: every manifest entry with it is compared with the local op.
        int64_t id = local[i].original_id;
        while (j < order.size() && ids[order[j]] == id) {
          if (modnos[order[j]] != local[i].modno) need[order[j]] = 1;
          ++j;
        }
        ++i;
      }
    }
    BRS_ASSIGN_OR_RETURN(auto removed, DeleteIdsLocked(result.deleted_ids, /*require_all=*/true));
    std::vector<PendingEvent> events;
    events.push_back(PendingEvent{OpEventKind::kDeleted, 0, std::move(removed)});
    BRS_RETURN_IF_ERROR(CommitWrite(tx, std::move(events)));
  }
  DeliverPending();
  for (size_t k = 0; k < ids.size(); ++k) {
    if (need[k]) result.request_ids.push_back(ids[k]);
  }
  return result;
}

// ---- Reads ----

StatusOr<std::string> OplogStore::GetRaw(int64_t id) {
  BRS_ASSIGN_OR_RETURN(auto db, AcquireReader());
  ReaderLease lease(this, std::move(db));
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
  BRS_RETURN_IF_ERROR(ParseOp(bytes, &op, id));
  return op;
}

StatusOr<std::vector<v1::Operation>> OplogStore::GetMany(std::span<const int64_t> ids) {
  BRS_ASSIGN_OR_RETURN(auto conn, AcquireReader());
  ReaderLease lease(this, std::move(conn));
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
      BRS_RETURN_IF_ERROR(ParseOp(st.ColumnBlob(0), &op, id));
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

// Runs `select_list` + kFromJoined + q's clauses on a reader connection, in
// one read transaction (groups and rows from the same snapshot), calling
// row(st) per row until it returns false.
Status OplogStore::RunQuery(const char* select_list, const OpQuery& q, bool order_and_limit,
                            const std::function<bool(const Statement&)>& row) {
  BRS_ASSIGN_OR_RETURN(auto conn, AcquireReader());
  ReaderLease lease(this, std::move(conn));
  SqliteDb& db = lease.db();
  Transaction tx(db);
  BRS_RETURN_IF_ERROR(tx.BeginRead());
  std::vector<int64_t> ogids;
  if (HasGroupFilter(q)) {
    BRS_ASSIGN_OR_RETURN(ogids, MatchingGroups(db, q));
    if (ogids.empty()) {
      if (order_and_limit) return Status::Ok();  // nothing can match
      ogids.push_back(0);                        // COUNT: ogid 0 never exists
    }
  }
  std::vector<Arg> args;
  std::string sql = std::string("SELECT ") + select_list + kFromJoined +
                    BuildClauses(q, HasGroupFilter(q) ? &ogids : nullptr, &args, order_and_limit);
  BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  BindArgs(st, args);
  Status s;
  while (st.Step(&s)) {
    if (!row(st)) break;
  }
  return s;
}

Status OplogStore::ForEach(const OpQuery& q, const std::function<bool(const v1::Operation&)>& fn) {
  Status parse;
  BRS_RETURN_IF_ERROR(RunQuery("o.id, o.operation", q, true, [&](const Statement& st) {
    v1::Operation op;
    parse = ParseOp(st.ColumnBlob(1), &op, st.ColumnInt(0));
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
  return RunQuery(kMetadataColumns, q, true,
                  [&](const Statement& st) { return fn(ReadMetadata(st)); });
}

StatusOr<int64_t> OplogStore::Count(const OpQuery& q) {
  int64_t n = 0;
  BRS_RETURN_IF_ERROR(RunQuery("COUNT(*)", q, false, [&](const Statement& st) {
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
  auto sub = std::make_shared<Subscriber>();
  sub->filter = std::move(filter);
  sub->callback = std::move(callback);
  std::lock_guard q(queue_mu_);
  sub->id = next_sub_id_++;
  sub->after_seq = seq_;
  subscribers_.push_back(sub);
  return sub->id;
}

StatusOr<std::pair<SubscriptionId, std::vector<ManifestEntry>>> OplogStore::SubscribeWithManifest(
    const OpQuery& q, OpFilter filter, OpCallback callback) {
  // Holding write_mu_ keeps every writer out between the read and the
  // registration: the manifest is exactly the state after commit seq_, and
  // the subscriber receives exactly the events after it.
  std::lock_guard lock(write_mu_);
  BRS_ASSIGN_OR_RETURN(auto manifest, Manifest(q, filter));
  SubscriptionId id = Subscribe(std::move(filter), std::move(callback));
  return std::make_pair(id, std::move(manifest));
}

void OplogStore::Unsubscribe(SubscriptionId id) {
  {
    std::lock_guard q(queue_mu_);
    for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) {
      if ((*it)->id == id) {
        (*it)->active = false;
        subscribers_.erase(it);
        break;
      }
    }
  }
  // Wait for a callback running on another thread to finish.
  if (delivering_thread_.load() != std::this_thread::get_id()) {
    std::lock_guard wait(delivery_mu_);
  }
}

void OplogStore::DeliverPending() {
  // A write made from inside a callback: the delivering loop below (further
  // up this thread's stack) picks its events up after the callback returns.
  if (delivering_thread_.load() == std::this_thread::get_id()) return;
  std::lock_guard dl(delivery_mu_);
  delivering_thread_.store(std::this_thread::get_id());
  for (;;) {
    std::deque<PendingEvent> batch;
    std::vector<std::shared_ptr<Subscriber>> subs;
    {
      std::lock_guard q(queue_mu_);
      if (pending_.empty()) break;
      batch.swap(pending_);
      subs = subscribers_;
    }
    for (const PendingEvent& ev : batch) {
      for (const auto& sub : subs) {
        if (!sub->active.load() || ev.seq <= sub->after_seq) continue;
        OpEvent out{ev.kind, ev.seq, {}};
        for (const auto& op : ev.ops) {
          if (!sub->filter || sub->filter(MetadataOf(op))) out.ops.push_back(op);
        }
        if (!out.ops.empty()) sub->callback(out);
      }
    }
  }
  delivering_thread_.store(std::thread::id());
}

}  // namespace brs::store
