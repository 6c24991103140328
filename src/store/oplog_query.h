// OpQuery and the SQL the oplog answers it with.
//
// Operations point to their group (op_groups: peer key ID, instance, repo,
// plan; see oplog_schema.h). A query on group columns first reads the ids
// of the matching groups (GroupsSql), then selects the operations of those
// groups (OpsSql) in the same read transaction. Building the SQL is pure (no
// database), RunOpQuery runs it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"
#include "store/op_metadata.h"
#include "store/sqlite_db.h"

namespace brs::store {

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

using SqlArg = std::variant<int64_t, std::string>;
// One statement and its arguments, in order of their '?'.
struct SqlWithArgs {
  std::string sql;
  std::vector<SqlArg> args;
  // Appends `text` (with one '?') and its argument.
  void Add(std::string_view text, SqlArg arg);
};

// What a query returns per matching op.
enum class OpColumns {
  kIdAndBytes,  // id, the serialized op
  kMetadata,    // the OpMetadata columns (ReadMetadata)
  kCount,       // one row: the number of matching ops (no order, limit or offset)
};

// Whether q filters on a column of op_groups.
bool HasGroupFilter(const OpQuery& q);
// The ogids of the groups matching q's group columns, ascending.
SqlWithArgs GroupsSql(const OpQuery& q);
// The operations matching q. `ogids`: the groups matching q's group columns,
// null when q has none; one group is searched through the ogid index (rows
// come in id order, no sort), several through a scan in id order.
SqlWithArgs OpsSql(OpColumns columns, const OpQuery& q, const std::vector<int64_t>* ogids);

// The OpMetadata of a row selected with OpColumns::kMetadata.
OpMetadata ReadMetadata(const Statement& st);

// Runs q on `db` in one read transaction (groups and operations from the
// same snapshot), calling row(st) per row until it returns false.
Status RunOpQuery(SqliteDb& db, OpColumns columns, const OpQuery& q,
                  const std::function<bool(const Statement&)>& row);

}  // namespace brs::store
