#include "app/admin_service.h"

#include <condition_variable>
#include <deque>

#include "app/admin_trust.h"
#include "app/auth_policy.h"
#include "app/health_report.h"
#include "app/log.h"
#include "app/oplog_actions.h"
#include "app/web_service.h"
#include "base/secret.h"
#include "brs/admin.pb.h"
#include "v1/operations.pb.h"

namespace brs::app {
namespace {

// The admin token is required whatever the config's auth section says
// (or, from the dashboard, a session cookie with its CSRF header); a
// refusal is logged once, without what was presented.
Status CheckToken(const AdminContext* ctx, const rpc::CallInfo& info) {
  const std::string* a = rpc::FindHeader(info.headers, "authorization");
  if (a == nullptr && ctx->web_sessions != nullptr && rpc::FindHeader(info.headers, "cookie")) {
    auto session = CheckWebSession(*ctx->web_sessions, info);
    if (session.ok()) return Status();
    LogAuthRefusal(info, session.status());
    return session.status();
  }
  const std::string want = "Bearer " + ctx->admin_token;
  if (a != nullptr && !ctx->admin_token.empty() && ConstantTimeEqual(*a, want)) return Status();
  Status refused = Unauthenticated(
      a == nullptr ? "admin token required (the CLI reads it from the data directory)"
                   : "invalid admin token");
  LogAuthRefusal(info, refused);
  return refused;
}

// A unary admin procedure: the token checked, the body parsed as a
// Request, `fn`'s Response serialized.
template <typename Request, typename Response, typename Fn>
void HandleAdminUnary(rpc::Server& server, std::string_view path, const AdminContext* ctx, Fn fn) {
  static const Request kRequest;
  static const Response kResponse;
  server.HandleUnary(
      std::string(path),
      [ctx, fn](const rpc::CallInfo& info, std::string_view body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        Request req;
        if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return InvalidArgument("malformed " + std::string(Request::descriptor()->name()));
        }
        BRS_ASSIGN_OR_RETURN(Response resp, fn(req));
        return resp.SerializeAsString();
      },
      {&kRequest, &kResponse});
}

// The live session with a peer: a client of this hub, else a hub this
// instance is a client of. A Backrest hub cannot serve logs: FetchLog on
// its session says so (it did not announce log transfer).
StatusOr<std::shared_ptr<sync::SessionHandle>> FindPeerSession(const AdminContext* ctx,
                                                               const std::string& keyid) {
  if (std::shared_ptr<sync::SessionHandle> hub_side = ctx->sync->sessions().Find(keyid)) {
    return hub_side;
  }
  if (auto client_side = ctx->sync->ClientSession(keyid)) {
    if (!client_side->peer().keyid().empty()) {
      return std::shared_ptr<sync::SessionHandle>(client_side);
    }
  }
  return NotFound("peer " + keyid + " is not connected");
}

// PushConfig: SetRemoteClientConfig, then the client's outcome within
// wait_ms (StateService::PushConfigAndWait).
StatusOr<admin::v1::PushConfigResponse> PushConfig(const AdminContext* ctx,
                                                   const admin::v1::PushConfigRequest& req) {
  if (req.wait_ms() < 0 || req.wait_ms() > kMaxPushWaitMs) {
    return InvalidArgument("wait_ms must be 0 to " + std::to_string(kMaxPushWaitMs));
  }
  BRS_ASSIGN_OR_RETURN(auto outcome, ctx->sync->state().PushConfigAndWait(
                                         req.request(), std::chrono::milliseconds(req.wait_ms())));
  admin::v1::PushConfigResponse resp;
  using Kind = sync::PushOutcome::Kind;
  resp.set_outcome(outcome.kind == Kind::kApplied ? admin::v1::PushConfigResponse::OUTCOME_APPLIED
                   : outcome.kind == Kind::kRefused
                       ? admin::v1::PushConfigResponse::OUTCOME_REFUSED
                       : admin::v1::PushConfigResponse::OUTCOME_UNKNOWN);
  resp.set_message(outcome.message);
  return resp;
}

// UpdateConfig: the CLI's change, written and applied (subscribers run)
// before the answer.
StatusOr<admin::v1::UpdateConfigResponse> UpdateConfig(const AdminContext* ctx,
                                                       const admin::v1::UpdateConfigRequest& req) {
  if (req.config().multihost().has_identity()) {
    return InvalidArgument("UpdateConfig does not take an identity; the daemon keeps its own");
  }
  BRS_ASSIGN_OR_RETURN(auto cfg, ctx->config->Update([&](v1::Config& c) {
    if (c.modno() != req.base_modno()) {
      return Status(Code::kAborted, "config.json changed meanwhile (modno " +
                                        std::to_string(c.modno()) + ", not " +
                                        std::to_string(req.base_modno()) + ")");
    }
    v1::Config next = req.config();
    *next.mutable_multihost()->mutable_identity() = c.multihost().identity();
    next.set_modno(c.modno());
    c = std::move(next);
    return Status();
  }));
  LogInfo("config changed through the admin API", {{"modno", std::to_string(cfg->modno())}});
  admin::v1::UpdateConfigResponse resp;
  resp.set_modno(cfg->modno());
  return resp;
}

// Ops per QueryOperations page, and the bytes after which a page ends
// (well under the RPC message limit; one op is at most 4 MiB).
constexpr size_t kPageOps = 5000;
constexpr size_t kPageBytes = 8 << 20;

std::vector<v1::Operation> OpsOf(const v1::OperationList& list) {
  return {list.operations().begin(), list.operations().end()};
}

// Add, query (one page), update and delete operations.
void RegisterOpsProcedures(rpc::Server& server, const AdminContext* ctx) {
  HandleAdminUnary<v1::OperationList, admin::v1::AddOpsResponse>(
      server, kAdminAddOps, ctx,
      [ctx](const v1::OperationList& list) -> StatusOr<admin::v1::AddOpsResponse> {
        std::vector<v1::Operation> ops = OpsOf(list);
        BRS_RETURN_IF_ERROR(AddLocalOps(*ctx->oplog, ops));
        admin::v1::AddOpsResponse resp;
        for (const auto& op : ops) resp.add_ids(op.id());
        return resp;
      });
  HandleAdminUnary<admin::v1::OpsQuery, admin::v1::OpsPage>(
      server, kAdminQueryOps, ctx, [ctx](const admin::v1::OpsQuery& q) {
        return QueryOpsPage(*ctx->oplog, q, kPageOps, kPageBytes);
      });
  HandleAdminUnary<v1::OperationList, admin::v1::UpdateOpsResponse>(
      server, kAdminUpdateOps, ctx,
      [ctx](const v1::OperationList& list) -> StatusOr<admin::v1::UpdateOpsResponse> {
        std::vector<v1::Operation> ops = OpsOf(list);
        BRS_RETURN_IF_ERROR(UpdateLocalOps(*ctx->oplog, ops));
        admin::v1::UpdateOpsResponse resp;
        for (const auto& op : ops) resp.add_modnos(op.modno());
        return resp;
      });
  HandleAdminUnary<admin::v1::DeleteOpsRequest, admin::v1::DeleteOpsResponse>(
      server, kAdminDeleteOps, ctx,
      [ctx](const admin::v1::DeleteOpsRequest& req) -> StatusOr<admin::v1::DeleteOpsResponse> {
        std::vector<int64_t> ids(req.ids().begin(), req.ids().end());
        BRS_ASSIGN_OR_RETURN(size_t n, DeleteLocalOps(*ctx->oplog, ids));
        admin::v1::DeleteOpsResponse resp;
        resp.set_deleted(static_cast<int64_t>(n));
        return resp;
      });
}

Status WriteLogChunk(rpc::Stream& stream, std::string data) {
  admin::v1::LogChunk c;
  c.set_data(std::move(data));
  return stream.Write(c.SerializeAsString());
}

// Relays a log fetched from a peer's session, chunk by chunk as it comes.
Status RelayPeerLog(const AdminContext* ctx, const admin::v1::FetchLogRequest& req,
                    rpc::Stream& stream) {
  BRS_ASSIGN_OR_RETURN(auto session, FindPeerSession(ctx, req.peer_keyid()));
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> chunks;
  bool done = false;
  Status outcome;
  BRS_RETURN_IF_ERROR(
      session->FetchLog(req.log_id(), [&](std::string_view chunk, bool d, const Status& st) {
        std::lock_guard lock(mu);
        if (!chunk.empty()) chunks.emplace_back(chunk);
        if (d) {
          done = true;
          outcome = st;
        }
        cv.notify_all();
      }));
  for (;;) {
    std::deque<std::string> batch;
    bool finished;
    {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return done || !chunks.empty(); })) {
        return Status(Code::kDeadlineExceeded, "the peer did not send the log in time");
      }
      batch.swap(chunks);
      finished = done;
    }
    for (auto& c : batch) BRS_RETURN_IF_ERROR(WriteLogChunk(stream, std::move(c)));
    if (finished) return outcome;
  }
}

