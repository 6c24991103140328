// set_config between our hub and client handlers (SPEC §6, §6a): a refused
// push keeps the session, is recorded on both sides, and the
// "set-config-result" extension pairs each answer with its push (the
// state service's wait for the outcome: state_service_test.cc).
#include <gtest/gtest.h>

#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync/session_error.h"
#include "sync/set_config_result.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using store::testing::MakeOp;
using testing::Instance;
using testing::Loopback;
using testing::QueueSink;
using Kind = PushOutcome::Kind;

constexpr char kHubKey[] = "ed25519.hubkey";
constexpr char kClientKey[] = "ed25519.clientkey";

// The hub shares shared1; the client receives shared repos and forwards
// repo1's ops, but may not change plans or delete repos.
const char* kHubConfig = R"pb(
  instance: "hub"
  repos { id: "shared1" guid: "gs1" uri: "/srv/shared1" shared: true }
  multihost {
    authorized_clients {
      instance_id: "inst-a"
      keyid: "ed25519.clientkey"
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

const char* kClientConfig = R"pb(
  instance: "inst-a"
  repos { id: "repo1" guid: "guid-repo1" uri: "/backup/repo1" }
  multihost {
    known_hosts {
      instance_id: "hub"
      keyid: "ed25519.hubkey"
      instance_url: "http://127.0.0.1:9898"
      permissions { type: PERMISSION_READ_OPERATIONS scopes: "*" }
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

SyncStreamItem::SyncActionSetConfig PlanPush() {
  SyncStreamItem::SyncActionSetConfig set;
  set.add_plans()->set_id("pushed-plan");
  return set;
}

SyncStreamItem::SyncActionSetConfig RepoPush(const std::string& id) {
  SyncStreamItem::SyncActionSetConfig set;
  v1::Repo* r = set.add_repos();
  r->set_id(id);
  r->set_guid("g-" + id);
  r->set_uri("/srv/" + id);
  r->set_origin_instance_id("hub");
  return set;
}

// Both handlers of one session, each side announcing `features`, with
// metrics and a log that the test reads.
struct Link {
  Instance hub{kHubConfig}, client{kClientConfig};
  metrics::Registry registry;
  SyncMetrics metrics{registry};
  struct LogLine {
    bool warning;
    std::string message;
    AuditFields fields;
  };
  std::vector<LogLine> log;
  std::unique_ptr<HubHandler> h;
  std::unique_ptr<ClientHandler> c;
  Loopback loop{nullptr, nullptr, {}, {}};

  explicit Link(PeerFeatures features) {
    SyncEnv henv = hub.env(), cenv = client.env();
    henv.metrics = cenv.metrics = &metrics;
    henv.audit = cenv.audit = [this](std::string_view e, bool w, const AuditFields& f) {
      log.push_back({w, std::string(e), f});
    };
    h = std::make_unique<HubHandler>(henv, SyncTunables{}, features);
    c = std::make_unique<ClientHandler>(cenv, SyncTunables{}, features,
                                        client.config->Get()->multihost().known_hosts(0));
    loop.hub = h.get();
    loop.client = c.get();
  }
  Status Connect() {
    BRS_RETURN_IF_ERROR(h->OnConnectionEstablished(
        hub.config->Get()->multihost().authorized_clients(0), loop.to_client));
    v1::Multihost::Peer seen;
    seen.set_keyid(kHubKey);
    seen.set_instance_id("hub");
    BRS_RETURN_IF_ERROR(c->OnConnectionEstablished(seen, loop.to_hub));
    return loop.Pump();
  }
  std::string ClientSideMessage() { return client.peers->Get(kHubKey)->status_message(); }
  std::string HubSideMessage() { return hub.peers->Get(kClientKey)->status_message(); }
  bool ClientHasRepo(const std::string& id) {
    for (const auto& r : client.config->Get()->repos()) {
      if (r.id() == id) return true;
    }
    return false;
  }
};

TEST(SetConfig, SharedRepoLandsWithBackrestsDefaultGrant) {
  Link l({});
  BRS_ASSERT_OK(l.Connect());
  EXPECT_TRUE(l.ClientHasRepo("shared1"));
  ASSERT_EQ(l.log.size(), 1u);
  EXPECT_EQ(l.log[0].message, "applied set_config from hub");
  EXPECT_FALSE(l.log[0].warning);
  EXPECT_EQ(l.log[0].fields.back(), (std::pair<std::string, std::string>{"repos_new", "shared1"}));
  EXPECT_EQ(l.ClientSideMessage(), "connected");
}

TEST(SetConfig, ClientRefusalKeepsTheSessionAndShowsUntilAPushApplies) {
  Link l({});  // a hub that does not hear the outcome (Backrest's view)
  BRS_ASSERT_OK(l.Connect());
  const auto before = *l.client.config->Get();
  BRS_ASSERT_OK(l.h->PushConfig(PlanPush(), l.loop.to_client));
  BRS_ASSERT_OK(l.loop.Pump());  // no error: the session goes on
  EXPECT_EQ(l.client.config->Get()->modno(), before.modno()) << "nothing applied";
  EXPECT_EQ(l.ClientSideMessage(),
            "connected; refused the hub's set_config: host may not change plan \"pushed-plan\"");
  EXPECT_EQ(l.metrics.set_config_refused.With({"client"}).Value(), 1u);
  ASSERT_FALSE(l.log.empty());
  EXPECT_TRUE(l.log.back().warning);
  EXPECT_EQ(l.log.back().fields.back().second, "host may not change plan \"pushed-plan\"");
  EXPECT_EQ(l.HubSideMessage(), "connected") << "a Backrest-like hub learns nothing";

  // Ops keep flowing after the refusal.
  std::vector<v1::Operation> ops = {MakeOp("plan1", "repo1", 1'700'000'000'000)};
  ASSERT_TRUE(l.client.oplog->Add(ops).ok());
  BRS_ASSERT_OK(l.loop.Pump());
  EXPECT_EQ(l.hub.oplog->ListSynced(kClientKey)->size(), 1u);

  // A later push that applies clears the message.
  BRS_ASSERT_OK(l.h->PushConfig(RepoPush("second"), l.loop.to_client));
  BRS_ASSERT_OK(l.loop.Pump());
  EXPECT_TRUE(l.ClientHasRepo("second"));
  EXPECT_EQ(l.ClientSideMessage(), "connected");
  EXPECT_EQ(l.log.back().message, "applied set_config from hub");
}

TEST(SetConfig, HubPairsEachAnswerWithItsPush) {
  Link l(PeerFeatures::All());
  BRS_ASSERT_OK(l.Connect());  // the shared repo push is answered too
  std::vector<PushOutcome> outcomes;
  auto record = [&](const PushOutcome& o) { outcomes.push_back(o); };
  BRS_ASSERT_OK(l.h->PushConfig(PlanPush(), l.loop.to_client, record));
  BRS_ASSERT_OK(l.h->PushConfig(RepoPush("second"), l.loop.to_client, record));
  ASSERT_TRUE(outcomes.empty()) << "nothing known before the client answers";
  // Both pushes handled by the client, before the hub reads its answers.
  SyncStreamItem item;
  while (l.loop.to_client.Pop(&item)) BRS_ASSERT_OK(DispatchItem(item, *l.c, l.loop.to_hub));
  ASSERT_TRUE(l.loop.to_hub.Pop(&item));
  BRS_ASSERT_OK(DispatchItem(item, *l.h, l.loop.to_client));
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].kind, Kind::kRefused);
  EXPECT_EQ(outcomes[0].message, "host may not change plan \"pushed-plan\"");
  EXPECT_EQ(l.HubSideMessage(),
            "connected; the client refused set_config: host may not change plan \"pushed-plan\"");
  EXPECT_EQ(l.metrics.set_config_refused.With({"hub"}).Value(), 1u);
  BRS_ASSERT_OK(l.loop.Pump());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1].kind, Kind::kApplied);
  EXPECT_EQ(l.HubSideMessage(), "connected");
  EXPECT_TRUE(l.ClientHasRepo("second"));
}

