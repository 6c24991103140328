#include "app/web_sessions.h"

#include <openssl/rand.h>

#include "base/encoding.h"
#include "base/secret.h"

namespace brs::app {
namespace {

StatusOr<std::string> RandomHex32() {
  uint8_t b[32];
  if (RAND_bytes(b, sizeof b) != 1) return Internal("no randomness (RAND_bytes failed)");
  std::string out = HexEncode(b, sizeof b);
  SecureWipe(b, sizeof b);
  return out;
}

}  // namespace

WebSessions::WebSessions(const Env* env, WebSessionOptions options)
    : env_(env), options_(options) {}

StatusOr<WebSession> WebSessions::Create(const std::string& principal) {
  WebSession s;
  BRS_ASSIGN_OR_RETURN(s.id, RandomHex32());
  BRS_ASSIGN_OR_RETURN(s.csrf, RandomHex32());
  s.principal = principal;
  const MonoTime now = env_->NowMono();
  std::lock_guard lock(mu_);
  DropExpiredLocked(now);
  while (sessions_.size() >= options_.max_sessions && !sessions_.empty()) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    sessions_.erase(oldest);
  }
  sessions_[s.id] = Entry{s, now, now};
  return s;
}

void WebSessions::DropExpiredLocked(MonoTime now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Entry& e = it->second;
    const bool expired =
        now - e.last_used >= options_.ttl || now - e.created >= options_.max_lifetime;
    it = expired ? sessions_.erase(it) : std::next(it);
  }
}

WebSessions::Entry* WebSessions::FindLocked(std::string_view id) {
  DropExpiredLocked(env_->NowMono());
  if (id.size() != 64) return nullptr;
  // A map lookup would compare the secret byte by byte, stopping at the
  // first difference; each live ID is compared in constant time instead.
  Entry* found = nullptr;
  for (auto& [key, e] : sessions_) {
    if (ConstantTimeEqual(key, id)) found = &e;
  }
  return found;
}

std::optional<WebSession> WebSessions::Find(std::string_view id) {
  std::lock_guard lock(mu_);
  Entry* e = FindLocked(id);
  if (e == nullptr) return std::nullopt;
  e->last_used = env_->NowMono();
  return e->session;
}

StatusOr<WebSession> WebSessions::Check(std::string_view id, std::string_view csrf) {
  std::lock_guard lock(mu_);
  Entry* e = FindLocked(id);
  if (e == nullptr) return Unauthenticated("no session or session expired: log in again");
  if (!ConstantTimeEqual(e->session.csrf, csrf)) {
    return PermissionDenied("missing or wrong X-CSRF-Token for this session");
  }
  e->last_used = env_->NowMono();
  return e->session;
}

void WebSessions::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  if (Entry* e = FindLocked(id)) sessions_.erase(e->session.id);
}

size_t WebSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

Status WebSessions::AdmitLogin(const std::string& user) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(user);
  if (it == failures_.end()) return Status();
  if (env_->NowMono() - it->second.first >= options_.failure_window) {
    failures_.erase(it);
    return Status();
  }
  if (it->second.count >= options_.max_failures) {
    return ResourceExhausted("too many failed logins for this user: wait a minute");
  }
  return Status();
}

void WebSessions::RecordFailure(const std::string& user) {
  std::lock_guard lock(mu_);
  const MonoTime now = env_->NowMono();
  Failures& f = failures_[user];
  if (f.count == 0 || now - f.first >= options_.failure_window) f = Failures{0, now};
  ++f.count;
  if (failures_.size() > 10'000) failures_.clear();  // bounded: names are the caller's
}

void WebSessions::RecordSuccess(const std::string& user) {
  std::lock_guard lock(mu_);
  failures_.erase(user);
}

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view item = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == name) {
      return std::string(item.substr(eq + 1));
    }
  }
  return "";
}

}  // namespace brs::app
