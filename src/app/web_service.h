// The dashboard on the daemon's port: its built-in files over GET (/ and
// web/'s files, app/web_static.h) and its login API, brs.web.v1.Web
// (proto/brs/web.proto): Login checks the same credentials as the state
// service (a Backrest user from auth.users, or the admin token; anyone
// when auth is disabled) and answers an HttpOnly SameSite=Strict session
// cookie (Secure over TLS) and a CSRF token; Session tells the page its
// CSRF token again after a reload; Logout ends the session; Events streams
// a message on every op and peer-state change, for live pages. Wrong
// passwords are logged (never the password) and throttled per user name.
//
// The page's data comes from the admin API (app/admin_service.h), which
// takes the session cookie with a matching X-CSRF-Token header instead of
// the admin token (CheckWebSession).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>

#include "app/web_sessions.h"
#include "rpc/server.h"
#include "store/oplog_store.h"
#include "store/peer_state_store.h"
#include "sync/api_auth.h"

namespace brs::app {

inline constexpr std::string_view kWebCookie = "brs_session";
inline constexpr std::string_view kWebCsrfHeader = "x-csrf-token";
inline constexpr std::string_view kWebLogin = "/brs.web.v1.Web/Login";
inline constexpr std::string_view kWebLogout = "/brs.web.v1.Web/Logout";
inline constexpr std::string_view kWebSession = "/brs.web.v1.Web/Session";
inline constexpr std::string_view kWebEvents = "/brs.web.v1.Web/Events";

struct WebContext {
  // Ends every Events stream: each wakes at once and returns.
  void Stop();

  WebSessions* sessions = nullptr;
  // The authenticator in force (it changes with config.json).
  std::function<std::shared_ptr<const sync::ApiAuthenticator>()> auth;
  bool tls = false;
  store::OplogStore* oplog = nullptr;      // for Events
  store::PeerStateStore* peers = nullptr;  // for Events

  // The Events streams wait on `changed` for their own news or for Stop.
  std::mutex mu;
  std::condition_variable changed;
  bool stopping = false;  // guarded by mu
};

// Registers the files and the Web service. `ctx` outlives the server.
void RegisterWebService(rpc::Server& server, WebContext* ctx);

// The session a call made with the dashboard's cookie belongs to, its CSRF
// header checked: Unauthenticated without a live session, PermissionDenied
// for a missing or wrong CSRF token. Refusals are the caller's to log.
StatusOr<WebSession> CheckWebSession(WebSessions& sessions, const rpc::CallInfo& call);

// The Set-Cookie value for a session (empty `id`: one that deletes it).
std::string SessionCookie(std::string_view id, bool secure, int64_t max_age_s);

}  // namespace brs::app
