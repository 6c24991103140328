#include "sync/session_registry.h"

#include "sync/session_error.h"

namespace brs::sync {

uint64_t SessionRegistry::Register(const std::string& keyid,
                                   std::shared_ptr<HubSessionHandle> session) {
  std::shared_ptr<HubSessionHandle> previous;
  uint64_t number = 0;
  {
    std::lock_guard lock(mu_);
    Entry& slot = sessions_[keyid];
    previous = std::move(slot.session);
    number = next_number_++;
    slot = Entry{number, std::move(session)};
  }
  if (previous) previous->Terminate(Disconnected("displaced by newer connection"));
  return number;
}

void SessionRegistry::End(const std::string& keyid, uint64_t number,
                          const std::function<void(bool current)>& record_end) {
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(keyid);
    if (it != sessions_.end() && it->second.number == number) {
      sessions_.erase(it);
      record_end(true);
      return;
    }
  }
  record_end(false);
}

bool SessionRegistry::IsCurrent(const std::string& keyid, uint64_t number) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(keyid);
  return it != sessions_.end() && it->second.number == number;
}

std::shared_ptr<HubSessionHandle> SessionRegistry::Find(const std::string& keyid) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(keyid);
  return it == sessions_.end() ? nullptr : it->second.session;
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
  ForEach([&](const std::string&, HubSessionHandle& s) { s.Terminate(why); });
}

void SessionRegistry::ForEach(
    const std::function<void(const std::string&, HubSessionHandle&)>& fn) const {
  std::vector<std::pair<std::string, std::shared_ptr<HubSessionHandle>>> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, e] : sessions_) all.emplace_back(k, e.session);
  }
  for (auto& [k, s] : all) fn(k, *s);
}

}  // namespace brs::sync
