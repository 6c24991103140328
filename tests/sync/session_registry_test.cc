#include "sync/session_registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "sync/outbox.h"
#include "sync/state_service.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using testing::Instance;

class FakeSession final : public SessionHandle {
 public:
  void Terminate(const Status& why) override {
    ended = why;
    terminated = true;
  }
  Status PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& s, PushCallback) override {
    pushed.push_back(s);
    return Status();
  }
  Status FetchLog(const std::string&,
                  std::function<void(std::string_view, bool, const Status&)>) override {
    return Status();
  }
  bool Throttle(int64_t) override { return false; }
  bool terminated = false;
  Status ended;
  std::vector<v1sync::SyncStreamItem::SyncActionSetConfig> pushed;
};

TEST(SessionRegistry, NewerSessionDisplacesOlder) {
  SessionRegistry reg;
  auto a = std::make_shared<FakeSession>();
  auto b = std::make_shared<FakeSession>();
  EXPECT_EQ(reg.Register("k", a), nullptr);
  EXPECT_EQ(reg.Register("k", b), a);
  EXPECT_TRUE(a->terminated);
  EXPECT_EQ(a->ended.code(), Code::kUnavailable);
  EXPECT_EQ(a->ended.message(), "displaced by newer connection");
  EXPECT_FALSE(b->terminated);
  // The displaced session's unregister leaves its successor in place.
  reg.Unregister("k", a.get());
  EXPECT_EQ(reg.Find("k"), b);
  reg.Unregister("k", b.get());
  EXPECT_EQ(reg.Find("k"), nullptr);
  EXPECT_EQ(reg.size(), 0u);
}

TEST(StateService, SnapshotListsEveryPeerAndRoutesSetConfig) {
  Instance inst(R"pb(
    instance: "me"
    multihost {
      known_hosts { instance_id: "hub" keyid: "ed25519.hub" }
      authorized_clients { instance_id: "c1" keyid: "ed25519.c1" }
      authorized_clients { instance_id: "c2" keyid: "ed25519.c2" }
    }
  )pb");
  ASSERT_TRUE(
      inst.peers
          ->SetConnectionState("ed25519.c1", "c1", v1sync::CONNECTION_STATE_CONNECTED, "connected")
          .ok());
  SessionRegistry reg;
  StateService svc(inst.config.get(), inst.peers.get(), &reg);
  auto snap = svc.Snapshot();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->size(), 3u);
  EXPECT_EQ((*snap)[0].peer_keyid(), "ed25519.hub");
  EXPECT_EQ((*snap)[0].state(), v1sync::CONNECTION_STATE_DISCONNECTED);
  EXPECT_EQ((*snap)[1].state(), v1sync::CONNECTION_STATE_CONNECTED);
  EXPECT_EQ((*snap)[2].peer_instance_id(), "c2");

  v1sync::SetRemoteClientConfigRequest req;
  EXPECT_EQ(svc.SetRemoteClientConfig(req).code(), Code::kInvalidArgument);
  req.set_peer_keyid("ed25519.c1");
  req.add_repos_to_delete("r9");
  EXPECT_EQ(svc.SetRemoteClientConfig(req).code(), Code::kNotFound);
  auto session = std::make_shared<FakeSession>();
  reg.Register("ed25519.c1", session);
  EXPECT_TRUE(svc.SetRemoteClientConfig(req).ok());
  ASSERT_EQ(session->pushed.size(), 1u);
  EXPECT_EQ(session->pushed[0].repos_to_delete(0), "r9");

  std::vector<v1sync::PeerState> seen;
  auto id = svc.Subscribe([&](const v1sync::PeerState& s) { seen.push_back(s); });
  ASSERT_TRUE(inst.peers->RecordHeartbeat("ed25519.c2", 42).ok());
  svc.Unsubscribe(id);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].last_heartbeat_millis(), 42);
}

SyncStreamItem Numbered(int n) {
  SyncStreamItem item;
  item.mutable_request_operation_data()->add_op_ids(n);
  return item;
}

TEST(Outbox, KeepsOrderAndLetsOnlyHeartbeatsThroughWhilePaused) {
  Outbox box;
  box.Send(Numbered(1));
  box.Send(Numbered(2));
  int64_t now = Outbox::SteadyNowMs();
  box.Pause(now, 60'000);
  SyncStreamItem hb;
  hb.mutable_heartbeat();
  box.Send(hb);
  auto first = box.TryPop(now);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->has_heartbeat());
  EXPECT_FALSE(box.TryPop(now).has_value());
  auto later = box.TryPop(now + 60'000);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->request_operation_data().op_ids(0), 1);
  EXPECT_EQ(box.TryPop(now + 60'000)->request_operation_data().op_ids(0), 2);
}

TEST(Outbox, PopWaitsForThePauseToEnd) {
  Outbox box;
  box.Send(Numbered(7));
  int64_t start = Outbox::SteadyNowMs();
  box.Pause(start, 50);
  auto item = box.Pop(start + 5'000);
  ASSERT_TRUE(item.has_value());
  EXPECT_GE(Outbox::SteadyNowMs() - start, 45);
}

TEST(Outbox, SendBlocksAtHighWaterUntilDrainedOrClosed) {
  Outbox box(2);
  box.Send(Numbered(1));
  box.Send(Numbered(2));
  std::atomic<bool> sent{false};
  std::thread producer([&] {
    box.Send(Numbered(3));
    sent = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(sent.load());
  EXPECT_TRUE(box.TryPop(Outbox::SteadyNowMs()).has_value());
  producer.join();
  EXPECT_TRUE(sent.load());
  std::thread blocked([&] {
    box.Send(Numbered(4));
    box.Send(Numbered(5));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  box.Close();
  blocked.join();
  EXPECT_FALSE(box.Pop(Outbox::SteadyNowMs() + 10).has_value());
}

}  // namespace
}  // namespace brs::sync
