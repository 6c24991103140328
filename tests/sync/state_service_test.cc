// The state service of SPEC §7 without transport: the peer snapshot and
// its changes, SetRemoteClientConfig routed through the registry, and the
// push that waits for what the client did with it.
#include "sync/state_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "sync/fake_hub_session.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using testing::FakeHubSession;
using testing::Instance;
using Kind = PushOutcome::Kind;

constexpr char kClientKey[] = "ed25519.clientkey";

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
  auto session = std::make_shared<FakeHubSession>();
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

// The state service of a hub with one connected client and its fake session.
struct Waiter {
  Instance hub{"instance: \"hub\""};
  SessionRegistry sessions;
  std::shared_ptr<FakeHubSession> session = std::make_shared<FakeHubSession>();
  StateService state{hub.config.get(), hub.peers.get(), &sessions};
  v1sync::SetRemoteClientConfigRequest request;

  Waiter() {
    sessions.Register(kClientKey, session);
    request.set_peer_keyid(kClientKey);
    SetPeer(v1sync::CONNECTION_STATE_CONNECTED, 7);
  }
  void SetPeer(v1sync::ConnectionState connection, int32_t modno) {
    ASSERT_TRUE(hub.peers
                    ->Update(kClientKey,
                             [&](v1sync::PeerState& s) {
                               s.set_state(connection);
                               s.mutable_remote_config()->set_modno(modno);
                               return Status();
                             })
                    .ok());
  }
  // Runs fn once the push was handed to the session.
  std::thread After(std::function<void(PushCallback&)> fn) {
    return std::thread([this, fn] {
      for (;;) {
        {
          std::lock_guard lock(session->mu);
          if (!session->callbacks.empty()) break;
        }
        std::this_thread::yield();
      }
      fn(session->callbacks.front());
    });
  }
};

TEST(PushConfigAndWait, TheClientsAnswerDecides) {
  Waiter w;
  std::thread t = w.After([](PushCallback& done) { done({Kind::kRefused, "no"}); });
  auto out = w.state.PushConfigAndWait(w.request, std::chrono::seconds(30));
  t.join();
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->kind, Kind::kRefused);
  EXPECT_EQ(out->message, "no");
}

TEST(PushConfigAndWait, AMovedModnoMeansApplied) {
  // A Backrest client: no answer; it reconnects with a bumped modno.
  Waiter w;
  std::thread t = w.After([&w](PushCallback& done) {
    done({Kind::kUnreported, ""});
    w.SetPeer(v1sync::CONNECTION_STATE_DISCONNECTED, 7);
    w.SetPeer(v1sync::CONNECTION_STATE_CONNECTED, 8);
  });
  auto out = w.state.PushConfigAndWait(w.request, std::chrono::seconds(30));
  t.join();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->kind, Kind::kApplied);
  EXPECT_EQ(out->message, "the client's config modno moved to 8");
}

TEST(PushConfigAndWait, AnEndedSessionThatDoesNotComeBackChangedIsARefusal) {
  Waiter w;
  std::thread t = w.After([&w](PushCallback& done) {
    done({Kind::kUnreported, ""});
    w.SetPeer(v1sync::CONNECTION_STATE_DISCONNECTED, 7);
  });
  auto out = w.state.PushConfigAndWait(w.request, std::chrono::milliseconds(300));
  t.join();
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->kind, Kind::kRefused);
  EXPECT_NE(out->message.find("Backrest client refuses"), std::string::npos) << out->message;
}

TEST(PushConfigAndWait, NoSignAtTheDeadlineIsUnreported) {
  Waiter w;
  auto out = w.state.PushConfigAndWait(w.request, std::chrono::milliseconds(100));
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->kind, Kind::kUnreported);
  EXPECT_EQ(w.session->callbacks.size(), 1u);
  w.request.set_peer_keyid("ed25519.nobody");
  EXPECT_EQ(w.state.PushConfigAndWait(w.request, std::chrono::seconds(1)).status().code(),
            Code::kNotFound);
}

}  // namespace
}  // namespace brs::sync