TEST(SetConfig, WithoutTheExtensionNothingIsAnsweredOrAccepted) {
  Link l({});
  BRS_ASSERT_OK(l.Connect());
  std::optional<PushOutcome> outcome;
  BRS_ASSERT_OK(
      l.h->PushConfig(PlanPush(), l.loop.to_client, [&](const PushOutcome& o) { outcome = o; }));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->kind, Kind::kUnreported);
  SyncStreamItem item;
  ASSERT_TRUE(l.loop.to_client.Pop(&item));
  BRS_ASSERT_OK(DispatchItem(item, *l.c, l.loop.to_hub));
  EXPECT_EQ(l.loop.to_hub.size(), 0u) << "never an answer to a hub that did not ask";
  // A hub that did not announce it treats an answer as a protocol error.
  EXPECT_EQ(DispatchItem(SetConfigResultItem({}), *l.h, l.loop.to_client).code(),
            Code::kInvalidArgument);
}

TEST(SetConfig, HubRejectsMalformedOrUnsolicitedAnswers) {
  Link l(PeerFeatures::All());
  BRS_ASSERT_OK(l.Connect());  // every push answered: none outstanding
  EXPECT_EQ(DispatchItem(SetConfigResultItem({}), *l.h, l.loop.to_client).code(),
            Code::kInvalidArgument);
  BRS_ASSERT_OK(l.h->PushConfig(PlanPush(), l.loop.to_client));
  SyncStreamItem two = SetConfigResultItem({SetConfigRefusal::Kind::kDeletePlan, "a", ""});
  two.mutable_set_config()->add_repos_to_delete("b");
  EXPECT_EQ(DispatchItem(two, *l.h, l.loop.to_client).code(), Code::kInvalidArgument);
  SyncStreamItem long_id =
      SetConfigResultItem({SetConfigRefusal::Kind::kPlan, std::string(257, 'p'), ""});
  EXPECT_EQ(DispatchItem(long_id, *l.h, l.loop.to_client).code(), Code::kInvalidArgument);
  EXPECT_EQ(l.HubSideMessage(), "connected");
  EXPECT_EQ(l.metrics.set_config_refused.With({"hub"}).Value(), 0u);
}

