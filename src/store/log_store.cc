#include "store/log_store.h"

#include <algorithm>

namespace brs::store {
namespace {

constexpr Migration kLogMigrations[] = {
    {1,
     "CREATE TABLE logs ("
     " name TEXT PRIMARY KEY,"
     " owner_opid INTEGER NOT NULL,"
     " expires_unix INTEGER NOT NULL,"
     " size INTEGER NOT NULL DEFAULT 0,"
     " finished INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX logs_owner ON logs (owner_opid);"
     "CREATE INDEX logs_expiry ON logs (expires_unix) WHERE expires_unix <> 0;"
     "CREATE TABLE log_chunks ("
     " name TEXT NOT NULL REFERENCES logs(name) ON DELETE CASCADE,"
     " seq INTEGER NOT NULL,"
     " data BLOB NOT NULL,"
     " PRIMARY KEY (name, seq)) WITHOUT ROWID;"},
};

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == '+' || c == ':';
}

}  // namespace

Status ValidateLogName(std::string_view name) {
  if (name.empty() || name.size() > 200) return InvalidArgument("log name must be 1..200 bytes");
  if (name.front() == '.' || name.find("..") != std::string_view::npos) {
    return InvalidArgument("log name must not start with '.' or contain '..'");
  }
  if (!std::all_of(name.begin(), name.end(), NameChar)) {
    return InvalidArgument("log name has a character outside [A-Za-z0-9._+:-]");
  }
  return Status::Ok();
}

// ---- LogWriter ----

LogWriter::~LogWriter() {
  if (!closed_) (void)Close();
}

Status LogWriter::Append(std::string_view data) {
  if (closed_) return FailedPrecondition("log " + name_ + " is closed");
  if (size_ + static_cast<int64_t>(data.size()) > store_->options_.max_log_bytes) {
    return ResourceExhausted("log " + name_ + " would exceed " +
                             std::to_string(store_->options_.max_log_bytes) + " bytes");
  }
  size_ += static_cast<int64_t>(data.size());
  while (!data.empty()) {
    size_t take = std::min(data.size(), kLogChunkBytes - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buffer_.size() == kLogChunkBytes) BRS_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status LogWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  BRS_RETURN_IF_ERROR(store_->StoreChunk(name_, next_seq_, buffer_, false));
  ++next_seq_;
  buffer_.clear();
  return Status::Ok();
}

Status LogWriter::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status s = store_->StoreChunk(name_, next_seq_, buffer_, true);
  buffer_.clear();
  return s;
}

// ---- LogStore ----

StatusOr<std::unique_ptr<LogStore>> LogStore::Open(Options options) {
  if (options.env == nullptr) options.env = &Env::Default();
  std::unique_ptr<LogStore> store(new LogStore(std::move(options)));
  BRS_ASSIGN_OR_RETURN(store->db_, SqliteDb::Open(store->options_.path));
  BRS_RETURN_IF_ERROR(
      ApplyMigrations(*store->db_, "logs", kLogMigrations, std::size(kLogMigrations)));
  return store;
}

LogStore::~LogStore() = default;

Status LogStore::StoreChunk(const std::string& name, int64_t seq, std::string_view data,
                            bool finish) {
  std::lock_guard lock(mu_);
  Transaction tx(*db_);
  BRS_RETURN_IF_ERROR(tx.BeginImmediate());
  if (!data.empty()) {
    BRS_ASSIGN_OR_RETURN(Statement ins,
                         db_->Prepare("INSERT INTO log_chunks(name, seq, data) VALUES(?, ?, ?)"));
    ins.Bind(1, name).Bind(2, seq).BindBlob(3, data);
    Status s = ins.Run();
    if (!s.ok()) return s.WithContext("append to log " + name);
  }
  BRS_ASSIGN_OR_RETURN(Statement up,
                       db_->Prepare("UPDATE logs SET size = size + ?, finished = finished | ?"
                                    " WHERE name = ?"));
  up.Bind(1, static_cast<int64_t>(data.size())).Bind(2, finish ? 1 : 0).Bind(3, name);
  BRS_RETURN_IF_ERROR(up.Run());
  if (db_->Changes() == 0) return NotFound("log " + name + " was deleted while being written");
  return tx.Commit();
}

