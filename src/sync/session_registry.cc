#include "sync/session_registry.h"

#include "sync/session_error.h"

namespace brs::sync {

std::shared_ptr<SessionHandle> SessionRegistry::Register(const std::string& keyid,
                                                         std::shared_ptr<SessionHandle> session) {
  std::shared_ptr<SessionHandle> previous;
  {
    std::lock_guard lock(mu_);
    auto& slot = sessions_[keyid];
    previous = std::move(slot);
    slot = std::move(session);
  }
  if (previous) previous->Terminate(Disconnected("displaced by newer connection"));
  return previous;
}

void SessionRegistry::Unregister(const std::string& keyid, const SessionHandle* session) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(keyid);
  if (it != sessions_.end() && it->second.get() == session) sessions_.erase(it);
}

std::shared_ptr<SessionHandle> SessionRegistry::Find(const std::string& keyid) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(keyid);
  return it == sessions_.end() ? nullptr : it->second;
}

std::vector<std::string> SessionRegistry::KeyIds() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [k, v] : sessions_) out.push_back(k);
  return out;
}

size_t SessionRegistry::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void SessionRegistry::TerminateAll(const Status& why) {
  std::map<std::string, std::shared_ptr<SessionHandle>> all;
  {
    std::lock_guard lock(mu_);
    all = sessions_;
  }
  for (auto& [k, s] : all) s->Terminate(why);
}

void SessionRegistry::ForEach(
    const std::function<void(const std::string&, SessionHandle&)>& fn) const {
  std::map<std::string, std::shared_ptr<SessionHandle>> all;
  {
    std::lock_guard lock(mu_);
    all = sessions_;
  }
  for (auto& [k, s] : all) fn(k, *s);
}

}  // namespace brs::sync
