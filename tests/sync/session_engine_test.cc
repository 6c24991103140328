// The Session engine driven by hand, with no transport and no threads: the
// test plays the other side with the crypto layer and moves a fake clock.
// Covers what must hold whatever the machine's uptime, date or speed:
// pairing-token expiry on the wall clock, the client's silence towards an
// unverified hub, and a pairing seen by the redial that follows it at once.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <thread>

#include "base/fake_env.h"
#include "crypto/channel_setup.h"
#include "crypto/handshake.h"
#include "crypto/identity.h"
#include "crypto/pairing_token.h"
#include "sync/handler_factory.h"
#include "sync/session.h"
#include "sync/session_error.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using testing::Instance;

std::vector<SyncStreamItem> Drain(Outbox& box) {
  std::vector<SyncStreamItem> out;
  while (auto item = box.TryPop()) out.push_back(std::move(*item));
  return out;
}

// The client end of a channel, played by the test against a hub Session.
struct TestClient {
  std::shared_ptr<const crypto::Identity> id =
      std::make_shared<crypto::Identity>(*crypto::Identity::Generate());
  std::string instance = "inst-a";
  std::optional<crypto::Channel> channel;

  // Key exchange with `hub` (which sends its answer and its handshake).
  void Connect(Session& hub, Outbox& hub_out, MonoTime now) {
    auto initiator = crypto::ChannelInitiator::Create();
    ASSERT_TRUE(initiator.ok());
    ASSERT_TRUE(hub.Start(now).ok());
    ASSERT_TRUE(hub.OnWireItem(initiator->EstablishRequest(), now).ok());
    auto sent = Drain(hub_out);
    ASSERT_GE(sent.size(), 2u) << "the hub answers and sends its handshake unprompted";
    auto ch = initiator->FinishWithResponse(sent[0]);
    ASSERT_TRUE(ch.ok()) << ch.status().ToString();
    channel.emplace(std::move(*ch));
  }
  SyncStreamItem Handshake(const std::string& secret) {
    SyncStreamItem inner;
    *inner.mutable_handshake() =
        *crypto::MakeHandshake(*id, instance, secret, channel->transcript());
    return *channel->Seal(inner);
  }
};

SessionOptions HubOptions(Instance& inst, const crypto::Identity& id) {
  SessionOptions o;
  o.role = Role::kHub;
  o.env = inst.env();
  o.identity = &id;
  o.instance_id = "hub";
  o.handshake_timeout_ms = 15'000;
  o.make_handler = NewHubHandler;
  return o;
}

std::string AddToken(Instance& hub, int64_t expires_at_unix) {
  std::string secret = crypto::GeneratePairingSecret();
  EXPECT_TRUE(hub.config
                  ->Update([&](v1::Config& c) {
                    auto* t = c.mutable_multihost()->add_pairing_tokens();
                    t->set_secret(secret);
                    t->set_label("laptop");
                    t->set_expires_at_unix(expires_at_unix);
                    t->set_max_uses(1);
                    return Status();
                  })
                  .ok());
  return secret;
}

// Pairs one client with a token expiring at `expires`, at wall time `now`.
Status PairAt(Instance& hub, const crypto::Identity& hub_id, int64_t expires, WallTime now) {
  hub.clock.SetWall(now);
  const std::string secret = AddToken(hub, expires);
  Outbox out(4096, &hub.clock);
  Session session(HubOptions(hub, hub_id), &out);
  TestClient client;
  client.Connect(session, out, hub.clock.NowMono());
  return session.OnWireItem(client.Handshake(secret), hub.clock.NowMono());
}

