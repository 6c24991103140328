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

// How long an Events stream stays silent before it sends a "tick": a
// keep-alive, so that a client that went away is found by the failed write
// (and proxies keep the connection open). Changes are sent as they happen.
constexpr auto kEventsKeepAlive = std::chrono::seconds(15);

// Events: "hello", then one message per change, sent as it happens: an op
// event or a peer-state change wakes the stream, which sends what arrived
// meanwhile as one message (so a burst is coalesced while a write is in
// progress). Stop ends it at once.
Status StreamEvents(WebContext* ctx, const rpc::CallInfo& call, rpc::Stream& stream) {
  if (auto s = CheckWebSession(*ctx->sessions, call); !s.ok()) {
    LogAuthRefusal(call, s.status());
    return s.status();
  }
  std::string ignored;
  BRS_RETURN_IF_ERROR(stream.Read(&ignored, call.deadline_ms).status());
  struct Pending {
    int64_t ops = 0;
    bool peers = false;
  };
  // Shared with the callbacks, which may run after this stream ended (an
  // unsubscribe waits for none in progress on another thread).
  auto pending = std::make_shared<Pending>();
  const auto op_sub = ctx->oplog->Subscribe(nullptr, [ctx, pending](const store::OpEvent& e) {
    {
      std::lock_guard lock(ctx->mu);
      pending->ops += static_cast<int64_t>(e.ops.size());
    }
    ctx->changed.notify_all();
  });
  const auto peer_sub = ctx->peers->Subscribe([ctx, pending](const v1sync::PeerState&) {
    {
      std::lock_guard lock(ctx->mu);
      pending->peers = true;
    }
    ctx->changed.notify_all();
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
  while (result.ok()) {
    Pending now;
    {
      std::unique_lock lock(ctx->mu);
      const bool news = ctx->changed.wait_for(lock, kEventsKeepAlive, [&] {
        return ctx->stopping || pending->ops > 0 || pending->peers;
      });
      if (ctx->stopping) break;
      if (!news) {
        lock.unlock();
        result = send("tick", 0);
        continue;
      }
      std::swap(now, *pending);
    }
    if (now.ops > 0) result = send("ops", now.ops);
    if (result.ok() && now.peers) result = send("peers", 0);
  }
  ctx->oplog->Unsubscribe(op_sub);
  ctx->peers->Unsubscribe(peer_sub);
  return result.ok() ? Status() : Status(Code::kCanceled, "client went away");
}

}  // namespace

void WebContext::Stop() {
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  changed.notify_all();
}

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
