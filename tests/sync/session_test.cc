// Whole sessions with the real crypto (key exchange, handshake, pairing)
// between hub and client runners joined by an in-memory pipe.
#include "sync/session.h"

#include <gtest/gtest.h>

#include <thread>

#include "crypto/pairing_token.h"
#include "store/store_test_util.h"
#include "sync/hub_session.h"
#include "sync/pipe_transport.h"
#include "sync/session_error.h"
#include "sync/session_runner.h"
#include "sync/session_test_util.h"

namespace brs::sync {
namespace {

using testing::AddKnownHost;
using testing::Authorize;
using testing::HostEntry;
using testing::Node;
using testing::SteadyNowMsForTest;

std::string HubText(const std::string& extra = "") {
  return "instance: \"hub\"\n multihost { " + extra + " }";
}

// Runs hub and client over a pipe until `done` holds (or a side ends);
// returns both end statuses.
struct Outcome {
  Status hub, client;
};

Outcome RunPair(Node& hub, Node& client, const v1::Multihost::Peer& known_host,
                const std::function<bool()>& done) {
  auto [a, b] = PipeTransport::Pair();
  SessionOptions ho = hub.Options(Role::kHub);
  SessionOptions co = client.Options(Role::kClient);
  co.known_host = known_host;
  auto hr = SessionRunner::Create(ho, a.get());
  auto cr = SessionRunner::Create(co, b.get());
  Outcome out;
  std::atomic<int> ended{0};
  std::thread th([&, hr] {
    out.hub = hr->Run();
    ended++;
  });
  std::thread tc([&, cr] {
    out.client = cr->Run();
    ended++;
  });
  (void)testing::WaitFor([&] { return done() || ended.load() == 2; });
  cr->Terminate(Disconnected("test done"));
  hr->Terminate(Disconnected("test done"));
  th.join();
  tc.join();
  return out;
}

// A client with repo1 (whose ops MakeOp makes).
std::string ClientText() {
  return "instance: \"inst-a\"\n repos { id: \"repo1\" guid: \"guid-repo1\" uri: \"/r\" }\n";
}

std::string AddToken(Node& hub, int64_t expires, int max_uses) {
  std::string secret = crypto::GeneratePairingSecret();
  EXPECT_TRUE(hub.inst->config
                  ->Update([&](v1::Config& c) {
                    auto* t = c.mutable_multihost()->add_pairing_tokens();
                    t->set_secret(secret);
                    t->set_label("test");
                    t->set_expires_at_unix(expires);
                    t->set_max_uses(max_uses);
                    return Status();
                  })
                  .ok());
  return secret;
}

void AddOps(Node& n, int count) {
  std::vector<v1::Operation> ops;
  for (int i = 0; i < count; ++i)
    ops.push_back(store::testing::MakeOp("plan1", "repo1", 1'700'000'000'000 + i));
  ASSERT_TRUE(n.inst->oplog->Add(ops).ok());
}

int64_t HubCount(Node& hub) { return *hub.inst->oplog->Count({}); }

TEST(Session, SyncsOperationsAfterKeyExchangeAndHandshake) {
  Node hub(HubText()), client(ClientText());
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  AddOps(client, 500);
  auto out = RunPair(hub, client, HostEntry(hub), [&] { return HubCount(hub) == 500; });
  EXPECT_EQ(HubCount(hub), 500);
  EXPECT_EQ(hub.inst->oplog->ListSynced(client.id.key_id())->size(), 500u);
  // After the end both sides record a disconnect, not an error.
  EXPECT_EQ(hub.inst->peers->Get(client.id.key_id())->state(),
            v1sync::CONNECTION_STATE_DISCONNECTED);
  EXPECT_EQ(client.inst->peers->Get(hub.id.key_id())->state(),
            v1sync::CONNECTION_STATE_DISCONNECTED);
}

TEST(Session, PairingWithAValidTokenAuthorizesTheClient) {
  Node hub(HubText()), client(ClientText());
  std::string secret = AddToken(hub, 0, 1);
  auto host = HostEntry(hub, secret);
  AddKnownHost(client, host);
  AddOps(client, 10);
  auto out = RunPair(hub, client, host, [&] { return HubCount(hub) == 10; });
  EXPECT_EQ(HubCount(hub), 10);
  auto cfg = hub.inst->config->Get();
  ASSERT_EQ(cfg->multihost().authorized_clients_size(), 1);
  EXPECT_EQ(cfg->multihost().authorized_clients(0).keyid(), client.id.key_id());
  EXPECT_EQ(cfg->multihost().authorized_clients(0).instance_id(), "inst-a");
  EXPECT_EQ(cfg->multihost().pairing_tokens_size(), 0) << "a max_uses = 1 token is used up";
  EXPECT_TRUE(
      client.inst->config->Get()->multihost().known_hosts(0).initial_pairing_secret().empty());
}

struct AuthCase {
  const char* name;
  std::function<v1::Multihost::Peer(Node& hub, Node& client)> setup;
};

TEST(Session, AuthFailuresEndWithErrorAuthAndChangeNothing) {
  std::vector<AuthCase> cases = {
      {"expired token", [](Node& hub, Node&) { return HostEntry(hub, AddToken(hub, 1'000, 0)); }},
      {"used-up token",
       [](Node& hub, Node&) {
         std::string s = AddToken(hub, 0, 2);
         EXPECT_TRUE(hub.inst->config
                         ->Update([](v1::Config& c) {
                           c.mutable_multihost()->mutable_pairing_tokens(0)->set_uses(2);
                           return Status();
                         })
                         .ok());
         return HostEntry(hub, s);
       }},
      {"unknown key without a secret", [](Node& hub, Node&) { return HostEntry(hub); }},
      {"wrong secret",
       [](Node& hub, Node&) {
         AddToken(hub, 0, 1);
         return HostEntry(hub, crypto::GeneratePairingSecret());
       }},
      {"authorized under another instance ID",
       [](Node& hub, Node& client) {
         Authorize(hub, client, "someone-else");
         return HostEntry(hub);
       }},
      {"client expects another hub key",
       [](Node& hub, Node& client) {
         Authorize(hub, client);
         auto h = HostEntry(hub);
         h.set_keyid(crypto::Identity::Generate()->key_id());
         return h;
       }},
      {"hub instance ID differs from the known host",
       [](Node& hub, Node& client) {
         Authorize(hub, client);
         auto h = HostEntry(hub);
         h.set_instance_id("not-the-hub");
         return h;
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Node hub(HubText()), client(ClientText());
    auto host = c.setup(hub, client);
    AddKnownHost(client, host);
    AddOps(client, 3);
    const auto before = hub.inst->config->Get()->multihost().SerializeAsString();
    auto out = RunPair(hub, client, host, [] { return false; });
    EXPECT_EQ(out.client.code(), Code::kPermissionDenied) << out.client.ToString();
    EXPECT_EQ(HubCount(hub), 0);
    EXPECT_EQ(hub.inst->config->Get()->multihost().SerializeAsString(), before);
  }
}

TEST(Session, TwentyClientsRaceForAOneUseToken) {
  Node hub(HubText());
  std::string secret = AddToken(hub, 0, 1);
  std::vector<std::unique_ptr<Node>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Node>(ClientText()));
    AddKnownHost(*clients.back(), HostEntry(hub, secret));
  }
  std::vector<std::thread> threads;
  std::vector<Status> ends(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      const std::string me = clients[i]->id.key_id();
      auto out = RunPair(hub, *clients[i], HostEntry(hub, secret), [&hub, me] {
        for (const auto& c : hub.inst->config->Get()->multihost().authorized_clients()) {
          if (c.keyid() == me) return true;  // the winner stops once paired
        }
        return false;
      });
      ends[i] = out.client;
    });
  }
  for (auto& t : threads) t.join();
  auto cfg = hub.inst->config->Get();
  EXPECT_EQ(cfg->multihost().authorized_clients_size(), 1);
  EXPECT_EQ(cfg->multihost().pairing_tokens_size(), 0);
  int denied = 0;
  for (const auto& s : ends) denied += s.code() == Code::kPermissionDenied;
  EXPECT_EQ(denied, 19);
}

// A hub session and its client over one pipe, each runner on its thread.
struct LivePair {
  std::unique_ptr<PipeTransport> a, b;
  std::shared_ptr<HubSession> hub;
  std::shared_ptr<SessionRunner> client;
  std::thread th, tc;
  std::atomic<bool> hub_ended{false};
  void Join() {
    if (th.joinable()) th.join();
    if (tc.joinable()) tc.join();
  }
  ~LivePair() {
    if (th.joinable() || tc.joinable()) {
      client->Terminate(Disconnected("test over"));
      hub->Terminate(Disconnected("test over"));
    }
    Join();
  }
};

std::unique_ptr<LivePair> StartPair(Node& hub, Node& client, const v1::Multihost::Peer& host,
                                    SessionRegistry* registry) {
  auto p = std::make_unique<LivePair>();
  auto [a, b] = PipeTransport::Pair();
  p->a = std::move(a);
  p->b = std::move(b);
  SessionOptions co = client.Options(Role::kClient);
  co.known_host = host;
  p->hub = HubSession::Create(hub.Options(Role::kHub), p->a.get(), registry);
  p->client = SessionRunner::Create(co, p->b.get());
  LivePair* raw = p.get();
  p->th = std::thread([raw] {
    (void)raw->hub->Run();
    raw->hub_ended = true;
  });
  p->tc = std::thread([raw] { (void)raw->client->Run(); });
  return p;
}

// SPEC §6 / issue: the old session of a peer ends (its client went away)
// just as the new one connects. Whatever the interleaving, the stored
// state is the live session's: CONNECTED.
TEST(Session, DisplacedSessionsNeverOverwriteTheLiveSessionsState) {
  Node hub(HubText()), client(ClientText());
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  SessionRegistry registry;
  const std::string key = client.id.key_id();

  // When the newest session writes CONNECTED, the previous one's client
  // hangs up; the old hub session's end then races with the new session.
  std::mutex mu;
  LivePair* previous = nullptr;
  auto sub = hub.inst->peers->Subscribe([&](const v1sync::PeerState& s) {
    if (s.state() != v1sync::CONNECTION_STATE_CONNECTED) return;
    std::lock_guard lock(mu);
    if (previous == nullptr) return;
    previous->client->Terminate(Disconnected("client restarts"));
    // Give the old session a chance to end while the new one is between
    // its CONNECTED and whatever follows (bounded: a store that serializes
    // deliveries would hold the old session's write until we return).
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (!previous->hub_ended && std::chrono::steady_clock::now() < until) {
      std::this_thread::yield();
    }
    previous = nullptr;
  });

  std::unique_ptr<LivePair> old;
  int wrong = 0;
  for (int i = 0; i < 500 && wrong < 3; ++i) {
    {
      std::lock_guard lock(mu);
      previous = old.get();
    }
    auto live = StartPair(hub, client, HostEntry(hub), &registry);
    // Established: its peer is known once CONNECTED was written.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((live->hub->peer().keyid().empty() || registry.Find(key).get() != live->hub.get()) &&
           !live->hub_ended && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::yield();
    }
    ASSERT_FALSE(live->hub_ended) << "session " << i << " ended early";
    if (old) old->Join();  // the previous session has fully ended
    auto state = hub.inst->peers->Get(key);
    ASSERT_TRUE(state.ok());
    if (state->state() != v1sync::CONNECTION_STATE_CONNECTED) {
      ++wrong;
      ADD_FAILURE() << "after displacement " << i << " the live session shows "
                    << v1sync::ConnectionState_Name(state->state()) << " "
                    << state->status_message();
    }
    old = std::move(live);
  }
  hub.inst->peers->Unsubscribe(sub);
  old->client->Terminate(Disconnected("test done"));
  old->Join();
  EXPECT_EQ(wrong, 0);
}

TEST(Session, ProtocolViolationsBeforeAndAfterTheKeyExchange) {
  Node hub(HubText());
  // Anything but establish_shared_secret first: protocol error.
  {
    auto [a, b] = PipeTransport::Pair();
    auto hr = SessionRunner::Create(hub.Options(Role::kHub), a.get());
    SyncStreamItem hb;
    hb.mutable_heartbeat();
    ASSERT_TRUE(b->Write(hb.SerializeAsString()).ok());
    Status end = hr->Run();
    EXPECT_EQ(end.code(), Code::kInvalidArgument) << end.ToString();
    std::string m;
    auto r = b->Read(&m, SteadyNowMsForTest() + 5000);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << "the peer learns why";
  }
  // A wrong protocol version in the establish item.
  {
    auto [a, b] = PipeTransport::Pair();
    auto hr = SessionRunner::Create(hub.Options(Role::kHub), a.get());
    SyncStreamItem e;
    e.mutable_establish_shared_secret()->set_protocol_version(2);
    e.mutable_establish_shared_secret()->set_kem_public_key(std::string(1665, 'x'));
    ASSERT_TRUE(b->Write(e.SerializeAsString()).ok());
    EXPECT_EQ(hr->Run().code(), Code::kInvalidArgument);
  }
  // Garbage bytes.
  {
    auto [a, b] = PipeTransport::Pair();
    auto hr = SessionRunner::Create(hub.Options(Role::kHub), a.get());
    ASSERT_TRUE(b->Write("\xff\xff\xff garbage").ok());
    EXPECT_EQ(hr->Run().code(), Code::kInvalidArgument);
  }
  // Silence: the handshake deadline ends the session.
  {
    auto [a, b] = PipeTransport::Pair();
    auto o = hub.Options(Role::kHub);
    o.handshake_timeout_ms = 150;
    auto hr = SessionRunner::Create(o, a.get());
    Status end = hr->Run();
    EXPECT_EQ(end.code(), Code::kInvalidArgument);
    EXPECT_NE(end.message().find("handshake"), std::string::npos);
  }
}

// The hub reaches a live client through the registry's HubSessionHandle:
// a push whose outcome the client reports (here a refusal: it may not
// change plans), and a throttle, both only to a client that announced them.
TEST(Session, TheRegistryReachesALiveClientWithPushesAndThrottles) {
  Node hub(HubText()), client(ClientText());
  hub.peer_features = PeerFeatures::All();
  client.peer_features = PeerFeatures::All();
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  SessionRegistry registry;
  auto live = StartPair(hub, client, HostEntry(hub), &registry);
  const std::string key = client.id.key_id();
  ASSERT_TRUE(testing::WaitFor([&] { return !live->hub->peer().keyid().empty(); }));

  std::mutex mu;
  std::optional<PushOutcome> outcome;
  SyncStreamItem::SyncActionSetConfig push;
  push.add_plans()->set_id("plan-from-hub");
  BRS_ASSERT_OK(registry.Find(key)->PushConfig(push, [&](const PushOutcome& o) {
    std::lock_guard lock(mu);
    outcome = o;
  }));
  EXPECT_TRUE(testing::WaitFor([&] {
    std::lock_guard lock(mu);
    return outcome.has_value();
  }));
  {
    std::lock_guard lock(mu);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_EQ(outcome->kind, PushOutcome::Kind::kRefused) << outcome->message;
  }
  EXPECT_TRUE(registry.Find(key)->Throttle(10));
  EXPECT_TRUE(testing::WaitFor([&] { return client.Throttles("received") == 1; }));
  EXPECT_EQ(hub.Throttles("sent"), 1u);
  live->client->Terminate(Disconnected("test done"));
  live->Join();

  // A client that announced nothing (as Backrest): no throttle.
  Node plain(HubText());
  Authorize(plain, client);
  AddKnownHost(client, HostEntry(plain));
  auto other = StartPair(plain, client, HostEntry(plain), &registry);
  ASSERT_TRUE(testing::WaitFor([&] { return !other->hub->peer().keyid().empty(); }));
  EXPECT_FALSE(registry.Find(key)->Throttle(10));
  other->client->Terminate(Disconnected("test done"));
  other->Join();
  EXPECT_EQ(plain.Throttles("sent"), 0u);
}

TEST(Session, NewerSessionDisplacesTheOlder) {
  Node hub(HubText()), client(ClientText());
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  SessionRegistry registry;
  auto [a1, b1] = PipeTransport::Pair();
  auto [a2, b2] = PipeTransport::Pair();
  auto h1 = HubSession::Create(hub.Options(Role::kHub), a1.get(), &registry);
  auto h2 = HubSession::Create(hub.Options(Role::kHub), a2.get(), &registry);
  auto co = client.Options(Role::kClient);
  co.known_host = HostEntry(hub);
  auto c1 = SessionRunner::Create(co, b1.get());
  auto c2 = SessionRunner::Create(co, b2.get());
  Status s_h1, s_c1, s_h2, s_c2;
  std::thread t1([&] { s_h1 = h1->Run(); });
  std::thread t2([&] { s_c1 = c1->Run(); });
  ASSERT_TRUE(testing::WaitFor([&] { return registry.size() == 1; }));
  std::thread t3([&] { s_h2 = h2->Run(); });
  std::thread t4([&] { s_c2 = c2->Run(); });
  t1.join();  // the first hub session ends: displaced
  t2.join();
  EXPECT_EQ(s_h1.code(), Code::kUnavailable);
  EXPECT_EQ(s_h1.message(), "displaced by newer connection");
  EXPECT_EQ(registry.Find(client.id.key_id()).get(), h2.get());
  EXPECT_EQ(hub.inst->peers->Get(client.id.key_id())->state(), v1sync::CONNECTION_STATE_CONNECTED);
  c2->Terminate(Disconnected("done"));
  t3.join();
  t4.join();
}

}  // namespace
}  // namespace brs::sync

namespace brs::sync {
namespace {

// The throttle extension between two of our peers: a hub whose ingest
// backlog passes the threshold asks the client to pause; the client pauses
// and then finishes the sync with nothing lost.
TEST(Session, HubThrottlesABackloggedClientThatAnnouncedIt) {
  Node hub(HubText()), client(ClientText());
  hub.peer_features = PeerFeatures::All();     // the client announced it
  client.peer_features = PeerFeatures::All();  // and so did the hub
  hub.throttle_backlog = 2;
  hub.throttle_delay_ms = 50;
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  AddOps(client, 5'000);  // ten 512-op batches queue up at the hub
  auto out = RunPair(hub, client, HostEntry(hub), [&] { return HubCount(hub) == 5'000; });
  EXPECT_EQ(HubCount(hub), 5'000);
  EXPECT_EQ(hub.inst->oplog->ListSynced(client.id.key_id())->size(), 5'000u);
  EXPECT_GT(hub.Throttles("sent"), 0u);
  EXPECT_EQ(client.Throttles("received"), hub.Throttles("sent"));
  EXPECT_EQ(hub.Throttles("received"), 0u);
  EXPECT_EQ(client.Throttles("sent"), 0u);
}

// The same backlog with a peer that did not announce the extension (as
// Backrest does not): no throttle is ever sent.
TEST(Session, NoThrottleForAPeerThatDidNotAnnounceIt) {
  Node hub(HubText()), client(ClientText());
  hub.throttle_backlog = 1;
  hub.throttle_delay_ms = 50;
  Authorize(hub, client);
  AddKnownHost(client, HostEntry(hub));
  AddOps(client, 5'000);
  auto out = RunPair(hub, client, HostEntry(hub), [&] { return HubCount(hub) == 5'000; });
  EXPECT_EQ(HubCount(hub), 5'000);
  EXPECT_EQ(hub.Throttles("sent"), 0u);
  EXPECT_EQ(client.Throttles("received"), 0u);
}

}  // namespace
}  // namespace brs::sync
