#include "app/ops_backend.h"

#include "app/admin_service.h"
#include "app/daemon_link.h"
#include "app/oplog_actions.h"
#include "store/oplog_store.h"

namespace brs::app {
namespace {

// Ops per admin call: keeps each message well under the RPC size limit.
constexpr size_t kDaemonBatch = 2000;

class DirectOpsBackend final : public OpsBackend {
 public:
  explicit DirectOpsBackend(std::unique_ptr<store::OplogStore> store) : store_(std::move(store)) {}

  Status Add(std::vector<v1::Operation>& ops) override { return AddLocalOps(*store_, ops); }
  Status Update(std::vector<v1::Operation>& ops) override { return UpdateLocalOps(*store_, ops); }
  StatusOr<size_t> Delete(std::span<const int64_t> ids) override {
    return DeleteLocalOps(*store_, ids);
  }

  StatusOr<std::vector<v1::Operation>> Query(const admin::v1::OpsQuery& q) override {
    return store_->Query(QueryOf(q));
  }

  StatusOr<OpCounts> Count() override {
    OpCounts c;
    BRS_RETURN_IF_ERROR(store_->ScanMetadata({}, [&](const store::OpMetadata& m) {
      (m.original_instance_keyid.empty() ? c.local : c.synced) += 1;
      return true;
    }));
    return c;
  }

  std::string_view kind() const override { return "direct"; }

 private:
  std::unique_ptr<store::OplogStore> store_;
};

class DaemonOpsBackend final : public OpsBackend {
 public:
  explicit DaemonOpsBackend(DaemonLink link) : link_(std::move(link)) {}

  // Sends `ops` to `procedure` in batches of kDaemonBatch; the answer must
  // hold `count` values, one per op, which `apply` writes back into each op.
  template <typename Response, typename Count, typename Apply>
  Status SendOps(std::string_view procedure, std::string_view name, std::vector<v1::Operation>& ops,
                 Count count, Apply apply) {
    for (size_t at = 0; at < ops.size(); at += kDaemonBatch) {
      const size_t end = std::min(ops.size(), at + kDaemonBatch);
      v1::OperationList list;
      for (size_t i = at; i < end; ++i) *list.add_operations() = ops[i];
      BRS_ASSIGN_OR_RETURN(
          std::string body,
          Call(link_.client->Unary(procedure, list.SerializeAsString(), link_.auth, 60'000)));
      Response resp;
      if (!resp.ParseFromString(body) || count(resp) != static_cast<int>(end - at)) {
        return Internal("the daemon's answer to " + std::string(name) + " is malformed");
      }
      for (size_t i = at; i < end; ++i) apply(resp, static_cast<int>(i - at), ops[i]);
    }
    return Status();
  }

  Status Add(std::vector<v1::Operation>& ops) override {
    return SendOps<admin::v1::AddOpsResponse>(
        kAdminAddOps, "AddOperations", ops, [](const auto& r) { return r.ids_size(); },
        [](const auto& r, int k, v1::Operation& op) { op.set_id(r.ids(k)); });
  }

  Status Update(std::vector<v1::Operation>& ops) override {
    return SendOps<admin::v1::UpdateOpsResponse>(
        kAdminUpdateOps, "UpdateOperations", ops, [](const auto& r) { return r.modnos_size(); },
        [](const auto& r, int k, v1::Operation& op) { op.set_modno(r.modnos(k)); });
  }

  StatusOr<size_t> Delete(std::span<const int64_t> ids) override {
    size_t deleted = 0;
    for (size_t at = 0; at < ids.size(); at += kDaemonBatch) {
      admin::v1::DeleteOpsRequest req;
      for (size_t i = at; i < std::min(ids.size(), at + kDaemonBatch); ++i) req.add_ids(ids[i]);
      BRS_ASSIGN_OR_RETURN(
          std::string body,
          Call(link_.client->Unary(kAdminDeleteOps, req.SerializeAsString(), link_.auth, 60'000)));
      admin::v1::DeleteOpsResponse resp;
      if (!resp.ParseFromString(body)) {
        return Internal("the daemon's answer to DeleteOperations is malformed");
      }
      deleted += static_cast<size_t>(resp.deleted());
    }
    return deleted;
  }

  // Page by page, each asking for the ops below the last one received.
  StatusOr<std::vector<v1::Operation>> Query(const admin::v1::OpsQuery& q) override {
    std::vector<v1::Operation> out;
    admin::v1::OpsQuery page_query = q;
    for (;;) {
      if (q.limit() > 0) page_query.set_limit(q.limit() - static_cast<int64_t>(out.size()));
      BRS_ASSIGN_OR_RETURN(std::string body,
                           Call(link_.client->Unary(kAdminQueryOps, page_query.SerializeAsString(),
                                                    link_.auth, 60'000)));
      admin::v1::OpsPage page;
      if (!page.ParseFromString(body)) {
        return Internal("the daemon's answer to QueryOperations is malformed");
      }
      for (auto& op : *page.mutable_operations()) out.push_back(std::move(op));
      if (!page.more() || page.operations_size() == 0) return out;
      if (q.limit() > 0 && out.size() >= static_cast<size_t>(q.limit())) return out;
      const int64_t last = out.back().id();
      if (page_query.before_id() > 0 && last >= page_query.before_id()) {
        return Internal("the daemon's QueryOperations pages do not advance");
      }
      page_query.set_before_id(last);
    }
  }

  StatusOr<OpCounts> Count() override {
    BRS_ASSIGN_OR_RETURN(std::string body,
                         Call(link_.client->Unary(kAdminStatus, "", link_.auth, 10'000)));
    admin::v1::StatusResponse s;
    if (!s.ParseFromString(body)) return Internal("the daemon's status answer is malformed");
    return OpCounts{s.ops_local(), s.ops_synced()};
  }

  std::string_view kind() const override { return "daemon"; }

 private:
  // Names the daemon in transport errors.
  StatusOr<std::string> Call(StatusOr<std::string> r) {
    if (r.ok()) return r;
    const Status& st = r.status();
    if (st.code() == Code::kUnavailable || st.code() == Code::kDeadlineExceeded) {
      return Status(st.code(), "the daemon at " + link_.base_url +
                                   " holds the oplog but does not answer: " + st.message());
    }
    return st;
  }

  DaemonLink link_;
};

}  // namespace

StatusOr<std::unique_ptr<OpsBackend>> OpenDirectOpsBackend(const DataDir& dir) {
  store::OplogStore::Options o;
  o.path = dir.oplog();
  BRS_ASSIGN_OR_RETURN(auto store, store::OplogStore::Open(o));
  return std::unique_ptr<OpsBackend>(new DirectOpsBackend(std::move(store)));
}

StatusOr<std::unique_ptr<OpsBackend>> OpenOpsBackend(const DataDir& dir) {
  auto direct = OpenDirectOpsBackend(dir);
  if (direct.ok() || direct.status().code() != Code::kUnavailable) return direct;
  auto link = FindDaemon(dir);
  if (!link) {
    return Unavailable(dir.oplog() + " is held by another process (a daemon?) but no daemon " +
                       "address is advertised in " + dir.daemon_info() + ": " +
                       direct.status().message());
  }
  return std::unique_ptr<OpsBackend>(new DaemonOpsBackend(std::move(*link)));
}

}  // namespace brs::app
