// OplogTable: the oplog's row writes (see oplog_schema.h) on the writer
// connection, inside a write transaction its owner holds open.
//
// Every op written is checked as it will be stored: Backrest's validation
// (InvalidArgument "operation <id>: <rule>") and the size limit. The table
// remembers the op groups it has seen; those created in the current
// transaction are forgotten again when the owner reports a rollback.
//
// Not thread safe: used under the oplog's writer lock.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/sqlite_db.h"
#include "v1/operations.pb.h"

namespace brs::store {

// Parses stored op bytes; DataLoss naming op `id` when they do not parse.
Status ParseStoredOp(std::string_view bytes, v1::Operation* op, int64_t id);

class OplogTable {
 public:
  OplogTable(SqliteDb& db, size_t max_operation_bytes)
      : db_(db), max_operation_bytes_(max_operation_bytes) {}

  // Checks `op` and inserts it (AlreadyExists when its ID is taken) or
  // updates the stored op with its ID (NotFound when there is none).
  // `scratch` is reused between calls for the serialized bytes.
  Status Write(const v1::Operation& op, bool insert, std::string* scratch);
  // Deletes the ops with these IDs and returns them. NotFound when one does
  // not exist (the caller rolls back).
  StatusOr<std::vector<v1::Operation>> Delete(std::span<const int64_t> ids);

  // The owner's transaction committed / rolled back.
  void Committed() { groups_created_in_tx_.clear(); }
  void RolledBack();

 private:
  struct GroupKey {
    std::string keyid, instance_id, repo_id, repo_guid, plan_id;
    auto operator<=>(const GroupKey&) const = default;
  };
  Status Serialize(const v1::Operation& op, std::string* bytes) const;
  StatusOr<int64_t> FindOrCreateGroup(const v1::Operation& op);
  StatusOr<int64_t> CreateGroup(const GroupKey& key);
  Status InsertRow(const v1::Operation& op, int64_t ogid, const std::string& bytes);
  Status UpdateRow(const v1::Operation& op, int64_t ogid, const std::string& bytes);

  SqliteDb& db_;
  const size_t max_operation_bytes_;
  std::map<GroupKey, int64_t> groups_;  // committed (and this transaction's) op groups
  std::vector<GroupKey> groups_created_in_tx_;
};

}  // namespace brs::store