// FetchLog: this instance's log from its log store, or a peer's.
void RegisterFetchLog(rpc::Server& server, const AdminContext* ctx) {
  static const admin::v1::FetchLogRequest kFetch;
  static const admin::v1::LogChunk kChunk;
  server.HandleServerStream(
      std::string(kAdminFetchLog),
      [ctx](const rpc::CallInfo& info, rpc::Stream& stream) -> Status {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        std::string body;
        BRS_ASSIGN_OR_RETURN(auto r, stream.Read(&body));
        admin::v1::FetchLogRequest req;
        if (r != rpc::Stream::ReadResult::kMessage || !req.ParseFromString(body)) {
          return InvalidArgument("expected one FetchLogRequest");
        }
        if (!req.peer_keyid().empty()) return RelayPeerLog(ctx, req, stream);
        if (ctx->logs == nullptr) return NotFound("no log store");
        return ctx->logs->ReadChunks(
            req.log_id(), 0, store::kLogChunkBytes,
            [&](std::string_view chunk) { return WriteLogChunk(stream, std::string(chunk)).ok(); });
      },
      {&kFetch, &kChunk});
}

admin::v1::StatusResponse DaemonStatus(const AdminContext* ctx) {
  auto cfg = ctx->config->Get();
  admin::v1::StatusResponse s;
  s.set_instance(cfg->instance());
  s.set_keyid(cfg->multihost().identity().keyid());
  s.set_listen(ctx->listen);
  s.set_config_modno(cfg->modno());
  auto count = ctx->oplog->Count({});
  const int64_t total = count.ok() ? *count : 0;
  int64_t from_peers = 0;
  (void)ctx->oplog->ScanMetadata(store::OpQuery{}, [&](const store::OpMetadata& m) {
    if (!m.original_instance_keyid.empty()) ++from_peers;
    return true;
  });
  s.set_ops_local(total - from_peers);
  s.set_ops_synced(from_peers);
  int32_t connected = 0;
  if (auto states = ctx->sync->state().Snapshot(); states.ok()) {
    for (const auto& st : *states) connected += st.state() == v1sync::CONNECTION_STATE_CONNECTED;
  }
  s.set_peers_connected(connected);
  s.set_started_unix(ctx->started_unix);
  s.set_version(BRS_VERSION);
  return s;
}

}  // namespace