// SPEC §5: "now" for expiry is wall-clock Unix seconds. The monotonic clock
// (time since boot on a real machine) stays at 1 000 s here, so a session
// that took it for Unix time would see no token as expired.
TEST(SessionEngine, PairingTokenExpiryIsWallClockTime) {
  Instance hub("instance: \"hub\"");
  auto hub_id = *crypto::Identity::Generate();
  const WallTime t0 = hub.clock.NowWall();
  const int64_t expires = UnixSeconds(t0) + 60;

  // One second before expiry: paired.
  EXPECT_TRUE(PairAt(hub, hub_id, expires, t0 + Millis(59'000)).ok());
  EXPECT_EQ(hub.config->Get()->multihost().authorized_clients_size(), 1);

  // Exactly at expiry it still pairs (expired means now > expires_at).
  EXPECT_TRUE(PairAt(hub, hub_id, expires, t0 + Millis(60'000)).ok());

  // One second after expiry: refused, and the config is untouched.
  Status late = PairAt(hub, hub_id, expires, t0 + Millis(61'000));
  EXPECT_EQ(late.code(), Code::kPermissionDenied) << late.ToString();
  EXPECT_NE(late.message().find("expired"), std::string::npos) << late.message();
  auto after = hub.config->Get()->multihost();
  EXPECT_EQ(after.authorized_clients_size(), 2);
  EXPECT_EQ(after.pairing_tokens_size(), 1) << "only the refused token is left";
}

// ---- The client's silence towards an unverified hub (SPEC §5) ----

struct ClientUnderTest {
  Instance inst{"instance: \"inst-a\""};
  crypto::Identity id = *crypto::Identity::Generate();
  Outbox out{4096, &inst.clock};
  std::optional<Session> session;
  std::string secret = crypto::GeneratePairingSecret();

  // The client dials a known host with this key and instance.
  explicit ClientUnderTest(const crypto::Identity& known_hub_key) {
    SessionOptions o;
    o.role = Role::kClient;
    o.env = inst.env();
    o.identity = &id;
    o.instance_id = "inst-a";
    o.handshake_timeout_ms = 15'000;
    o.known_host.set_instance_id("hub");
    o.known_host.set_keyid(known_hub_key.key_id());
    o.known_host.set_initial_pairing_secret(secret);
    o.make_handler = NewClientHandler;
    session.emplace(std::move(o), &out);
  }
  // Runs the key exchange against a responder; returns its channel.
  crypto::Channel KeyExchange() {
    EXPECT_TRUE(session->Start(inst.clock.NowMono()).ok());
    auto sent = Drain(out);
    EXPECT_EQ(sent.size(), 1u);
    auto responder = crypto::ChannelResponder::AcceptRequest(sent.at(0));
    EXPECT_TRUE(responder.ok());
    EXPECT_TRUE(session->OnWireItem(responder->EstablishResponse(), inst.clock.NowMono()).ok());
    return std::move(responder->channel());
  }
};

SyncStreamItem HubHandshake(crypto::Channel& ch, const crypto::Identity& id,
                            const std::string& instance) {
  SyncStreamItem inner;
  *inner.mutable_handshake() = *crypto::MakeHandshake(id, instance, "", ch.transcript());
  return *ch.Seal(inner);
}

TEST(SessionEngine, ClientSendsNothingBeforeTheHubsHandshake) {
  auto hub_id = *crypto::Identity::Generate();
  ClientUnderTest c(hub_id);
  c.KeyExchange();
  EXPECT_TRUE(Drain(c.out).empty()) << "no handshake (and no secret) before the hub's";
  // A hub that never sends its handshake: the client times out, still silent.
  c.inst.clock.Advance(Millis(14'999));
  EXPECT_TRUE(c.session->OnTick(c.inst.clock.NowMono()).ok());
  c.inst.clock.Advance(Millis(1));
  Status st = c.session->OnTick(c.inst.clock.NowMono());
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.ToString();
  EXPECT_TRUE(Drain(c.out).empty());
}

TEST(SessionEngine, ClientRefusingAnImpostorHubSendsNothingMore) {
  auto genuine = *crypto::Identity::Generate();
  auto impostor = *crypto::Identity::Generate();
  struct Case {
    const char* name;
    const crypto::Identity* key;
    std::string instance;
  };
  for (const Case& k : {Case{"another key", &impostor, "hub"},
                        Case{"the right key, another instance", &genuine, "not-hub"}}) {
    SCOPED_TRACE(k.name);
    ClientUnderTest c(genuine);
    auto ch = c.KeyExchange();
    Status st = c.session->OnWireItem(HubHandshake(ch, *k.key, k.instance), c.inst.clock.NowMono());
    EXPECT_EQ(st.code(), Code::kPermissionDenied) << st.ToString();
    EXPECT_TRUE(Drain(c.out).empty()) << "the pairing secret never leaves";
  }
  // A handshake that does not verify (signed over another transcript).
  {
    ClientUnderTest c(genuine);
    auto ch = c.KeyExchange();
    SyncStreamItem inner;
    *inner.mutable_handshake() = *crypto::MakeHandshake(genuine, "hub", "", Bytes(32, 7));
    Status st = c.session->OnWireItem(*ch.Seal(inner), c.inst.clock.NowMono());
    EXPECT_FALSE(st.ok());
    EXPECT_TRUE(Drain(c.out).empty());
  }
}

TEST(SessionEngine, ClientAnswersTheVerifiedHubWithItsSecret) {
  auto hub_id = *crypto::Identity::Generate();
  ClientUnderTest c(hub_id);
  auto ch = c.KeyExchange();
  ASSERT_TRUE(c.session->OnWireItem(HubHandshake(ch, hub_id, "hub"), c.inst.clock.NowMono()).ok());
  auto sent = Drain(c.out);
  ASSERT_FALSE(sent.empty());
  ASSERT_TRUE(sent[0].has_handshake()) << "its handshake comes first";
  auto verified = crypto::VerifyHandshake(sent[0].handshake(), ch.transcript());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->pairing_secret, c.secret);
  EXPECT_EQ(verified->key_id, c.id.key_id());
  EXPECT_EQ(c.session->phase(), Session::Phase::kEstablished);
}

// ---- A pairing is visible to the redial that follows it at once ----

// A file system that tells when the config's new version is being written
// (fsync under way) and holds the write until released.
class GatedFileSystem final : public store::PosixFileSystem {
 public:
  Status WriteFileSynced(const std::string& path, const std::string& data, unsigned mode) override {
    if (path.ends_with("config.json.tmp")) {
      std::unique_lock lock(mu_);
      writing_ = true;
      cv_.notify_all();
      cv_.wait(lock, [&] { return released_; });
      writing_ = false;
      released_ = false;
    }
    return PosixFileSystem::WriteFileSynced(path, data, mode);
  }
  void AwaitWrite() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return writing_; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool writing_ = false;
  bool released_ = false;
};

// Backrest clears its secret once our handshake verifies and redials at
// once (SPEC §6a): the second session's handshake arrives while the first
// session's pairing is still being written. 200 such pairs, with another
// thread doing fsync-heavy writes meanwhile: the redial is never refused.
TEST(SessionEngine, RedialRightAfterPairingIsAuthorized) {
  Instance hub("instance: \"hub\"");
  GatedFileSystem fs;
  store::ConfigStore::Options co;
  co.path = hub.dir.File("config.json");
  co.fs = &fs;
  auto gated = store::ConfigStore::Open(co);
  ASSERT_TRUE(gated.ok());
  hub.config = std::move(*gated);
  auto hub_id = *crypto::Identity::Generate();

  std::atomic<bool> stop{false};
  std::thread disk_load([&] {
    const std::string path = hub.dir.File("load.bin");
    std::string block(64 << 10, 'x');
    while (!stop) {
      (void)store::PosixFileSystem::Instance().WriteFileSynced(path, block, 0600);
    }
  });

  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    std::string secret;
    std::thread add_token([&] { secret = AddToken(hub, 0); });
    fs.AwaitWrite();
    fs.Release();
    add_token.join();

    TestClient client;
    client.instance = "inst-" + std::to_string(i);
    Outbox out1(4096, &hub.clock), out2(4096, &hub.clock);
    Session pairing(HubOptions(hub, hub_id), &out1), redial(HubOptions(hub, hub_id), &out2);
    client.Connect(pairing, out1, hub.clock.NowMono());
    TestClient again;
    again.id = client.id;
    again.instance = client.instance;
    again.Connect(redial, out2, hub.clock.NowMono());

    std::thread first([&] {
      EXPECT_TRUE(pairing.OnWireItem(client.Handshake(secret), hub.clock.NowMono()).ok());
    });
    fs.AwaitWrite();  // the pairing is being written (not yet published)
    std::atomic<bool> redial_done{false};
    std::thread second([&] {
      Status st = redial.OnWireItem(again.Handshake(""), hub.clock.NowMono());
      if (!st.ok()) {
        ++refused;
        ADD_FAILURE() << "redial " << i << ": " << st.ToString();
      }
      redial_done = true;
    });
    // The redial decides while the pairing is still being written: it is
    // either done (refused or not) or waiting for that write.
    while (!redial_done && hub.config->pending_update_waiters() == 0) std::this_thread::yield();
    fs.Release();
    first.join();
    second.join();
    pairing.End(Disconnected("test"));
    redial.End(Disconnected("test"));
    if (refused > 3) break;
  }
  stop = true;
  disk_load.join();
  EXPECT_EQ(refused, 0);
}

}  // namespace
}  // namespace brs::sync