TEST(SetConfig, PushesWaitingForAnAnswerEndWithTheSession) {
  Link l(PeerFeatures::All());
  BRS_ASSERT_OK(l.Connect());
  std::optional<PushOutcome> outcome;
  BRS_ASSERT_OK(
      l.h->PushConfig(PlanPush(), l.loop.to_client, [&](const PushOutcome& o) { outcome = o; }));
  l.h->OnConnectionDisconnected(Disconnected("peer closed the stream"));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->kind, Kind::kEnded);
  EXPECT_EQ(outcome->message, "peer closed the stream");
}

TEST(SetConfigResult, EachKindRoundTrips) {
  using RK = SetConfigRefusal::Kind;
  for (SetConfigRefusal r :
       {SetConfigRefusal{}, SetConfigRefusal{RK::kPlan, "p", ""},
        SetConfigRefusal{RK::kRepo, "r", "g"}, SetConfigRefusal{RK::kDeletePlan, "dp", ""},
        SetConfigRefusal{RK::kDeleteRepo, "dr", ""}}) {
    auto item = SetConfigResultItem(r);
    auto back = ParseSetConfigResult(item.set_config());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->kind, r.kind);
    EXPECT_EQ(back->id, r.id);
    EXPECT_EQ(back->guid, r.guid);
  }
}

}  // namespace
}  // namespace brs::sync
