#include "app/web_service.h"

#include <condition_variable>

#include "app/auth_policy.h"
#include "app/log.h"
#include "app/web_static.h"
#include "base/encoding.h"
#include "brs/web.pb.h"

namespace brs::app {
namespace {

constexpr size_t kMaxUsername = 256;
constexpr size_t kMaxPassword = 1024;

std::string CookieOf(const rpc::CallInfo& call) {
  const std::string* c = rpc::FindHeader(call.headers, "cookie");
  return c == nullptr ? std::string() : CookieValue(*c, kWebCookie);
}

template <typename Request, typename Response, typename Fn>
void HandleWebUnary(rpc::Server& server, std::string_view path, Fn fn) {
  static const Request kRequest;
  static const Response kResponse;
  server.HandleUnary(
      std::string(path),
      [fn](const rpc::CallInfo& info, std::string_view body) -> StatusOr<std::string> {
        Request req;
        if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
          return InvalidArgument("malformed " + std::string(Request::descriptor()->name()));
        }
        BRS_ASSIGN_OR_RETURN(Response resp, fn(info, req));
        return resp.SerializeAsString();
      },
      {&kRequest, &kResponse});
}

// The Authorization header the state service would have been sent.
std::string AuthorizationFor(const web::v1::LoginRequest& req) {
  if (req.username().empty()) return "Bearer " + req.password();
  const std::string pair = req.username() + ":" + req.password();
  return "Basic " + Base64Encode(reinterpret_cast<const uint8_t*>(pair.data()), pair.size(),
                                 Base64Alphabet::kStandard, Base64Padding::kPadded);
}

StatusOr<web::v1::SessionInfo> Login(WebContext* ctx, const rpc::CallInfo& call,
                                     const web::v1::LoginRequest& req) {
  if (req.username().size() > kMaxUsername || req.password().size() > kMaxPassword) {
    return InvalidArgument("user name or password too long");
  }
  auto auth = ctx->auth();
  const bool disabled = auth->Authenticate("").ok();
  const std::string who = req.username().empty() ? "(admin token)" : req.username();
  if (!disabled) {
    if (Status admit = ctx->sessions->AdmitLogin(who); !admit.ok()) {
      LogWarn("dashboard login refused", {{"user", who}, {"reason", admit.message()}});
      return admit;
    }
  }
  auto principal =
      disabled ? StatusOr<std::string>("anonymous") : auth->Authenticate(AuthorizationFor(req));
  if (!principal.ok()) {
    ctx->sessions->RecordFailure(who);
    LogAuthRefusal(
        call, Unauthenticated("dashboard login for " + who + ": " + principal.status().message()));
    return Unauthenticated("wrong user name or password");
  }
  ctx->sessions->RecordSuccess(who);
  BRS_ASSIGN_OR_RETURN(WebSession s, ctx->sessions->Create(*principal));
  call.response_headers.emplace_back("set-cookie", SessionCookie(s.id, ctx->tls, 12 * 3600));
  LogInfo("dashboard login", {{"principal", *principal}});
  web::v1::SessionInfo out;
  out.set_csrf_token(s.csrf);
  out.set_principal(s.principal);
  out.set_auth_disabled(disabled);
  return out;
}

// Events: "hello", then one message per burst of changes.
Status StreamEvents(WebContext* ctx, const rpc::CallInfo& call, rpc::Stream& stream) {
  if (auto s = CheckWebSession(*ctx->sessions, call); !s.ok()) {
    LogAuthRefusal(call, s.status());
    return s.status();
  }
  std::string ignored;
  BRS_RETURN_IF_ERROR(stream.Read(&ignored, call.deadline_ms).status());
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    int64_t ops = 0;
    bool peers = false;
  };
  auto shared = std::make_shared<Shared>();
  const auto op_sub = ctx->oplog->Subscribe(nullptr, [shared](const store::OpEvent& e) {
    std::lock_guard lock(shared->mu);
    shared->ops += static_cast<int64_t>(e.ops.size());
    shared->cv.notify_all();
  });
  const auto peer_sub = ctx->peers->Subscribe([shared](const v1sync::PeerState&) {
    std::lock_guard lock(shared->mu);
    shared->peers = true;
    shared->cv.notify_all();
  });
  int64_t seq = 0;
  auto send = [&](const std::string& kind, int64_t ops) {
    web::v1::Event ev;
    ev.set_seq(seq++);
    ev.set_kind(kind);
    ev.set_op_count(ops);
    return stream.Write(ev.SerializeAsString());
  };
  Status result = send("hello", 0);
  int idle_rounds = 0;
  while (result.ok() && !ctx->stopping.load()) {
    int64_t ops = 0;
    bool peers = false;
    {
      std::unique_lock lock(shared->mu);
      // A real-time wait: it only paces the stream (coalescing bursts and
      // noticing a stop); nothing is decided from it.
      shared->cv.wait_for(lock, std::chrono::milliseconds(250));
      std::swap(ops, shared->ops);
      std::swap(peers, shared->peers);
    }
    if (ops > 0) {
      result = send("ops", ops);
    } else if (peers) {
      result = send("peers", 0);
    } else if (++idle_rounds >= 60) {  // every 15 s: finds a client that has gone
      result = send("tick", 0);
    } else {
      continue;
    }
    idle_rounds = 0;
  }
  ctx->oplog->Unsubscribe(op_sub);
  ctx->peers->Unsubscribe(peer_sub);
  return result.ok() ? Status() : Status(Code::kCanceled, "client went away");
}

}  // namespace

