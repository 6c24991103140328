// An instance (config, oplog, peer states, logs in a temp dir) and a
// loopback that carries items between a hub handler and a client handler
// in-process, for the sync handler tests.
#pragma once

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>

#include "base/fake_env.h"
#include "store/store_test_util.h"
#include "sync/peer_handler_base.h"
#include "sync/role_handler.h"
#include "sync/sync_env.h"

#define BRS_ASSERT_OK(expr)                          \
  do {                                               \
    ::brs::Status brs_st_ = (expr);                  \
    ASSERT_TRUE(brs_st_.ok()) << brs_st_.ToString(); \
  } while (0)

namespace brs::sync::testing {

// The machine's monotonic clock in ms (the transports' deadlines are real).
inline int64_t SteadyNowMsForTestImpl() { return MonoMillis(Env::Default().NowMono()); }

using store::testing::TempDir;

template <typename M>
M ParseText(const std::string& text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

struct Instance {
  TempDir dir;
  FakeEnv clock;
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
  std::unique_ptr<store::LogStore> logs;

  explicit Instance(const std::string& config_text) { Open(config_text); }
  void Open(const std::string& config_text = "") {
    store::ConfigStore::Options co;
    co.path = dir.File("config.json");
    co.create_if_missing = true;
    auto c = store::ConfigStore::Open(co);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    config = std::move(*c);
    if (!config_text.empty()) {
      auto wanted = ParseText<v1::Config>(config_text);
      ASSERT_TRUE(config
                      ->Update([&](v1::Config& cfg) {
                        cfg = wanted;
                        return Status();
                      })
                      .ok());
    }
    store::OplogStore::Options oo;
    oo.path = dir.File("oplog.db");
    auto o = store::OplogStore::Open(oo);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    oplog = std::move(*o);
    auto p = store::PeerStateStore::Open(dir.File("peers.db"));
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    peers = std::move(*p);
    store::LogStore::Options lo;
    lo.path = dir.File("logs.db");
    lo.env = &clock;
    auto l = store::LogStore::Open(lo);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    logs = std::move(*l);
  }
  // Closes and reopens the stores (a restart).
  void Restart() {
    logs.reset();
    peers.reset();
    oplog.reset();
    config.reset();
    Open();
  }
  SyncEnv env() {
    SyncEnv e;
    e.config = config.get();
    e.oplog = oplog.get();
    e.peers = peers.get();
    e.logs = logs.get();
    e.clock = &clock;
    return e;
  }
};

// A thread-safe queue of items one side sent to the other. TrySend
// refuses while `full` is set (a bounded sink at its high-water mark).
class QueueSink final : public ItemSink {
 public:
  void Send(SyncStreamItem item) override {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(item));
  }
  bool TrySend(SyncStreamItem item) override {
    if (full) return false;
    Send(std::move(item));
    return true;
  }
  std::atomic<bool> full{false};
  bool Pop(SyncStreamItem* out) {
    std::lock_guard lock(mu_);
    if (items_.empty()) return false;
    *out = std::move(items_.front());
    items_.pop_front();
    return true;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  std::vector<SyncStreamItem> Drain() {
    std::lock_guard lock(mu_);
    std::vector<SyncStreamItem> out(items_.begin(), items_.end());
    items_.clear();
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::deque<SyncStreamItem> items_;
};

// Two handlers joined back to back: what one sends, the other handles.
struct Loopback {
  PeerHandlerBase* hub;
  PeerHandlerBase* client;
  QueueSink to_hub, to_client;
  // Whether each side has had its first item (Session calls OnPeerAccepted
  // before dispatching it; the loopback does the same).
  bool hub_accepted = false, client_accepted = false;

  // Delivers queued items until both directions are empty or one handler
  // fails; returns the first failure.
  Status Pump(size_t max_items = 10'000'000) {
    SyncStreamItem item;
    for (size_t n = 0; n < max_items;) {
      bool moved = false;
      if (to_hub.Pop(&item)) {
        moved = true;
        ++n;
        Status s = Deliver(item, *hub, hub_accepted, to_client);
        if (!s.ok()) return s;
      }
      if (to_client.Pop(&item)) {
        moved = true;
        ++n;
        Status s = Deliver(item, *client, client_accepted, to_hub);
        if (!s.ok()) return s;
      }
      if (!moved) return Status();
    }
    return Status();
  }

  static Status Deliver(const SyncStreamItem& item, PeerHandlerBase& to, bool& accepted,
                        ItemSink& out) {
    if (!accepted) {
      accepted = true;
      BRS_RETURN_IF_ERROR(to.OnPeerAccepted());
    }
    return DispatchItem(item, to, out);
  }
};

}  // namespace brs::sync::testing
