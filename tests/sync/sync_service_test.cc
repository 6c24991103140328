// The sync service of one instance, with fake clocks: the session timers
// (handshake deadline, heartbeats) follow the Env the service was given,
// and the client loops dial, record failures and redial when asked. No test
// sleeps: each moves a clock and waits for the event it causes.
#include "sync/sync_service.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <thread>

#include "crypto/identity.h"
#include "sync/pipe_transport.h"
#include "sync/session_error.h"
#include "sync/session_test_util.h"

namespace brs::sync {
namespace {

using testing::Instance;
using testing::WaitFor;

// A transport that counts the reads begun on it: a read that begins after
// a Wake shows the session has looked at its clock again.
class CountingTransport final : public SyncTransport {
 public:
  explicit CountingTransport(std::unique_ptr<SyncTransport> inner) : inner_(std::move(inner)) {}
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_steady_ms) override {
    {
      std::lock_guard lock(mu_);
      ++reads_;
      cv_.notify_all();
    }
    return inner_->Read(message, deadline_steady_ms);
  }
  void Wake() override { inner_->Wake(); }
  Status Write(std::string_view message) override { return inner_->Write(message); }
  void Finish(const Status& status) override { inner_->Finish(status); }
  // Waits until `n` reads have begun.
  void AwaitReads(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return reads_ >= n; });
  }

 private:
  std::unique_ptr<SyncTransport> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  int reads_ = 0;
};

// One instance with its identity and sync service (fake clock).
struct Peer {
  Instance inst;
  crypto::Identity id = *crypto::Identity::Generate();
  std::unique_ptr<SyncService> service;

  explicit Peer(const std::string& config_text, Dialer* dialer = nullptr) : inst(config_text) {
    SyncServiceOptions o;
    o.env = inst.env();
    o.identity = &id;
    service = std::make_unique<SyncService>(std::move(o), dialer);
  }
  v1sync::PeerState State(const crypto::Identity& of) {
    auto s = inst.peers->Get(of.key_id());
    return s.ok() ? *s : v1sync::PeerState{};
  }
};

// Dials a hub's SyncService over in-memory pipes, or fails while told to.
class PipeDialer final : public Dialer {
 public:
  ~PipeDialer() override { JoinHubSides(); }
  StatusOr<Connection> Dial(const v1::Multihost::Peer&, const PeerFeatures&) override {
    std::lock_guard lock(mu_);
    ++dials_;
    cv_.notify_all();
    if (hub_ == nullptr) return Unavailable("no route to host");
    auto [client_end, hub_end] = PipeTransport::Pair();
    hub_sides_.emplace_back([hub = hub_, end = std::move(hub_end)] {
      (void)hub->ServeStream(end.get(), PeerFeatures{});
    });
    Connection c;
    c.transport = std::move(client_end);
    return c;
  }
  void ConnectTo(SyncService* hub) {
    std::lock_guard lock(mu_);
    hub_ = hub;
  }
  void AwaitDials(int n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return dials_ >= n; });
  }
  // After the client ended its sessions: the hub's sides end with them.
  void JoinHubSides() {
    for (auto& t : hub_sides_) t.join();
    hub_sides_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int dials_ = 0;
  SyncService* hub_ = nullptr;
  std::vector<std::thread> hub_sides_;
};

std::string KnownHost(const crypto::Identity& hub) {
  return "instance: \"laptop\" multihost { known_hosts { instance_id: \"hub\" keyid: \"" +
         hub.key_id() + "\" instance_url: \"pipe://hub\" } }";
}

TEST(SyncService, StartNeedsAnIdentityAndResetsEveryPeerToDisconnected) {
  Instance bare("instance: \"me\"");
  SyncServiceOptions none;
  none.env = bare.env();
  EXPECT_EQ(SyncService(none, nullptr).Start().code(), Code::kFailedPrecondition);

  Peer me(R"pb(
    instance: "me"
    multihost {
      known_hosts { instance_id: "hub" keyid: "ed25519.hub" }
      authorized_clients { instance_id: "c1" keyid: "ed25519.c1" }
    }
  )pb");
  for (const char* key : {"ed25519.hub", "ed25519.c1"}) {
    ASSERT_TRUE(
        me.inst.peers->SetConnectionState(key, "x", v1sync::CONNECTION_STATE_CONNECTED, "connected")
            .ok());
  }
  BRS_ASSERT_OK(me.service->Start());
  for (const char* key : {"ed25519.hub", "ed25519.c1"}) {
    EXPECT_EQ(me.inst.peers->Get(key)->state(), v1sync::CONNECTION_STATE_DISCONNECTED) << key;
  }
  me.service->Stop();
}