StatusOr<std::unique_ptr<LogWriter>> LogStore::Create(const std::string& name, int64_t owner_opid,
                                                      int64_t expires_unix) {
  BRS_RETURN_IF_ERROR(ValidateLogName(name));
  BRS_RETURN_IF_ERROR(DeleteExpired().status());
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("INSERT INTO logs(name, owner_opid, expires_unix)"
                                                  " VALUES(?, ?, ?)"));
  st.Bind(1, name).Bind(2, owner_opid).Bind(3, std::max<int64_t>(expires_unix, 0));
  Status s = st.Run();
  if (s.code() == Code::kAlreadyExists)
    return Status(Code::kAlreadyExists, "log " + name + " exists");
  BRS_RETURN_IF_ERROR(s);
  return std::unique_ptr<LogWriter>(new LogWriter(this, name, 0));
}

StatusOr<LogMetadata> LogStore::GetMetadata(const std::string& name) {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db_->Prepare("SELECT owner_opid, expires_unix, size, finished FROM logs"
                                    " WHERE name = ?"));
  st.Bind(1, name);
  Status s;
  if (!st.Step(&s)) {
    BRS_RETURN_IF_ERROR(s);
    return NotFound("no log named " + name);
  }
  LogMetadata m;
  m.name = name;
  m.owner_opid = st.ColumnInt(0);
  m.expires_unix = st.ColumnInt(1);
  m.size = st.ColumnInt(2);
  m.finished = st.ColumnInt(3) != 0;
  return m;
}

Status LogStore::ReadChunks(const std::string& name, int64_t offset, size_t max_chunk,
                            const std::function<bool(std::string_view)>& fn) {
  if (max_chunk == 0 || max_chunk > kLogChunkBytes) max_chunk = kLogChunkBytes;
  if (offset < 0) return InvalidArgument("negative log offset");
  BRS_RETURN_IF_ERROR(GetMetadata(name).status());
  // Read chunk by chunk, not holding the lock while fn runs.
  int64_t seq = 0;
  int64_t pos = 0;  // byte position of chunk `seq`
  for (;;) {
    std::string chunk;
    {
      std::lock_guard lock(mu_);
      BRS_ASSIGN_OR_RETURN(Statement st,
                           db_->Prepare("SELECT data FROM log_chunks WHERE name = ? AND seq = ?"));
      st.Bind(1, name).Bind(2, seq);
      Status s;
      if (!st.Step(&s)) return s;  // end of the log (or an error)
      chunk = std::string(st.ColumnBlob(0));
    }
    int64_t end = pos + static_cast<int64_t>(chunk.size());
    if (end > offset) {
      std::string_view rest(chunk);
      if (offset > pos) rest.remove_prefix(static_cast<size_t>(offset - pos));
      while (!rest.empty()) {
        size_t n = std::min(rest.size(), max_chunk);
        if (!fn(rest.substr(0, n))) return Status::Ok();
        rest.remove_prefix(n);
      }
    }
    pos = end;
    ++seq;
  }
}

StatusOr<std::string> LogStore::ReadAll(const std::string& name) {
  std::string out;
  BRS_RETURN_IF_ERROR(ReadChunks(name, 0, kLogChunkBytes, [&](std::string_view c) {
    out.append(c);
    return true;
  }));
  return out;
}

Status LogStore::Delete(const std::string& name) {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("DELETE FROM logs WHERE name = ?"));
  st.Bind(1, name);
  return st.Run();
}

StatusOr<int64_t> LogStore::DeleteByOwner(int64_t owner_opid) {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("DELETE FROM logs WHERE owner_opid = ?"));
  st.Bind(1, owner_opid);
  BRS_RETURN_IF_ERROR(st.Run());
  return db_->Changes();
}

StatusOr<int64_t> LogStore::DeleteExpired() {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(
      Statement st, db_->Prepare("DELETE FROM logs WHERE expires_unix <> 0 AND expires_unix < ?"));
  st.Bind(1, UnixSeconds(options_.env->NowWall()));
  BRS_RETURN_IF_ERROR(st.Run());
  return db_->Changes();
}

StatusOr<std::vector<std::string>> LogStore::List() {
  std::lock_guard lock(mu_);
  BRS_ASSIGN_OR_RETURN(Statement st, db_->Prepare("SELECT name FROM logs ORDER BY name"));
  std::vector<std::string> out;
  Status s;
  while (st.Step(&s)) out.emplace_back(st.ColumnText(0));
  BRS_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace brs::store
