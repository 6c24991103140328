// The oplog's tables (SQLite) and its persisted counters.
//
// Schema version 1. Like Backrest, the low-cardinality columns (peer,
// instance, repo, plan) live in op_groups and each op points to its group:
// one small integer index instead of four text indexes keeps every insert
// and delete cheap (the hub's manifest reconciliation deletes from a 1M-row
// table).
//
//   op_groups (ogid, original_instance_keyid, instance_id, repo_id,
//              repo_guid, plan_id)  unique over all but ogid
//   operations (id, ogid, modno, flow_id, original_instance_keyid,
//               original_id, original_flow_id, snapshot_id, status,
//               start_time_ms, operation: the serialized op)
//   oplog_counters (name, value): "next_id" and "last_modno"
#pragma once

#include <cstdint>

#include "base/status.h"
#include "store/sqlite_db.h"

namespace brs::store {

// Creates the tables or migrates them to this build's schema version;
// FailedPrecondition when the file's schema is newer than this build.
Status ApplyOplogSchema(SqliteDb& db);

// The ID and local-modno counters (SPEC §6): the next ID to assign and the
// last local modno assigned.
struct OplogCounters {
  int64_t next_id = 1;
  int64_t last_modno = 0;
  bool operator==(const OplogCounters&) const = default;
};

// The counters as stored, raised past every stored op's ID and local modno
// (so that even a file whose counters were lost never reuses either).
StatusOr<OplogCounters> LoadOplogCounters(SqliteDb& db);
// Stores the counters; inside the write transaction that used them.
Status SaveOplogCounters(SqliteDb& db, const OplogCounters& counters);

}  // namespace brs::store