std::string SessionCookie(std::string_view id, bool secure, int64_t max_age_s) {
  std::string c =
      std::string(kWebCookie) + "=" + std::string(id) +
      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(id.empty() ? 0 : max_age_s);
  if (secure) c += "; Secure";
  return c;
}

StatusOr<WebSession> CheckWebSession(WebSessions& sessions, const rpc::CallInfo& call) {
  const std::string id = CookieOf(call);
  if (id.empty()) return Unauthenticated("no session cookie: log in");
  const std::string* csrf = rpc::FindHeader(call.headers, std::string(kWebCsrfHeader));
  return sessions.Check(id, csrf == nullptr ? std::string_view() : std::string_view(*csrf));
}

void RegisterWebService(rpc::Server& server, WebContext* ctx) {
  static const WebStatic files(kWebAssets, kWebAssetCount);
  for (const std::string& path : files.paths()) {
    server.HandleGet(path,
                     [](const std::string& p, const rpc::Headers& h) { return files.Serve(p, h); });
  }
  HandleWebUnary<web::v1::LoginRequest, web::v1::SessionInfo>(
      server, kWebLogin, [ctx](const rpc::CallInfo& call, const web::v1::LoginRequest& req) {
        return Login(ctx, call, req);
      });
  HandleWebUnary<web::v1::SessionRequest, web::v1::SessionInfo>(
      server, kWebSession,
      [ctx](const rpc::CallInfo& call,
            const web::v1::SessionRequest&) -> StatusOr<web::v1::SessionInfo> {
        auto s = ctx->sessions->Find(CookieOf(call));
        if (!s) return Unauthenticated("no session or session expired: log in");
        web::v1::SessionInfo out;
        out.set_csrf_token(s->csrf);
        out.set_principal(s->principal);
        out.set_auth_disabled(s->principal == "anonymous");
        return out;
      });
  HandleWebUnary<web::v1::LogoutRequest, web::v1::LogoutResponse>(
      server, kWebLogout,
      [ctx](const rpc::CallInfo& call,
            const web::v1::LogoutRequest&) -> StatusOr<web::v1::LogoutResponse> {
        BRS_ASSIGN_OR_RETURN(WebSession s, CheckWebSession(*ctx->sessions, call));
        ctx->sessions->Remove(s.id);
        call.response_headers.emplace_back("set-cookie", SessionCookie("", ctx->tls, 0));
        return web::v1::LogoutResponse();
      });
  static const web::v1::EventsRequest kEventsRequest;
  static const web::v1::Event kEvent;
  server.HandleServerStream(std::string(kWebEvents),
                            [ctx](const rpc::CallInfo& call, rpc::Stream& stream) {
                              return StreamEvents(ctx, call, stream);
                            },
                            {&kEventsRequest, &kEvent});
}

}  // namespace brs::app
