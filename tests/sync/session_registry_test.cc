#include "sync/session_registry.h"

#include <gtest/gtest.h>

#include "base/fake_env.h"
#include "sync/state_service.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using testing::Instance;

class FakeSession final : public HubSessionHandle {
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
  const uint64_t na = reg.Register("k", a);
  EXPECT_FALSE(a->terminated);
  const uint64_t nb = reg.Register("k", b);
  EXPECT_GT(nb, na);
  EXPECT_TRUE(a->terminated);
  EXPECT_EQ(a->ended.code(), Code::kUnavailable);
  EXPECT_EQ(a->ended.message(), "displaced by newer connection");
  EXPECT_FALSE(b->terminated);
  EXPECT_FALSE(reg.IsCurrent("k", na));
  EXPECT_TRUE(reg.IsCurrent("k", nb));
  // The displaced session's end is not current: it records nothing and
  // leaves its successor in place.
  std::vector<bool> recorded;
  reg.End("k", na, [&](bool current) { recorded.push_back(current); });
  EXPECT_EQ(reg.Find("k"), b);
  reg.End("k", nb, [&](bool current) { recorded.push_back(current); });
  EXPECT_EQ(recorded, (std::vector<bool>{false, true}));
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

}  // namespace
}  // namespace brs::sync
