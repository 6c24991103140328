#include "store/sqlite_reader_pool.h"

namespace brs::store {

StatusOr<SqliteReaderPool::Lease> SqliteReaderPool::Acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<SqliteDb> db = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(db));
    }
  }
  BRS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path_));
  return Lease(this, std::move(db));
}

void SqliteReaderPool::Release(std::unique_ptr<SqliteDb> db) {
  db->Rollback();
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(db));
}

}  // namespace brs::store
