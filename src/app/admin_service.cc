#include "app/admin_service.h"

#include <condition_variable>

#include "app/auth_policy.h"
#include "app/oplog_actions.h"
#include "base/secret.h"
#include "brs/admin.pb.h"
#include "v1/operations.pb.h"

namespace brs::app {
namespace {

// The admin token is required whatever the config's auth section says;
// a refusal is logged once, without what was presented.
Status CheckToken(const AdminContext* ctx, const rpc::CallInfo& info) {
  const std::string* a = rpc::FindHeader(info.headers, "authorization");
  const std::string want = "Bearer " + ctx->admin_token;
  if (a != nullptr && !ctx->admin_token.empty() && ConstantTimeEqual(*a, want)) return Status();
  Status refused = Unauthenticated(
      a == nullptr ? "admin token required (the CLI reads it from the data directory)"
                   : "invalid admin token");
  LogAuthRefusal(info, refused);
  return refused;
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
void RegisterPushConfig(rpc::Server& server, const AdminContext* ctx) {
  static const admin::v1::PushConfigRequest kPushReq;
  static const admin::v1::PushConfigResponse kPushResp;
  server.HandleUnary(
      std::string(kAdminPushConfig),
      [ctx](const rpc::CallInfo& info, std::string_view body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        admin::v1::PushConfigRequest req;
        if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return InvalidArgument("malformed PushConfigRequest");
        }
        if (req.wait_ms() < 0 || req.wait_ms() > kMaxPushWaitMs) {
          return InvalidArgument("wait_ms must be 0 to " + std::to_string(kMaxPushWaitMs));
        }
        BRS_ASSIGN_OR_RETURN(auto outcome,
                             ctx->sync->state().PushConfigAndWait(
                                 req.request(), std::chrono::milliseconds(req.wait_ms())));
        admin::v1::PushConfigResponse resp;
        using Kind = sync::PushOutcome::Kind;
        resp.set_outcome(
            outcome.kind == Kind::kApplied   ? admin::v1::PushConfigResponse::OUTCOME_APPLIED
            : outcome.kind == Kind::kRefused ? admin::v1::PushConfigResponse::OUTCOME_REFUSED
                                             : admin::v1::PushConfigResponse::OUTCOME_UNKNOWN);
        resp.set_message(outcome.message);
        return resp.SerializeAsString();
      },
      {&kPushReq, &kPushResp});
}

// Ops per QueryOperations page, and the bytes after which a page ends
// (well under the RPC message limit; one op is at most 4 MiB).
constexpr size_t kPageOps = 5000;
constexpr size_t kPageBytes = 8 << 20;

template <typename Message>
StatusOr<Message> ParseBody(std::string_view body, const char* what) {
  Message m;
  if (!m.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgument(std::string("malformed ") + what);
  }
  return m;
}

// Add, query (one page), update and delete operations.
void RegisterOpsProcedures(rpc::Server& server, const AdminContext* ctx) {
  static const v1::OperationList kOpList;
  static const admin::v1::AddOpsResponse kAddResp;
  static const admin::v1::OpsQuery kQuery;
  static const admin::v1::OpsPage kPage;
  static const admin::v1::UpdateOpsResponse kUpdateResp;
  static const admin::v1::DeleteOpsRequest kDeleteReq;
  static const admin::v1::DeleteOpsResponse kDeleteResp;
  using Body = std::string_view;

  server.HandleUnary(
      std::string(kAdminAddOps),
      [ctx](const rpc::CallInfo& info, Body body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        BRS_ASSIGN_OR_RETURN(auto list, ParseBody<v1::OperationList>(body, "OperationList"));
        std::vector<v1::Operation> ops(list.operations().begin(), list.operations().end());
        BRS_RETURN_IF_ERROR(AddLocalOps(*ctx->oplog, ops));
        admin::v1::AddOpsResponse resp;
        for (const auto& op : ops) resp.add_ids(op.id());
        return resp.SerializeAsString();
      },
      {&kOpList, &kAddResp});

  server.HandleUnary(
      std::string(kAdminQueryOps),
      [ctx](const rpc::CallInfo& info, Body body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        BRS_ASSIGN_OR_RETURN(auto q, ParseBody<admin::v1::OpsQuery>(body, "OpsQuery"));
        BRS_ASSIGN_OR_RETURN(auto page, QueryOpsPage(*ctx->oplog, q, kPageOps, kPageBytes));
        return page.SerializeAsString();
      },
      {&kQuery, &kPage});

  server.HandleUnary(
      std::string(kAdminUpdateOps),
      [ctx](const rpc::CallInfo& info, Body body) -> StatusOr<std::string> {
        BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
        BRS_ASSIGN_OR_RETURN(auto list, ParseBody<v1::OperationList>(body, "OperationList"));
        std::vector<v1::Operation> ops(list.operations().begin(), list.operations().end());
        BRS_RETURN_IF_ERROR(UpdateLocalOps(*ctx->oplog, ops));
        admin::v1::UpdateOpsResponse resp;
        for (const auto& op : ops) resp.add_modnos(op.modno());
        return resp.SerializeAsString();
      },
      {&kOpList, &kUpdateResp});

  server.HandleUnary(std::string(kAdminDeleteOps),
                     [ctx](const rpc::CallInfo& info, Body body) -> StatusOr<std::string> {
                       BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
                       BRS_ASSIGN_OR_RETURN(
                           auto req, ParseBody<admin::v1::DeleteOpsRequest>(body, "request"));
                       std::vector<int64_t> ids(req.ids().begin(), req.ids().end());
                       BRS_ASSIGN_OR_RETURN(size_t n, DeleteLocalOps(*ctx->oplog, ids));
                       admin::v1::DeleteOpsResponse resp;
                       resp.set_deleted(static_cast<int64_t>(n));
                       return resp.SerializeAsString();
                     },
                     {&kDeleteReq, &kDeleteResp});
}

}  // namespace

void RegisterAdminService(rpc::Server& server, const AdminContext* ctx) {
  static const admin::v1::FetchLogRequest kFetch;
  static const admin::v1::LogChunk kChunk;
  static const admin::v1::StatusRequest kStatusReq;
  static const admin::v1::StatusResponse kStatusResp;

  RegisterOpsProcedures(server, ctx);

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
        if (req.peer_keyid().empty()) {
          if (ctx->logs == nullptr) return NotFound("no log store");
          return ctx->logs->ReadChunks(req.log_id(), 0, store::kLogChunkBytes,
                                       [&](std::string_view chunk) {
                                         admin::v1::LogChunk c;
                                         c.set_data(std::string(chunk));
                                         return stream.Write(c.SerializeAsString()).ok();
                                       });
        }
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
            if (!cv.wait_for(lock, std::chrono::seconds(60),
                             [&] { return done || !chunks.empty(); })) {
              return Status(Code::kDeadlineExceeded, "the peer did not send the log in time");
            }
            batch.swap(chunks);
            finished = done;
          }
          for (auto& c : batch) {
            admin::v1::LogChunk lc;
            lc.set_data(std::move(c));
            BRS_RETURN_IF_ERROR(stream.Write(lc.SerializeAsString()));
          }
          if (finished) return outcome;
        }
      },
      {&kFetch, &kChunk});

  RegisterPushConfig(server, ctx);

  server.HandleUnary(std::string(kAdminStatus),
                     [ctx](const rpc::CallInfo& info, std::string_view) -> StatusOr<std::string> {
                       BRS_RETURN_IF_ERROR(CheckToken(ctx, info));
                       auto cfg = ctx->config->Get();
                       admin::v1::StatusResponse s;
                       s.set_instance(cfg->instance());
                       s.set_keyid(cfg->multihost().identity().keyid());
                       s.set_listen(ctx->listen);
                       store::OpQuery synced;
                       auto count = ctx->oplog->Count({});
                       const int64_t total = count.ok() ? *count : 0;
                       int64_t from_peers = 0;
                       (void)ctx->oplog->ScanMetadata(synced, [&](const store::OpMetadata& m) {
                         if (!m.original_instance_keyid.empty()) ++from_peers;
                         return true;
                       });
                       s.set_ops_local(total - from_peers);
                       s.set_ops_synced(from_peers);
                       int32_t connected = 0;
                       if (auto states = ctx->sync->state().Snapshot(); states.ok()) {
                         for (const auto& st : *states)
                           connected += st.state() == v1sync::CONNECTION_STATE_CONNECTED;
                       }
                       s.set_peers_connected(connected);
                       s.set_started_unix(ctx->started_unix);
                       s.set_version(BRS_VERSION);
                       return s.SerializeAsString();
                     },
                     {&kStatusReq, &kStatusResp});
}

}  // namespace brs::app