// SPEC §5: a peer must complete its handshake within 15 s of the hub's
// clock. The session waits for its deadline on that clock, whatever the
// real time: 14.999 s do not end it, 15 s do.
TEST(SyncService, AHubSessionEndsAtTheHandshakeDeadlineOfItsClock) {
  Peer hub("instance: \"hub\"");
  BRS_ASSERT_OK(hub.service->Start());
  auto [ours, theirs] = PipeTransport::Pair();
  CountingTransport transport(std::move(ours));
  Status end;
  std::atomic<bool> ended{false};
  std::thread serve([&] {
    end = hub.service->ServeStream(&transport, PeerFeatures{}, "pipe://silent");
    ended = true;
  });
  transport.AwaitReads(1);
  hub.inst.clock.Advance(Millis(14'999));
  transport.Wake();
  transport.AwaitReads(2);  // the session looked at its clock again
  EXPECT_FALSE(ended.load());
  hub.inst.clock.Advance(Millis(1));
  transport.Wake();
  serve.join();
  EXPECT_EQ(end.code(), Code::kInvalidArgument) << end.ToString();
  EXPECT_NE(end.message().find("no handshake"), std::string::npos) << end.message();
  hub.service->Stop();
}

TEST(SyncService, AClientLoopRecordsAFailedDialAndRedialsWhenAsked) {
  crypto::Identity hub_id = *crypto::Identity::Generate();
  PipeDialer dialer;
  Peer laptop(KnownHost(hub_id), &dialer);
  BRS_ASSERT_OK(laptop.service->Start());
  dialer.AwaitDials(1);
  EXPECT_TRUE(WaitFor([&] {
    return laptop.State(hub_id).status_message() == "dial pipe://hub: no route to host";
  })) << laptop.State(hub_id).DebugString();
  EXPECT_EQ(laptop.State(hub_id).state(), v1sync::CONNECTION_STATE_DISCONNECTED);
  // The back-off is 60 s; asked to, the loop dials again at once.
  laptop.service->RedialNow();
  dialer.AwaitDials(2);
  // Removing the host ends its loop; Stop returns with nothing left.
  ASSERT_TRUE(laptop.inst.config
                  ->Update([](v1::Config& c) {
                    c.mutable_multihost()->clear_known_hosts();
                    return Status();
                  })
                  .ok());
  laptop.service->Stop();
  EXPECT_EQ(laptop.service->ClientSession(hub_id.key_id()), nullptr);
}

// Refuses every dial as a hub's admission control does when full.
class BusyHubDialer final : public Dialer {
 public:
  explicit BusyHubDialer(std::string refusal) : refusal_(std::move(refusal)) {}
  StatusOr<Connection> Dial(const v1::Multihost::Peer&, const PeerFeatures&) override {
    std::lock_guard lock(mu_);
    dials_.push_back(std::chrono::steady_clock::now());
    cv_.notify_all();
    return Unavailable(refusal_);
  }
  // The times of the first n dials (empty when they did not come in 30 s).
  std::vector<std::chrono::steady_clock::time_point> AwaitDials(size_t n) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30), [&] { return dials_.size() >= n; })) {
      return {};
    }
    return {dials_.begin(), dials_.begin() + static_cast<ptrdiff_t>(n)};
  }

 private:
  std::string refusal_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::chrono::steady_clock::time_point> dials_;
};

// A hub refusing us for load says when to come back: the client dials
// again after that hint (plus jitter of at most half of it), not after the
// 60 s (then 180 s, ...) back-off of a failed dial. The client's clock is
// fake and stands still: only the hint says when.
TEST(SyncService, AClientComesBackWhenABusyHubSaysSo) {
  crypto::Identity hub_id = *crypto::Identity::Generate();
  BusyHubDialer dialer("hub busy: 64 handshakes in flight and 10000 waiting; retry in 300 ms");
  Peer laptop(KnownHost(hub_id), &dialer);
  BRS_ASSERT_OK(laptop.service->Start());
  auto dials = dialer.AwaitDials(4);
  ASSERT_EQ(dials.size(), 4u) << "the client did not come back within 30 s";
  for (size_t i = 1; i < dials.size(); ++i) {
    EXPECT_GE(dials[i] - dials[i - 1], std::chrono::milliseconds(300)) << i;
  }
  laptop.service->Stop();
}

// Heartbeats are due on the sender's clock (Backrest: every 600 s): moving
// the client's clock by the interval makes it send one, which the hub
// records at its own wall time.
TEST(SyncService, AClientSendsItsHeartbeatWhenItsClockSaysSo) {
  PipeDialer dialer;
  Peer hub("instance: \"hub\"");
  Peer laptop(KnownHost(hub.id), &dialer);
  ASSERT_TRUE(hub.inst.config
                  ->Update([&](v1::Config& c) {
                    auto* p = c.mutable_multihost()->add_authorized_clients();
                    p->set_instance_id("laptop");
                    p->set_keyid(laptop.id.key_id());
                    return Status();
                  })
                  .ok());
  BRS_ASSERT_OK(hub.service->Start());
  dialer.ConnectTo(hub.service.get());
  BRS_ASSERT_OK(laptop.service->Start());
  ASSERT_TRUE(WaitFor([&] {
    auto session = laptop.service->ClientSession(hub.id.key_id());
    return session && !session->peer().keyid().empty() &&
           hub.State(laptop.id).state() == v1sync::CONNECTION_STATE_CONNECTED;
  }));

  const WallTime marked = WallFromUnixMillis(1'800'000'000'000);
  hub.inst.clock.SetWall(marked);
  laptop.inst.clock.Advance(Millis(SyncTunables{}.heartbeat_interval_ms));
  // Any task wakes the session, which then looks at its clock.
  BRS_ASSERT_OK(
      laptop.service->ClientSession(hub.id.key_id())->Post([](Session&) { return Status(); }));
  EXPECT_TRUE(WaitFor([&] {
    return hub.State(laptop.id).last_heartbeat_millis() == UnixMillis(marked);
  })) << hub.State(laptop.id).DebugString();

  laptop.service->Stop();
  dialer.JoinHubSides();
  hub.service->Stop();
}

}  // namespace
}  // namespace brs::sync
