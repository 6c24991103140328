// OplogStore::ScanGroups: the op groups and, per group, its ops newest
// first through the ogid index (declared in oplog_store.h).
#include "store/oplog_store.h"

namespace brs::store {
namespace {

// Steps a prepared "ops of one group, newest first" statement lazily.
class StatementGroupReader final : public GroupOpReader {
 public:
  StatementGroupReader(Statement& st, Status& status) : st_(st), status_(status) {}

  bool Next(v1::Operation* op) override {
    if (done_ || !status_.ok()) return false;
    if (!st_.Step(&status_)) {
      done_ = true;
      return false;
    }
    status_ = ParseStoredOp(st_.ColumnBlob(1), op, st_.ColumnInt(0));
    return status_.ok();
  }

 private:
  Statement& st_;
  Status& status_;
  bool done_ = false;
};

struct GroupRow {
  int64_t ogid;
  OpGroup group;
};

StatusOr<std::vector<GroupRow>> ReadGroups(SqliteDb& db) {
  BRS_ASSIGN_OR_RETURN(Statement st,
                       db.Prepare("SELECT ogid, original_instance_keyid, instance_id, repo_id,"
                                  " repo_guid, plan_id FROM op_groups ORDER BY ogid"));
  std::vector<GroupRow> rows;
  Status s;
  while (st.Step(&s)) {
    rows.push_back({st.ColumnInt(0),
                    {std::string(st.ColumnText(1)), std::string(st.ColumnText(2)),
                     std::string(st.ColumnText(3)), std::string(st.ColumnText(4)),
                     std::string(st.ColumnText(5))}});
  }
  BRS_RETURN_IF_ERROR(s);
  return rows;
}

}  // namespace

Status OplogStore::ScanGroups(const std::function<bool(const OpGroup&, GroupOpReader&)>& fn) {
  BRS_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
  SqliteDb& db = lease.db();
  Transaction tx(db);
  BRS_RETURN_IF_ERROR(tx.BeginRead());
  BRS_ASSIGN_OR_RETURN(std::vector<GroupRow> groups, ReadGroups(db));
  for (const GroupRow& g : groups) {
    BRS_ASSIGN_OR_RETURN(Statement st, db.Prepare("SELECT id, operation FROM operations"
                                                  " WHERE ogid = ? ORDER BY id DESC"));
    st.Bind(1, g.ogid);
    Status status;
    StatementGroupReader reader(st, status);
    const bool more = fn(g.group, reader);
    BRS_RETURN_IF_ERROR(status);
    if (!more) break;
  }
  return Status();
}

}  // namespace brs::store
