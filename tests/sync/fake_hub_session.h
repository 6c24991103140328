// A hub session that records what is asked of it, for the tests of what
// holds sessions (the registry, the state service).
#pragma once

#include <mutex>
#include <vector>

#include "sync/session_registry.h"

namespace brs::sync::testing {

class FakeHubSession final : public HubSessionHandle {
 public:
  void Terminate(const Status& why) override {
    std::lock_guard lock(mu);
    ended = why;
    terminated = true;
  }
  Status PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                    PushCallback done) override {
    std::lock_guard lock(mu);
    pushed.push_back(set_config);
    callbacks.push_back(std::move(done));
    return Status();
  }
  Status FetchLog(const std::string&,
                  std::function<void(std::string_view, bool, const Status&)>) override {
    return Status();
  }
  bool Throttle(int64_t) override { return false; }

  std::mutex mu;
  bool terminated = false;
  Status ended;
  std::vector<v1sync::SyncStreamItem::SyncActionSetConfig> pushed;
  std::vector<PushCallback> callbacks;  // one per push, in order
};

}  // namespace brs::sync::testing
