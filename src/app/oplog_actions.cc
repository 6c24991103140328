#include "app/oplog_actions.h"

#include <string>

#include "store/op_validation.h"

namespace brs::app {
namespace {

std::string Position(size_t i) { return "operation #" + std::to_string(i + 1); }

// The ops with these IDs must exist and be this instance's own.
Status CheckLocal(store::OplogStore& oplog, std::span<const int64_t> ids) {
  BRS_ASSIGN_OR_RETURN(auto found, oplog.GetMany(ids));
  for (size_t i = 0, j = 0; i < ids.size(); ++i) {
    if (j >= found.size() || found[j].id() != ids[i]) {
      return NotFound("operation " + std::to_string(ids[i]) + " does not exist");
    }
    const v1::Operation& op = found[j++];
    if (!op.original_instance_keyid().empty()) {
      return FailedPrecondition("operation " + std::to_string(op.id()) + " was synced from peer " +
                                op.original_instance_keyid() + " (its ID there is " +
                                std::to_string(op.original_id()) +
                                "): change it on that instance, or it comes back");
    }
  }
  return Status();
}

}  // namespace

Status AddLocalOps(store::OplogStore& oplog, std::vector<v1::Operation>& ops) {
  for (size_t i = 0; i < ops.size(); ++i) {
    const v1::Operation& op = ops[i];
    if (op.id() != 0 || op.modno() != 0) {
      return InvalidArgument(Position(i) +
                             ": id and modno are assigned by the store; leave them 0");
    }
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument(Position(i) + ": original_instance_keyid is set (only ops received " +
                             "from peers have one)");
    }
    Status valid = store::ValidateOperation(op, store::StoreAssigns::kIdModnoAndFlowId);
    if (!valid.ok()) return InvalidArgument(Position(i) + ": " + valid.message());
  }
  return oplog.Add(ops);
}

Status UpdateLocalOps(store::OplogStore& oplog, std::vector<v1::Operation>& ops) {
  std::vector<int64_t> ids;
  ids.reserve(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const v1::Operation& op = ops[i];
    if (!op.original_instance_keyid().empty()) {
      return InvalidArgument(Position(i) + ": original_instance_keyid is set (ops synced from " +
                             "peers are changed there)");
    }
    Status valid = store::ValidateOperation(op, store::StoreAssigns::kModno);
    if (!valid.ok()) return InvalidArgument(Position(i) + ": " + valid.message());
    ids.push_back(op.id());
  }
  BRS_RETURN_IF_ERROR(CheckLocal(oplog, ids));
  return oplog.Update(ops);
}

StatusOr<size_t> DeleteLocalOps(store::OplogStore& oplog, std::span<const int64_t> ids) {
  BRS_RETURN_IF_ERROR(CheckLocal(oplog, ids));
  BRS_ASSIGN_OR_RETURN(auto removed, oplog.Delete(ids));
  return removed.size();
}

store::OpQuery QueryOf(const admin::v1::OpsQuery& q) {
  store::OpQuery out;
  if (!q.peer_keyid().empty()) out.original_instance_keyid = q.peer_keyid();
  if (!q.instance_id().empty()) out.instance_id = q.instance_id();
  if (!q.repo_id().empty()) out.repo_id = q.repo_id();
  if (!q.plan_id().empty()) out.plan_id = q.plan_id();
  if (q.before_id() > 0) out.id_lt = q.before_id();
  if (q.status() != 0) out.status = q.status();
  if (q.start_after_ms() > 0) out.start_time_ms_gte = q.start_after_ms();
  if (q.start_before_ms() > 0) out.start_time_ms_lt = q.start_before_ms();
  out.limit = q.limit() > 0 ? q.limit() : 0;
  out.reversed = true;  // newest first
  return out;
}

StatusOr<admin::v1::OpsPage> QueryOpsPage(store::OplogStore& oplog, const admin::v1::OpsQuery& q,
                                          size_t max_ops, size_t max_bytes) {
  store::OpQuery query = QueryOf(q);
  int64_t page = static_cast<int64_t>(max_ops);
  if (q.page_size() > 0) page = std::min(page, q.page_size());
  // One op more than the page holds says whether there are more.
  query.limit = (query.limit > 0 ? std::min(query.limit, page) : page) + 1;
  const int64_t want = query.limit - 1;
  admin::v1::OpsPage out;
  size_t bytes = 0;
  BRS_RETURN_IF_ERROR(oplog.ForEach(query, [&](const v1::Operation& op) {
    if (out.operations_size() >= want || (bytes >= max_bytes && out.operations_size() > 0)) {
      out.set_more(true);
      return false;
    }
    bytes += op.ByteSizeLong();
    *out.add_operations() = op;
    return true;
  }));
  // A user's limit reached is the end, not "more".
  if (q.limit() > 0 && out.operations_size() >= q.limit()) out.set_more(false);
  return out;
}

}  // namespace brs::app
