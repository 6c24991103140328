// The hub's table of live sessions by client key ID (SPEC §6): a newer
// session of the same key displaces the older one, and the state service
// reaches a connected client through it (SetRemoteClientConfig).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "sync/set_config_result.h"
#include "v1sync/syncservice.pb.h"

namespace brs::sync {

// What the rest of the daemon may do with a live session of either role.
// Implemented by the session runner; every method is thread safe and does
// not block on the network.
class SessionHandle {
 public:
  virtual ~SessionHandle() = default;
  // Ends the session with `why` (its peer state records it).
  virtual void Terminate(const Status& why) = 0;
  // Fetches one of the peer's logs; fn receives the chunks then done.
  virtual Status FetchLog(const std::string& log_id,
                          std::function<void(std::string_view, bool, const Status&)> fn) = 0;
};

// The hub's side of a session with one of its clients, as the registry
// holds it. Implemented by HubSession (hub_session.h).
class HubSessionHandle : public SessionHandle {
 public:
  // Queues set_config for the client; `done` (optional) is told what
  // became of it (HubHandler::PushConfig). Not called if the session ends
  // before the push was sent.
  virtual Status PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                            PushCallback done = nullptr) = 0;
  // Asks the client to pause sending (throttle extension); false when it
  // did not announce it.
  virtual bool Throttle(int64_t delay_ms) = 0;
};

// Each registration gets a session number, increasing across the
// registry. The number decides which session's state a peer shows: a
// session registers (and so displaces its predecessor) before it writes any
// peer state, and writes its end state only through End, under the
// registry's lock and only while it is still the peer's current session.
// So the stored state is always the newest session's (no displaced session
// can write DISCONNECTED after its successor's CONNECTED).
class SessionRegistry {
 public:
  // Registers `session` under `keyid` and returns its session number. An
  // older session of that key is terminated ("displaced by newer
  // connection").
  uint64_t Register(const std::string& keyid, std::shared_ptr<HubSessionHandle> session);
  // Ends session `number` of `keyid`: when it is still the current one, it
  // is removed and `record_end(true)` runs under the registry's lock (no
  // newer session can register meanwhile); otherwise `record_end(false)`
  // runs with no lock held.
  void End(const std::string& keyid, uint64_t number,
           const std::function<void(bool current)>& record_end);
  // Whether `number` is the current session of `keyid`.
  bool IsCurrent(const std::string& keyid, uint64_t number) const;
  std::shared_ptr<HubSessionHandle> Find(const std::string& keyid) const;
  std::vector<std::string> KeyIds() const;
  size_t size() const;
  // Terminates every session (shutdown).
  void TerminateAll(const Status& why);
  // Calls fn for each session (under no lock of the registry).
  void ForEach(const std::function<void(const std::string&, HubSessionHandle&)>& fn) const;

 private:
  mutable std::mutex mu_;
  struct Entry {
    uint64_t number = 0;
    std::shared_ptr<HubSessionHandle> session;
  };
  std::map<std::string, Entry> sessions_;
  uint64_t next_number_ = 1;
};

}  // namespace brs::sync
