// The dashboard's server-side login sessions: a random session ID (the
// HttpOnly cookie's value) and a random CSRF token per session, which
// every API call made with the cookie must echo in a header (the page
// reads it from Login's answer; another origin cannot). Sessions expire
// `ttl` after their last use and at most `max_lifetime` after login, on the
// Env's monotonic clock; at most `max_sessions` live at once (the least
// recently used goes first). Lookups compare secrets in constant time.
//
// Also the refusals of wrong passwords: after `max_failures` failed logins
// for one user name within `failure_window`, further attempts for it are
// refused without checking until the window has passed.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "base/env.h"
#include "base/status.h"

namespace brs::app {

struct WebSessionOptions {
  Millis ttl{std::chrono::hours(1)};
  Millis max_lifetime{std::chrono::hours(12)};
  size_t max_sessions = 1000;
  int max_failures = 5;
  Millis failure_window{std::chrono::minutes(1)};
};

struct WebSession {
  std::string id;    // the cookie's value (64 hex digits)
  std::string csrf;  // the X-CSRF-Token header's (64 hex digits)
  std::string principal;
};

class WebSessions {
 public:
  explicit WebSessions(const Env* env, WebSessionOptions options = {});

  // A new session for an authenticated `principal`.
  StatusOr<WebSession> Create(const std::string& principal);
  // The live session with this cookie value (its expiry pushed back), else
  // nullopt.
  std::optional<WebSession> Find(std::string_view id);
  // The live session with this cookie value whose CSRF token is `csrf`:
  // Unauthenticated (no or expired session) or PermissionDenied (CSRF).
  StatusOr<WebSession> Check(std::string_view id, std::string_view csrf);
  void Remove(std::string_view id);
  size_t size() const;

  // Login throttling for `user`: ResourceExhausted while refused.
  Status AdmitLogin(const std::string& user);
  void RecordFailure(const std::string& user);
  void RecordSuccess(const std::string& user);

 private:
  struct Entry {
    WebSession session;
    MonoTime created;
    MonoTime last_used;
  };
  struct Failures {
    int count = 0;
    MonoTime first;
  };
  // The entry with this ID (constant-time compare of each), expired ones
  // dropped first. Under mu_.
  Entry* FindLocked(std::string_view id);
  void DropExpiredLocked(MonoTime now);

  const Env* env_;
  WebSessionOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;  // by ID
  std::map<std::string, Failures> failures_;
};

// The value of cookie `name` in a Cookie header ("" when absent).
std::string CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace brs::app
