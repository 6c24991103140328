#include "app/ops_backend.h"

#include "app/admin_service.h"
#include "app/daemon_link.h"
#include "store/oplog_store.h"

namespace brs::app {
namespace {

// Ops per admin call: keeps each message well under the RPC size limit.
constexpr size_t kDaemonBatch = 2000;

class DirectOpsBackend final : public OpsBackend {
 public:
  explicit DirectOpsBackend(std::unique_ptr<store::OplogStore> store) : store_(std::move(store)) {}

  Status Add(std::vector<v1::Operation>& ops) override { return store_->Add(ops); }

  StatusOr<std::vector<v1::Operation>> Query(const admin::v1::OpsQuery& q) override {
    return store_->Query(
        QueryFromFlags(q.peer_keyid(), q.instance_id(), q.repo_id(), q.plan_id(), q.limit()));
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

  Status Add(std::vector<v1::Operation>& ops) override {
    for (size_t at = 0; at < ops.size(); at += kDaemonBatch) {
      const size_t end = std::min(ops.size(), at + kDaemonBatch);
      v1::OperationList list;
      for (size_t i = at; i < end; ++i) *list.add_operations() = ops[i];
      BRS_ASSIGN_OR_RETURN(
          std::string body,
          Call(link_.client->Unary(kAdminAddOps, list.SerializeAsString(), link_.auth, 60'000)));
      admin::v1::AddOpsResponse resp;
      if (!resp.ParseFromString(body) || resp.ids_size() != static_cast<int>(end - at)) {
        return Internal("the daemon's answer to AddOperations is malformed");
      }
      for (size_t i = at; i < end; ++i) ops[i].set_id(resp.ids(static_cast<int>(i - at)));
    }
    return Status();
  }

  StatusOr<std::vector<v1::Operation>> Query(const admin::v1::OpsQuery& q) override {
    BRS_ASSIGN_OR_RETURN(
        std::string body,
        Call(link_.client->Unary(kAdminQueryOps, q.SerializeAsString(), link_.auth, 60'000)));
    v1::OperationList list;
    if (!list.ParseFromString(body)) {
      return Internal("the daemon's answer to QueryOperations is malformed");
    }
    return std::vector<v1::Operation>(list.operations().begin(), list.operations().end());
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
