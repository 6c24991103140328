#include "store/sqlite_db.h"

#include <filesystem>
#include <string>

namespace brs::store {

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL: give SQLite a valid
  // pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::Step(Status* status) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *status = db_->Error("step", rc);
  return false;
}

Status Statement::Run() {
  Status s;
  while (Step(&s)) {
  }
  return s;
}

std::string_view Statement::ColumnText(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}

std::string_view Statement::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  if (path != ":memory:") {
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) {
      std::filesystem::create_directories(parent, ec);
      if (ec) return Internal("create directory " + parent.string() + ": " + ec.message());
    }
  }
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close_v2(raw);
    return Unavailable("open sqlite database " + path + ": " + msg);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  BRS_RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
               "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536;"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status SqliteDb::Error(std::string_view context, int rc) const {
  std::string msg = std::string(context) + ": " + sqlite3_errmsg(db_) + " (code " +
                    std::to_string(rc) + ") in " + path_;
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable(std::move(msg));
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLoss(std::move(msg));
  if (primary == SQLITE_CONSTRAINT) return {Code::kAlreadyExists, std::move(msg)};
  if (primary == SQLITE_FULL) return ResourceExhausted(std::move(msg));
  return Internal(std::move(msg));
}

Status SqliteDb::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status st = Error("exec", rc);
    return Status(st.code(), "exec \"" + s.substr(0, 80) + "\": " + msg + " in " + path_);
  }
  return Status::Ok();
}

StatusOr<Statement> SqliteDb::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second, this);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare \"" + sql.substr(0, 80) + "\"", rc);
  cache_.emplace(sql, stmt);
  return Statement(stmt, this);
}

StatusOr<Statement> SqliteDb::PrepareUncached(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error("prepare \"" + sql.substr(0, 80) + "\"", rc);
  return Statement(stmt, this, /*owned=*/true);
}

void SqliteDb::Rollback() {
  if (InTransaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status ApplyMigrations(SqliteDb& db, std::string_view component, const Migration* steps,
                       size_t count) {
  Transaction tx(db);
  BRS_RETURN_IF_ERROR(tx.BeginImmediate());
  BRS_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_version ("
              " component TEXT PRIMARY KEY, version INTEGER NOT NULL)"));
  int64_t current = 0;
  {
    BRS_ASSIGN_OR_RETURN(Statement q,
                         db.Prepare("SELECT version FROM schema_version WHERE component = ?"));
    q.Bind(1, component);
    Status s;
    if (q.Step(&s)) current = q.ColumnInt(0);
    BRS_RETURN_IF_ERROR(s);
  }
  int64_t latest = count == 0 ? 0 : steps[count - 1].to;
  if (current > latest) {
    return FailedPrecondition(std::string(component) + " schema version " +
                              std::to_string(current) + " in " + db.path() +
                              " is newer than this program's " + std::to_string(latest));
  }
  for (size_t i = 0; i < count; ++i) {
    if (steps[i].to <= current) continue;
    Status s = db.Exec(steps[i].sql);
    if (!s.ok()) {
      return s.WithContext(std::string(component) + " migration to version " +
                           std::to_string(steps[i].to));
    }
    current = steps[i].to;
  }
  {
    BRS_ASSIGN_OR_RETURN(Statement up, db.Prepare("INSERT INTO schema_version(component, version)"
                                                  " VALUES(?, ?) ON CONFLICT(component)"
                                                  " DO UPDATE SET version = excluded.version"));
    up.Bind(1, component).Bind(2, current);
    BRS_RETURN_IF_ERROR(up.Run());
  }
  return tx.Commit();
}

}  // namespace brs::store