StatusOr<health::v1::HealthReport> DaemonHealth(const AdminContext* ctx,
                                                const health::v1::HealthRequest& req) {
  HealthSources src;
  auto cfg = ctx->config->Get();
  src.config = cfg.get();
  BRS_ASSIGN_OR_RETURN(src.peers, ctx->sync->state().Snapshot());
  BRS_ASSIGN_OR_RETURN(src.settings, LoadHealthSettings(ctx->dir));
  src.now = ctx->env->NowWall();
  src.instance_filter = req.instance_id();
  src.include_self = req.include_self();
  return BuildHealthReport(*ctx->oplog, src);
}

void RegisterAdminService(rpc::Server& server, const AdminContext* ctx) {
  RegisterOpsProcedures(server, ctx);
  RegisterFetchLog(server, ctx);
  HandleAdminUnary<admin::v1::PushConfigRequest, admin::v1::PushConfigResponse>(
      server, kAdminPushConfig, ctx,
      [ctx](const admin::v1::PushConfigRequest& req) { return PushConfig(ctx, req); });
  HandleAdminUnary<admin::v1::UpdateConfigRequest, admin::v1::UpdateConfigResponse>(
      server, kAdminUpdateConfig, ctx,
      [ctx](const admin::v1::UpdateConfigRequest& req) { return UpdateConfig(ctx, req); });
  HandleAdminUnary<health::v1::HealthRequest, health::v1::HealthReport>(
      server, kAdminHealth, ctx,
      [ctx](const health::v1::HealthRequest& req) { return DaemonHealth(ctx, req); });
  HandleAdminUnary<admin::v1::StatusRequest, admin::v1::StatusResponse>(
      server, kAdminStatus, ctx, [ctx](const admin::v1::StatusRequest&) {
        return StatusOr<admin::v1::StatusResponse>(DaemonStatus(ctx));
      });
  RegisterAdminTrust(server, ctx, CheckToken);
}

}  // namespace brs::app
