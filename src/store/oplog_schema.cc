#include "store/oplog_schema.h"

#include <algorithm>
#include <iterator>

namespace brs::store {
namespace {

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

// The one integer `sql` selects (0 when it selects no row).
StatusOr<int64_t> SelectInt(SqliteDb& db, const std::string& sql) {
  BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare(sql));
  Status s;
  int64_t value = st.Step(&s) ? st.ColumnInt(0) : 0;
  BRS_RETURN_IF_ERROR(s);
  return value;
}

}  // namespace

Status ApplyOplogSchema(SqliteDb& db) {
  return ApplyMigrations(db, "oplog", kOplogMigrations, std::size(kOplogMigrations));
}

StatusOr<OplogCounters> LoadOplogCounters(SqliteDb& db) {
  OplogCounters stored;
  {
    BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT name, value FROM oplog_counters"));
    Status s;
    while (st.Step(&s)) {
      if (st.ColumnText(0) == "next_id") stored.next_id = st.ColumnInt(1);
      if (st.ColumnText(0) == "last_modno") stored.last_modno = st.ColumnInt(1);
    }
    BRS_RETURN_IF_ERROR(s);
  }
  BRS_ASSIGN_OR_RETURN(int64_t max_id,
                       SelectInt(db, "SELECT COALESCE(MAX(id), 0) FROM operations"));
  BRS_ASSIGN_OR_RETURN(int64_t max_modno, SelectInt(db,
                                                    "SELECT COALESCE(MAX(modno), 0) FROM operations"
                                                    " WHERE original_instance_keyid = ''"));
  return OplogCounters{std::max(stored.next_id, max_id + 1),
                       std::max(stored.last_modno, max_modno)};
}

Status SaveOplogCounters(SqliteDb& db, const OplogCounters& counters) {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("INSERT INTO oplog_counters(name, value) VALUES"
                                  " ('next_id', ?), ('last_modno', ?)"
                                  " ON CONFLICT(name) DO UPDATE SET value = excluded.value"));
  st.Bind(1, counters.next_id).Bind(2, counters.last_modno);
  return st.Run();
}

}  // namespace brs::store
