#include "store/oplog_table.h"

#include "store/op_validation.h"

namespace brs::store {

Status ParseStoredOp(std::string_view bytes, v1::Operation* op, int64_t id) {
  if (!op->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return DataLoss("stored operation " + std::to_string(id) + " does not parse");
  }
  return Status::Ok();
}

Status OplogTable::Write(const v1::Operation& op, bool insert, std::string* scratch) {
  if (Status s = ValidateOperation(op); !s.ok()) {
    return InvalidArgument("operation " + std::to_string(op.id()) + ": " + s.message());
  }
  BRS_RETURN_IF_ERROR(Serialize(op, scratch));
  BRS_ASSIGN_OR_RETURN(int64_t ogid, FindOrCreateGroup(op));
  return insert ? InsertRow(op, ogid, *scratch) : UpdateRow(op, ogid, *scratch);
}

void OplogTable::RolledBack() {
  for (const GroupKey& k : groups_created_in_tx_) groups_.erase(k);
  groups_created_in_tx_.clear();
}

Status OplogTable::Serialize(const v1::Operation& op, std::string* bytes) const {
  if (!op.SerializeToString(bytes)) return InvalidArgument("operation does not serialize");
  if (bytes->size() > max_operation_bytes_) {
    return InvalidArgument("operation " + std::to_string(op.id()) + " is " +
                           std::to_string(bytes->size()) + " bytes, over the limit of " +
                           std::to_string(max_operation_bytes_));
  }
  return Status::Ok();
}

StatusOr<int64_t> OplogTable::FindOrCreateGroup(const v1::Operation& op) {
  GroupKey key{op.original_instance_keyid(), op.instance_id(), op.repo_id(), op.repo_guid(),
               op.plan_id()};
  auto it = groups_.find(key);
  if (it != groups_.end()) return it->second;
  int64_t ogid = 0;
  {
    BRS_ASSIGN_OR_RETURN(
        Statement st,
        db_.Prepare("SELECT ogid FROM op_groups WHERE original_instance_keyid = ? AND"
                    " instance_id = ? AND repo_id = ? AND repo_guid = ? AND plan_id = ?"));
    st.Bind(1, key.keyid).Bind(2, key.instance_id).Bind(3, key.repo_id).Bind(4, key.repo_guid);
    st.Bind(5, key.plan_id);
    Status s;
    if (st.Step(&s)) ogid = st.ColumnInt(0);
    BRS_RETURN_IF_ERROR(s);
  }
  if (ogid == 0) {
    BRS_ASSIGN_OR_RETURN(ogid, CreateGroup(key));
    groups_created_in_tx_.push_back(key);  // forgotten again if the transaction rolls back
  }
  groups_.emplace(std::move(key), ogid);
  return ogid;
}

StatusOr<int64_t> OplogTable::CreateGroup(const GroupKey& key) {
  BRS_ASSIGN_OR_RETURN(
      Statement ins,
      db_.Prepare("INSERT INTO op_groups (original_instance_keyid, instance_id, repo_id,"
                  " repo_guid, plan_id) VALUES (?, ?, ?, ?, ?)"));
  ins.Bind(1, key.keyid).Bind(2, key.instance_id).Bind(3, key.repo_id).Bind(4, key.repo_guid);
  ins.Bind(5, key.plan_id);
  BRS_RETURN_IF_ERROR(ins.Run());
  return db_.LastInsertRowId();
}

Status OplogTable::InsertRow(const v1::Operation& op, int64_t ogid, const std::string& bytes) {
  BRS_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare("INSERT INTO operations (id, ogid, modno, flow_id, original_instance_keyid,"
                  " original_id, original_flow_id, snapshot_id, status, start_time_ms,"
                  " operation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.Bind(1, op.id())
      .Bind(2, ogid)
      .Bind(3, op.modno())
      .Bind(4, op.flow_id())
      .Bind(5, op.original_instance_keyid())
      .Bind(6, op.original_id())
      .Bind(7, op.original_flow_id())
      .Bind(8, op.snapshot_id())
      .Bind(9, static_cast<int64_t>(op.status()))
      .Bind(10, op.unix_time_start_ms())
      .BindBlob(11, bytes);
  Status s = st.Run();
  if (s.code() == Code::kAlreadyExists) {
    return Status(Code::kAlreadyExists, "operation " + std::to_string(op.id()) + " already exists");
  }
  return s;
}

Status OplogTable::UpdateRow(const v1::Operation& op, int64_t ogid, const std::string& bytes) {
  BRS_ASSIGN_OR_RETURN(
      Statement st,
      db_.Prepare("UPDATE operations SET ogid = ?, modno = ?, flow_id = ?,"
                  " original_instance_keyid = ?, original_id = ?, original_flow_id = ?,"
                  " snapshot_id = ?, status = ?, start_time_ms = ?, operation = ?"
                  " WHERE id = ?"));
  st.Bind(1, ogid)
      .Bind(2, op.modno())
      .Bind(3, op.flow_id())
      .Bind(4, op.original_instance_keyid())
      .Bind(5, op.original_id())
      .Bind(6, op.original_flow_id())
      .Bind(7, op.snapshot_id())
      .Bind(8, static_cast<int64_t>(op.status()))
      .Bind(9, op.unix_time_start_ms())
      .BindBlob(10, bytes)
      .Bind(11, op.id());
  BRS_RETURN_IF_ERROR(st.Run());
  if (db_.Changes() == 0) {
    return NotFound("operation " + std::to_string(op.id()) + " does not exist");
  }
  return Status::Ok();
}

StatusOr<std::vector<v1::Operation>> OplogTable::Delete(std::span<const int64_t> ids) {
  std::vector<v1::Operation> removed;
  removed.reserve(ids.size());
  BRS_ASSIGN_OR_RETURN(Statement get, db_.Prepare("SELECT operation FROM operations WHERE id = ?"));
  BRS_ASSIGN_OR_RETURN(Statement del, db_.Prepare("DELETE FROM operations WHERE id = ?"));
  for (int64_t id : ids) {
    Status s;
    get.Reset();
    get.Bind(1, id);
    bool found = get.Step(&s);
    BRS_RETURN_IF_ERROR(s);
    if (!found) return NotFound("operation " + std::to_string(id) + " does not exist");
    v1::Operation op;
    BRS_RETURN_IF_ERROR(ParseStoredOp(get.ColumnBlob(0), &op, id));
    get.Reset();
    del.Reset();
    del.Bind(1, id);
    BRS_RETURN_IF_ERROR(del.Run());
    removed.push_back(std::move(op));
  }
  return removed;
}

}  // namespace brs::store
