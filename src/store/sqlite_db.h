// A thin RAII wrapper over one SQLite connection: open with the project's
// pragmas, prepared statements cached per connection, transactions that roll
// back unless committed, and SQLite errors turned into brs::Status.
//
// A SqliteDb is one connection and is NOT thread safe: each thread (or each
// holder of a mutex) uses its own connection. Stores build their own locking
// on top (see oplog_store.h).
//
// Durability: journal_mode=WAL and synchronous=FULL. In WAL mode, NORMAL only
// syncs the WAL at checkpoints, so a power loss (not a process kill) may lose
// the last acknowledged transactions. FULL fsyncs the WAL on every commit, so
// once a write function returns OK the transaction survives kill -9 and power
// loss. The cost is one fsync per transaction, which is why writers batch
// (one transaction per received batch, not per operation).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace brs::store {

class SqliteDb;

// A prepared statement borrowed from a SqliteDb's cache (or, from
// PrepareUncached, its own). Binding indexes are 1-based as in SQLite. On
// destruction a borrowed statement is reset and its bindings cleared, ready
// for the next borrower; an own one is finalized.
class Statement {
 public:
  Statement(Statement&& other) noexcept
      : stmt_(other.stmt_), db_(other.db_), owned_(other.owned_) {
    other.stmt_ = nullptr;
  }
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& BindBlob(int index, std::string_view bytes);
  Statement& BindNull(int index);
  // Resets the statement and clears its bindings, to run it again.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  // Advances to the next row: true with a row, false when done; an error is
  // reported through `status` (then false is returned).
  bool Step(Status* status);
  // Runs the statement to completion, ignoring any rows.
  Status Run();

  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string_view ColumnText(int col) const;
  std::string_view ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  friend class SqliteDb;
  Statement(sqlite3_stmt* stmt, SqliteDb* db, bool owned = false)
      : stmt_(stmt), db_(db), owned_(owned) {}
  sqlite3_stmt* stmt_;
  SqliteDb* db_;
  bool owned_;
};

class SqliteDb {
 public:
  // Opens (creating if needed, with the parent directory) the database file
  // at `path`, sets WAL, synchronous=FULL, foreign_keys=ON and a busy timeout
  // of `busy_timeout_ms`. `path` ":memory:" is allowed for tests.
  static StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                  int busy_timeout_ms = 5000);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements without parameters (schema, pragmas).
  Status Exec(std::string_view sql);
  // Returns the cached prepared statement for `sql` (prepared on first use).
  // Only one borrower of the same SQL at a time.
  StatusOr<Statement> Prepare(const std::string& sql);
  // A statement of its own, outside the cache: for running several with the
  // same SQL at once (a cached one is shared by every borrower of its SQL).
  StatusOr<Statement> PrepareUncached(const std::string& sql);

  // Transactions: BEGIN IMMEDIATE takes the write lock up front so a
  // transaction never fails half way with SQLITE_BUSY on its first write.
  Status BeginImmediate() { return Exec("BEGIN IMMEDIATE"); }
  Status BeginRead() { return Exec("BEGIN"); }
  Status Commit() { return Exec("COMMIT"); }
  // Rolls back if a transaction is open; never fails loudly.
  void Rollback();
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

  // "context: <sqlite message> (code N)" as an Internal/Unavailable status.
  Status Error(std::string_view context, int rc) const;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Rolls back on scope exit unless Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db) : db_(db) {}
  ~Transaction() {
    if (open_) db_.Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status BeginImmediate() {
    BRS_RETURN_IF_ERROR(db_.BeginImmediate());
    open_ = true;
    return Status::Ok();
  }
  Status BeginRead() {
    BRS_RETURN_IF_ERROR(db_.BeginRead());
    open_ = true;
    return Status::Ok();
  }
  Status Commit() {
    Status s = db_.Commit();
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  SqliteDb& db_;
  bool open_ = false;
};

// One migration step: brings the schema from version `to - 1` to `to`.
struct Migration {
  int to;
  const char* sql;
};

// Applies, in one IMMEDIATE transaction, every step whose `to` is above the
// version recorded in the `schema_version` table (created if absent) for
// `component`, then records the new version. Steps must be listed in
// increasing order. A database whose recorded version is newer than the last
// step is refused (FailedPrecondition): it was written by a newer program.
Status ApplyMigrations(SqliteDb& db, std::string_view component, const Migration* steps,
                       size_t count);

}  // namespace brs::store
