// SqliteReaderPool: read connections to one SQLite file, reused.
//
// With WAL, readers on their own connections run concurrently with the one
// writer and see every transaction committed before their read began. A
// connection is opened when none is idle; at most `max_idle` are kept for
// reuse. Thread safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/sqlite_db.h"

namespace brs::store {

class SqliteReaderPool {
 public:
  // A connection borrowed from the pool, returned to it (any transaction
  // rolled back) when the lease ends.
  class Lease {
   public:
    Lease(SqliteReaderPool* pool, std::unique_ptr<SqliteDb> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_ != nullptr) pool_->Release(std::move(db_));
    }
    SqliteDb& db() { return *db_; }

   private:
    SqliteReaderPool* pool_;
    std::unique_ptr<SqliteDb> db_;
  };

  SqliteReaderPool(std::string path, size_t max_idle)
      : path_(std::move(path)), max_idle_(max_idle) {}

  // An idle connection, or a new one (an error when it cannot be opened).
  StatusOr<Lease> Acquire();

 private:
  void Release(std::unique_ptr<SqliteDb> db);

  const std::string path_;
  const size_t max_idle_;
  std::mutex mu_;  // guards idle_
  std::vector<std::unique_ptr<SqliteDb>> idle_;
};

}  // namespace brs::store
