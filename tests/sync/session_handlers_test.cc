// The hub and client handlers back to back over an in-process loopback, on
// real SQLite stores in temp dirs: SPEC §6 behaviour without crypto or I/O.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "store/invalid_ops.h"
#include "store/sqlite_db.h"
#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync/session_error.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using store::testing::MakeOp;
using testing::Instance;
using testing::Loopback;
using testing::ParseText;
using testing::QueueSink;

constexpr char kHubKey[] = "ed25519.hubkey";
constexpr char kClientKey[] = "ed25519.clientkey";

const char* kHubConfig = R"pb(
  instance: "hub"
  repos { id: "shared1" guid: "gs1" uri: "/srv/shared1" shared: true }
  repos { id: "private" guid: "gp" uri: "/srv/private" }
  plans { id: "hubplan" repo: "private" }
  multihost {
    authorized_clients {
      instance_id: "inst-a"
      keyid: "ed25519.clientkey"
      permissions { type: PERMISSION_READ_CONFIG scopes: "repo:shared1" }
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

const char* kClientConfig = R"pb(
  instance: "inst-a"
  repos { id: "repo1" guid: "guid-repo1" uri: "/backup/repo1" }
  repos { id: "repo2" guid: "guid-repo2" uri: "/backup/repo2" }
  multihost {
    known_hosts {
      instance_id: "hub"
      keyid: "ed25519.hubkey"
      instance_url: "http://127.0.0.1:9898"
      initial_pairing_secret: "00112233"
      permissions { type: PERMISSION_READ_OPERATIONS scopes: "repo:repo1" }
      permissions { type: PERMISSION_READ_CONFIG scopes: "repo:repo1" }
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

v1::Multihost::Peer ClientEntryAtHub(const Instance& hub) {
  return hub.config->Get()->multihost().authorized_clients(0);
}
v1::Multihost::Peer HostEntryAtClient(const Instance& client) {
  return client.config->Get()->multihost().known_hosts(0);
}

// One connected session: both handlers and the loopback between them.
struct Session {
  std::unique_ptr<HubHandler> hub;
  std::unique_ptr<ClientHandler> client;
  Loopback link{nullptr, nullptr, {}, {}};

  Session(Instance& hub_i, Instance& client_i, PeerFeatures features = {}) {
    hub = std::make_unique<HubHandler>(hub_i.env(), SyncTunables{}, features);
    client = std::make_unique<ClientHandler>(client_i.env(), SyncTunables{}, features,
                                             HostEntryAtClient(client_i));
    link.hub = hub.get();
    link.client = client.get();
  }
  Status Connect(Instance& hub_i) {
    BRS_RETURN_IF_ERROR(hub->OnConnectionEstablished(ClientEntryAtHub(hub_i), link.to_client));
    v1::Multihost::Peer hub_as_seen;
    hub_as_seen.set_keyid(kHubKey);
    hub_as_seen.set_instance_id("hub");
    BRS_RETURN_IF_ERROR(client->OnConnectionEstablished(hub_as_seen, link.to_hub));
    return link.Pump();
  }
  void Disconnect(const Status& why = Status()) {
    client->OnConnectionDisconnected(why);
    hub->OnConnectionDisconnected(why);
  }
};

std::vector<v1::Operation> AddOps(Instance& inst, int n, const std::string& repo = "repo1") {
  std::vector<v1::Operation> ops;
  for (int i = 0; i < n; ++i) {
    ops.push_back(MakeOp("plan1", repo, 1'700'000'000'000 + i));
  }
  EXPECT_TRUE(inst.oplog->Add(ops).ok());
  return ops;
}

// (original_id -> modno) of everything the hub holds from the client.
std::map<int64_t, int64_t> HubView(Instance& hub) {
  std::map<int64_t, int64_t> out;
  auto list = hub.oplog->ListSynced(kClientKey);
  EXPECT_TRUE(list.ok());
  for (const auto& e : *list) out[e.original_id] = e.modno;
  return out;
}

// (id -> modno) of the client's forwardable ops (repo1).
std::map<int64_t, int64_t> ClientView(Instance& client) {
  std::map<int64_t, int64_t> out;
  store::OpQuery q;
  q.repo_id = "repo1";
  auto ops = client.oplog->Query(q);
  EXPECT_TRUE(ops.ok());
  for (const auto& op : *ops) out[op.id()] = op.modno();
  return out;
}

TEST(SessionHandlers, InitialSyncMapsIdsFlowsAndKeepsModnos) {
  Instance hub(kHubConfig), client(kClientConfig);
  // Ops from several flows: every third op joins the flow of the op before.
  std::vector<v1::Operation> ops;
  for (int i = 0; i < 300; ++i) {
    std::vector<v1::Operation> one = {MakeOp("plan1", "repo1", 1'700'000'000'000 + i)};
    if (i % 3 == 2) one[0].set_flow_id(ops.back().flow_id());
    ASSERT_TRUE(client.oplog->Add(one).ok());
    ops.push_back(one[0]);
  }
  AddOps(client, 5, "repo2");     // not forwardable: no READ_OPERATIONS for repo2
  for (int i = 0; i < 20; ++i) {  // updated: modnos differ from ids
    ops[i].set_display_message("updated");
    std::vector<v1::Operation> one = {ops[i]};
    ASSERT_TRUE(client.oplog->Update(one).ok());
    ops[i] = one[0];
  }

  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));

  EXPECT_EQ(*hub.oplog->Count({}), 300);
  std::map<int64_t, int64_t> flow_map;  // client flow -> hub flow
  for (const auto& op : ops) {
    auto got = hub.oplog->GetSynced(kClientKey, op.id());
    ASSERT_TRUE(got.ok()) << op.id();
    EXPECT_EQ(got->modno(), op.modno());
    EXPECT_EQ(got->original_flow_id(), op.flow_id());
    EXPECT_EQ(got->original_instance_keyid(), kClientKey);
    EXPECT_EQ(got->display_message(), op.display_message());
    auto [it, fresh] = flow_map.emplace(op.flow_id(), got->flow_id());
    EXPECT_EQ(it->second, got->flow_id()) << "ops of one client flow share one hub flow";
  }
  EXPECT_EQ(flow_map.size(), 200u);

  // Peer states on both ends, the resources each side announced, and the
  // pairing secret cleared on the client.
  auto at_hub = hub.peers->Get(kClientKey);
  ASSERT_TRUE(at_hub.ok());
  EXPECT_EQ(at_hub->state(), v1sync::CONNECTION_STATE_CONNECTED);
  ASSERT_EQ(at_hub->known_repos_size(), 1);
  EXPECT_EQ(at_hub->known_repos(0).id(), "repo1");
  EXPECT_EQ(at_hub->remote_config().repos_size(), 1);
  auto at_client = client.peers->Get(kHubKey);
  ASSERT_TRUE(at_client.ok());
  EXPECT_EQ(at_client->state(), v1sync::CONNECTION_STATE_CONNECTED);
  EXPECT_EQ(at_client->remote_config().repos_size(), 1);  // only shared1 is viewable
  EXPECT_EQ(at_client->remote_config().repos(0).id(), "shared1");
  EXPECT_TRUE(HostEntryAtClient(client).initial_pairing_secret().empty());
  // The shared repo arrived through set_config, marked with its origin.
  auto cfg = client.config->Get();
  bool found = false;
  for (const auto& r : cfg->repos()) {
    if (r.id() == "shared1") {
      found = true;
      EXPECT_EQ(r.origin_instance_id(), "hub");
    }
  }
  EXPECT_TRUE(found);

  s.Disconnect(Disconnected("stream closed"));
  EXPECT_EQ(hub.peers->Get(kClientKey)->state(), v1sync::CONNECTION_STATE_DISCONNECTED);
}

TEST(SessionHandlers, LiveCreateUpdateDeletePropagate) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 10);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  ASSERT_EQ(HubView(hub), ClientView(client));

  auto more = AddOps(client, 3);
  ops[4].set_display_message("changed");
  std::vector<v1::Operation> upd = {ops[4]};
  ASSERT_TRUE(client.oplog->Update(upd).ok());
  std::vector<int64_t> del = {ops[7].id()};
  ASSERT_TRUE(client.oplog->Delete(del).ok());
  AddOps(client, 2, "repo2");  // not forwarded
  ASSERT_TRUE(s.link.Pump().ok());

  EXPECT_EQ(HubView(hub), ClientView(client));
  EXPECT_EQ(hub.oplog->GetSynced(kClientKey, ops[4].id())->display_message(), "changed");
  EXPECT_EQ(hub.oplog->GetSynced(kClientKey, ops[7].id()).status().code(), Code::kNotFound);
  EXPECT_EQ(*hub.oplog->Count({}), 12);
}

// A full sink refuses live events: the client falls behind without ever
// waiting (it runs on the store's writer), and catches up with a manifest
// once there is room: the hub ends up with exactly the client's ops.
TEST(SessionHandlers, AClientThatFellBehindCatchesUpWithAManifest) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 10);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  BRS_ASSERT_OK(s.client->CatchUp(s.link.to_hub));
  EXPECT_EQ(s.client->stats().catch_ups, 0) << "not behind: nothing to catch up";

  s.link.to_hub.full = true;
  AddOps(client, 5);
  ops[2].set_display_message("changed");
  std::vector<v1::Operation> upd = {ops[2]};
  ASSERT_TRUE(client.oplog->Update(upd).ok());
  std::vector<int64_t> del = {ops[3].id()};
  ASSERT_TRUE(client.oplog->Delete(del).ok());
  EXPECT_EQ(s.link.to_hub.size(), 0u) << "every event was refused";
  s.link.to_hub.full = false;
  AddOps(client, 1);
  EXPECT_EQ(s.link.to_hub.size(), 0u) << "behind: events are dropped until the catch-up";

  BRS_ASSERT_OK(s.client->CatchUp(s.link.to_hub));
  EXPECT_EQ(s.client->stats().catch_ups, 1);
  ASSERT_TRUE(s.link.Pump().ok());
  EXPECT_EQ(HubView(hub), ClientView(client));
  EXPECT_EQ(hub.oplog->GetSynced(kClientKey, ops[2].id())->display_message(), "changed");
  AddOps(client, 1);
  EXPECT_EQ(s.link.to_hub.size(), 1u) << "live again";
}

TEST(SessionHandlers, OfflineChangesConvergeThroughTheManifest) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 50);
  {
    Session s(hub, client);
    BRS_ASSERT_OK(s.Connect(hub));
    s.Disconnect(Disconnected("gone"));
  }
  // While disconnected: create, change, delete.
  AddOps(client, 7);
  for (int i : {1, 2, 3}) {
    ops[i].set_display_message("offline edit");
    std::vector<v1::Operation> one = {ops[i]};
    ASSERT_TRUE(client.oplog->Update(one).ok());
  }
  std::vector<int64_t> del = {ops[10].id(), ops[11].id()};
  ASSERT_TRUE(client.oplog->Delete(del).ok());

  Session again(hub, client);
  BRS_ASSERT_OK(again.Connect(hub));
  EXPECT_EQ(HubView(hub), ClientView(client));
  EXPECT_EQ(*hub.oplog->Count({}), 55);
  EXPECT_EQ(hub.oplog->GetSynced(kClientKey, ops[2].id())->display_message(), "offline edit");
  // Only the changed and new ops were requested the second time.
  EXPECT_EQ(again.hub->stats().ops_requested, 10);
  EXPECT_EQ(again.hub->stats().ops_deleted, 2);
}

TEST(SessionHandlers, HubRestartMidSyncLeavesNoDuplicates) {
  Instance hub(kHubConfig), client(kClientConfig);
  AddOps(client, 2000);
  {
    Session s(hub, client);
    ASSERT_TRUE(s.hub->OnConnectionEstablished(ClientEntryAtHub(hub), s.link.to_client).ok());
    v1::Multihost::Peer h;
    h.set_keyid(kHubKey);
    h.set_instance_id("hub");
    ASSERT_TRUE(s.client->OnConnectionEstablished(h, s.link.to_hub).ok());
    // The hub processes only part of the traffic, then "crashes".
    ASSERT_TRUE(s.link.Pump(8).ok());
    s.Disconnect(Disconnected("hub went away"));
  }
  int64_t partial = *hub.oplog->Count({});
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, 2000);
  hub.Restart();
  Session again(hub, client);
  BRS_ASSERT_OK(again.Connect(hub));
  EXPECT_EQ(*hub.oplog->Count({}), 2000);
  EXPECT_EQ(HubView(hub), ClientView(client));
}

TEST(SessionHandlers, TwoClientsKeepSeparateIdSpaces) {
  Instance hub(R"pb(
    instance: "hub"
    multihost {
      authorized_clients { instance_id: "inst-a" keyid: "ed25519.clientkey" }
      authorized_clients { instance_id: "inst-a" keyid: "ed25519.otherkey" }
    }
  )pb");
  Instance c1(kClientConfig), c2(kClientConfig);
  AddOps(c1, 30);
  AddOps(c2, 40);  // the same local IDs 1..30 exist on both clients
  Session s1(hub, c1);
  BRS_ASSERT_OK(s1.Connect(hub));
  // The second client connects under its own key.
  HubHandler hub2(hub.env(), SyncTunables{}, {});
  ClientHandler cl2(c2.env(), SyncTunables{}, {}, HostEntryAtClient(c2));
  Loopback link{&hub2, &cl2, {}, {}};
  ASSERT_TRUE(hub2.OnConnectionEstablished(hub.config->Get()->multihost().authorized_clients(1),
                                           link.to_client)
                  .ok());
  v1::Multihost::Peer h;
  h.set_keyid(kHubKey);
  h.set_instance_id("hub");
  ASSERT_TRUE(cl2.OnConnectionEstablished(h, link.to_hub).ok());
  ASSERT_TRUE(link.Pump().ok());
  EXPECT_EQ(*hub.oplog->Count({}), 70);
  EXPECT_EQ(hub.oplog->ListSynced(kClientKey)->size(), 30u);
  EXPECT_EQ(hub.oplog->ListSynced("ed25519.otherkey")->size(), 40u);
}

TEST(SessionHandlers, ClientRefusesAnotherHostThanItDialed) {
  Instance hub(kHubConfig), client(kClientConfig);
  ClientHandler c(client.env(), SyncTunables{}, {}, HostEntryAtClient(client));
  QueueSink out;
  v1::Multihost::Peer other;
  other.set_keyid("ed25519.someoneelse");
  other.set_instance_id("hub");
  Status st = c.OnConnectionEstablished(other, out);
  EXPECT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_EQ(out.size(), 0u);
  EXPECT_FALSE(HostEntryAtClient(client).initial_pairing_secret().empty());
}

// Grants in our own config that do not parse end the session the same way
// in both roles: our config's fault (ERROR_INTERNAL), not the peer's.
TEST(SessionHandlers, BadGrantsAreALocalConfigErrorInBothRoles) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto bad = [](v1::Multihost::Peer p) {
    p.mutable_permissions(0)->add_scopes("not-a-scope");
    return p;
  };
  HubHandler h(hub.env(), SyncTunables{}, {});
  QueueSink to_client;
  Status at_hub = h.OnConnectionEstablished(bad(ClientEntryAtHub(hub)), to_client);
  v1::Multihost::Peer hub_as_seen = HostEntryAtClient(client);
  ClientHandler c(client.env(), SyncTunables{}, {}, bad(hub_as_seen));
  QueueSink to_hub;
  Status at_client = c.OnConnectionEstablished(hub_as_seen, to_hub);
  for (const Status& st : {at_hub, at_client}) {
    EXPECT_EQ(ConnectionStateFor(st), v1sync::CONNECTION_STATE_ERROR_INTERNAL) << st.ToString();
    EXPECT_NE(st.message().find("permissions of"), std::string::npos) << st.message();
  }
  EXPECT_EQ(to_client.size(), 0u);
  EXPECT_EQ(to_hub.size(), 0u);
}

// The throttle extension goes through the dispatch like any message: a
// client that announced it pauses its sink; a hub never accepts one, nor a
// client that did not announce it.
TEST(SessionHandlers, AThrottleIsDispatchedToTheClientThatAnnouncedIt) {
  struct PausedSink : ItemSink {
    std::vector<Millis> pauses;
    void Send(SyncStreamItem) override {}
    void Pause(Millis delay) override { pauses.push_back(delay); }
  };
  Instance hub(kHubConfig), client(kClientConfig);
  SyncStreamItem throttle, too_long;
  throttle.mutable_throttle()->set_delay_ms(250);
  too_long.mutable_throttle()->set_delay_ms(3'600'000);
  PausedSink sink;
  ClientHandler announced(client.env(), SyncTunables{}, PeerFeatures::All(),
                          HostEntryAtClient(client));
  BRS_ASSERT_OK(DispatchItem(throttle, announced, sink));
  BRS_ASSERT_OK(DispatchItem(too_long, announced, sink));
  EXPECT_EQ(sink.pauses, (std::vector<Millis>{Millis(250), Millis(60'000)}));

  ClientHandler silent(client.env(), SyncTunables{}, {}, HostEntryAtClient(client));
  HubHandler h(hub.env(), SyncTunables{}, PeerFeatures::All());
  EXPECT_EQ(DispatchItem(throttle, silent, sink).code(), Code::kInvalidArgument);
  EXPECT_EQ(DispatchItem(throttle, h, sink).code(), Code::kInvalidArgument);
  EXPECT_EQ(sink.pauses.size(), 2u);
}

// Each role refuses the other role's messages (protocol error) and a
// malformed manifest, with nothing stored.
TEST(SessionHandlers, ProtocolViolationsChangeNothing) {
  Instance hub(kHubConfig), client(kClientConfig);
  AddOps(client, 5);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  const int64_t before = *hub.oplog->Count({});

  SyncStreamItem bad_manifest;
  bad_manifest.mutable_operation_manifest()->add_op_ids(1);
  QueueSink sink;
  EXPECT_EQ(DispatchItem(bad_manifest, *s.hub, sink).code(), Code::kInvalidArgument);

  SyncStreamItem request;
  request.mutable_request_operation_data()->add_op_ids(1);
  EXPECT_EQ(DispatchItem(request, *s.hub, sink).code(), Code::kInvalidArgument);

  SyncStreamItem ops;
  *ops.mutable_receive_operations()
       ->mutable_event()
       ->mutable_created_operations()
       ->add_operations() = MakeOp();
  EXPECT_EQ(DispatchItem(ops, *s.client, sink).code(), Code::kInvalidArgument);

  SyncStreamItem empty_event;
  empty_event.mutable_receive_operations();
  EXPECT_EQ(DispatchItem(empty_event, *s.hub, sink).code(), Code::kInvalidArgument);

  // (An invalid op in a batch is refused alone, the session going on:
  // HubRefusesAnInvalidOpAloneAndKeepsTheValidOnes.)

  SyncStreamItem log_req;  // extension not announced: as Backrest, an error
  log_req.mutable_request_log()->set_log_id("x");
  EXPECT_EQ(DispatchItem(log_req, *s.client, sink).code(), Code::kInvalidArgument);

  SyncStreamItem no_config;
  no_config.mutable_receive_config();
  EXPECT_EQ(DispatchItem(no_config, *s.hub, sink).code(), Code::kInvalidArgument);

  EXPECT_EQ(*hub.oplog->Count({}), before);
  EXPECT_EQ(sink.size(), 0u);
}

TEST(SessionHandlers, HubCannotFetchOpsTheClientDoesNotForward) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto hidden = AddOps(client, 3, "repo2");
  auto shown = AddOps(client, 2);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  SyncStreamItem req;
  for (const auto& op : hidden) req.mutable_request_operation_data()->add_op_ids(op.id());
  req.mutable_request_operation_data()->add_op_ids(shown[0].id());
  req.mutable_request_operation_data()->add_op_ids(999'999);  // missing: skipped
  QueueSink out;
  ASSERT_TRUE(DispatchItem(req, *s.client, out).ok());
  auto items = out.Drain();
  ASSERT_EQ(items.size(), 1u);
  const auto& got = items[0].receive_operations().event().updated_operations();
  ASSERT_EQ(got.operations_size(), 1);
  EXPECT_EQ(got.operations(0).id(), shown[0].id());
}

TEST(SessionHandlers, RequestOperationDataAnswersInBatchesOf512) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 1100);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  SyncStreamItem req;
  for (const auto& op : ops) req.mutable_request_operation_data()->add_op_ids(op.id());
  QueueSink out;
  ASSERT_TRUE(DispatchItem(req, *s.client, out).ok());
  auto items = out.Drain();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].receive_operations().event().updated_operations().operations_size(), 512);
  EXPECT_EQ(items[2].receive_operations().event().updated_operations().operations_size(), 76);
}

TEST(SessionHandlers, SetConfigAppliedOrRefusedAsAWhole) {
  Instance hub(kHubConfig), client(kClientConfig);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  const int64_t modno = client.config->Get()->modno();

  // No READ_WRITE_CONFIG: a plan in the push makes the whole push refused,
  // even its acceptable shared repo. The session goes on (set_config_test.cc
  // covers what the refusal records).
  SyncStreamItem push;
  auto* set = push.mutable_set_config();
  set->add_plans()->set_id("pushed-plan");
  v1::Repo repo;
  repo.set_id("new-shared");
  repo.set_guid("gnew");
  repo.set_uri("/srv/new");
  repo.set_origin_instance_id("hub");
  *set->add_repos() = repo;
  QueueSink sink;
  EXPECT_TRUE(DispatchItem(push, *s.client, sink).ok());
  EXPECT_EQ(client.config->Get()->modno(), modno);
  EXPECT_EQ(client.config->Get()->repos_size(), 3);

  // Deleting a repo needs READ_WRITE_CONFIG too.
  SyncStreamItem del;
  del.mutable_set_config()->add_repos_to_delete("repo1");
  EXPECT_TRUE(DispatchItem(del, *s.client, sink).ok());
  EXPECT_EQ(client.config->Get()->repos_size(), 3);
  EXPECT_EQ(sink.size(), 0u) << "a hub without the extension hears nothing back";

  // The repo alone is a shared repo this host may push: applied, one bump.
  SyncStreamItem repo_only;
  *repo_only.mutable_set_config()->add_repos() = repo;
  BRS_ASSERT_OK(DispatchItem(repo_only, *s.client, sink));
  EXPECT_EQ(client.config->Get()->modno(), modno + 1);
  EXPECT_EQ(client.config->Get()->repos_size(), 4);
  // Sent again unchanged: nothing changes, modno stays.
  BRS_ASSERT_OK(DispatchItem(repo_only, *s.client, sink));
  EXPECT_EQ(client.config->Get()->modno(), modno + 1);

  // A new repo whose URI clashes with a local one is skipped.
  SyncStreamItem clash;
  v1::Repo clashing = repo;
  clashing.set_id("other-id");
  clashing.set_guid("gother");
  clashing.set_uri("/backup/repo1");
  *clash.mutable_set_config()->add_repos() = clashing;
  BRS_ASSERT_OK(DispatchItem(clash, *s.client, sink));
  EXPECT_EQ(client.config->Get()->repos_size(), 4);
}

TEST(SessionHandlers, HubConfigChangeResendsOrEndsTheSession) {
  Instance hub(kHubConfig), client(kClientConfig);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));

  // A new shared repo: config, resources and the shared repos go out again.
  auto cfg = hub.config->Update([](v1::Config& c) {
    auto* r = c.add_repos();
    r->set_id("shared2");
    r->set_guid("gs2");
    r->set_uri("/srv/shared2");
    r->set_shared(true);
    return Status();
  });
  ASSERT_TRUE(cfg.ok());
  ASSERT_TRUE(s.hub->OnConfigChanged(**cfg, s.link.to_client).ok());
  EXPECT_EQ(s.link.to_client.size(), 3u);
  ASSERT_TRUE(s.link.Pump().ok());
  int shared = 0;
  for (const auto& r : client.config->Get()->repos()) shared += r.origin_instance_id() == "hub";
  EXPECT_EQ(shared, 2);

  // Permissions of the client changed: the session ends.
  cfg = hub.config->Update([](v1::Config& c) {
    c.mutable_multihost()->mutable_authorized_clients(0)->clear_permissions();
    return Status();
  });
  ASSERT_TRUE(cfg.ok());
  EXPECT_EQ(s.hub->OnConfigChanged(**cfg, s.link.to_client).code(), Code::kUnavailable);
  // Removed altogether: also ends.
  cfg = hub.config->Update([](v1::Config& c) {
    c.mutable_multihost()->clear_authorized_clients();
    return Status();
  });
  EXPECT_EQ(s.hub->OnConfigChanged(**cfg, s.link.to_client).code(), Code::kUnavailable);
}

TEST(SessionHandlers, ClientIgnoresItsOwnSecretClearingButNotOtherChanges) {
  Instance hub(kHubConfig), client(kClientConfig);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  auto now = client.config->Get();
  EXPECT_TRUE(s.client->OnConfigChanged(*now, s.link.to_hub).ok());
  auto changed = client.config->Update([](v1::Config& c) {
    c.mutable_multihost()->mutable_known_hosts(0)->set_instance_url("http://elsewhere:1");
    return Status();
  });
  EXPECT_EQ(s.client->OnConfigChanged(**changed, s.link.to_hub).code(), Code::kUnavailable);
}

TEST(SessionHandlers, LogTransferBetweenTwoOfOurPeers) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 1);
  auto hidden = AddOps(client, 1, "repo2");
  std::string content;
  for (int i = 0; i < 200'000; ++i) content.push_back(static_cast<char>('a' + i % 26));
  {
    auto w = client.logs->Create("op-log-1", ops[0].id(), 0);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Append(content).ok());
    ASSERT_TRUE((*w)->Close().ok());
    auto w2 = client.logs->Create("hidden-log", hidden[0].id(), 0);
    ASSERT_TRUE(w2.ok());
    ASSERT_TRUE((*w2)->Append("secret").ok());
    ASSERT_TRUE((*w2)->Close().ok());
  }
  Session s(hub, client, PeerFeatures::All());
  BRS_ASSERT_OK(s.Connect(hub));

  std::string fetched;
  bool done = false;
  Status outcome = Internal("not finished");
  ASSERT_TRUE(s.hub
                  ->FetchLog("op-log-1", s.link.to_client,
                             [&](std::string_view chunk, bool d, const Status& st) {
                               fetched.append(chunk);
                               if (d) {
                                 done = true;
                                 outcome = st;
                               }
                             })
                  .ok());
  ASSERT_TRUE(s.link.Pump().ok());
  EXPECT_TRUE(done);
  EXPECT_TRUE(outcome.ok()) << outcome.ToString();
  EXPECT_EQ(fetched, content);

  // A log whose op this hub may not read, and a missing one: error message.
  for (const char* name : {"hidden-log", "no-such-log"}) {
    done = false;
    fetched.clear();
    ASSERT_TRUE(s.hub
                    ->FetchLog(name, s.link.to_client,
                               [&](std::string_view chunk, bool d, const Status& st) {
                                 fetched.append(chunk);
                                 if (d) {
                                   done = true;
                                   outcome = st;
                                 }
                               })
                    .ok());
    ASSERT_TRUE(s.link.Pump().ok());
    EXPECT_TRUE(done);
    EXPECT_EQ(outcome.code(), Code::kNotFound) << name;
    EXPECT_TRUE(fetched.empty()) << name;
  }

  // Unsolicited log data is a protocol error.
  SyncStreamItem stray;
  stray.mutable_receive_log_data()->set_log_id("op-log-1");
  stray.mutable_receive_log_data()->set_chunk("x");
  QueueSink sink;
  EXPECT_EQ(DispatchItem(stray, *s.hub, sink).code(), Code::kInvalidArgument);
}

TEST(SessionHandlers, LogFetchNeedsTheAnnouncedExtension) {
  Instance hub(kHubConfig), client(kClientConfig);
  Session s(hub, client);  // the peer announced nothing (a Backrest peer)
  BRS_ASSERT_OK(s.Connect(hub));
  EXPECT_EQ(
      s.hub->FetchLog("x", s.link.to_client, [](std::string_view, bool, const Status&) {}).code(),
      Code::kFailedPrecondition);
  EXPECT_EQ(s.link.to_client.size(), 0u);
}

TEST(SessionHandlers, PeerFeaturesHeader) {
  EXPECT_EQ(PeerFeatures::All().Format(), "log-transfer,throttle,set-config-result");
  EXPECT_TRUE(PeerFeatures::Parse("set-config-result").set_config_result);
  EXPECT_FALSE(PeerFeatures::Parse("log-transfer,throttle").set_config_result);
  auto f = PeerFeatures::Parse(" throttle , something-else,log-transfer");
  EXPECT_TRUE(f.throttle);
  EXPECT_TRUE(f.log_transfer);
  EXPECT_FALSE(PeerFeatures::Parse("").log_transfer);
  EXPECT_FALSE(PeerFeatures::Parse("log-transfer-v2").log_transfer);
}

}  // namespace
}  // namespace brs::sync

namespace brs::sync {
namespace {

TEST(SessionHandlers, MetricsCountOpsAndIngestLatency) {
  Instance hub(kHubConfig), client(kClientConfig);
  AddOps(client, 40);
  metrics::Registry reg;
  SyncMetrics m(reg);
  SyncEnv henv = hub.env();
  henv.metrics = &m;
  SyncEnv cenv = client.env();
  cenv.metrics = &m;
  HubHandler h(henv, SyncTunables{}, {});
  ClientHandler c(cenv, SyncTunables{}, {}, HostEntryAtClient(client));
  Loopback link{&h, &c, {}, {}};
  BRS_ASSERT_OK(h.OnConnectionEstablished(ClientEntryAtHub(hub), link.to_client));
  v1::Multihost::Peer hp;
  hp.set_keyid(kHubKey);
  hp.set_instance_id("hub");
  BRS_ASSERT_OK(c.OnConnectionEstablished(hp, link.to_hub));
  BRS_ASSERT_OK(link.Pump());
  EXPECT_EQ(m.ops_received.Value(), 40u);
  EXPECT_EQ(m.ops_sent.Value(), 40u);
  EXPECT_GE(m.ingest_latency_seconds.count(), 1u);
  std::string text = reg.Render();
  EXPECT_NE(text.find("backrest_sync_ops_received_total 40"), std::string::npos) << text;
}

// A peer that skipped validation sends [valid, invalid, valid]: the hub
// stores the two valid ops, refuses the other (its peer state names it),
// and the session goes on; for every Backrest rule.
TEST(SessionHandlers, HubRefusesAnInvalidOpAloneAndKeepsTheValidOnes) {
  Instance hub(kHubConfig), client(kClientConfig);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  int64_t next = 100;
  int64_t refused = 0;
  for (const auto& c : store::testing::InvalidOpCases()) {
    if (c.name == "no modno") continue;  // the hub gives it one, as Backrest's Set does
    auto valid_a = store::testing::MakeRemoteOp(next, next, 1);
    auto broken = store::testing::MakeRemoteOp(next + 1, next + 1, 1);
    auto valid_b = store::testing::MakeRemoteOp(next + 2, next + 2, 1);
    c.breaks(broken);
    SyncStreamItem item;
    auto* list = item.mutable_receive_operations()->mutable_event()->mutable_created_operations();
    *list->add_operations() = valid_a;
    *list->add_operations() = broken;
    *list->add_operations() = valid_b;
    const auto before = HubView(hub);
    BRS_ASSERT_OK(DispatchItem(item, *s.hub, s.link.to_client));
    ++refused;
    const auto after = HubView(hub);
    EXPECT_EQ(after.size(), before.size() + 2) << c.name;
    EXPECT_TRUE(after.count(valid_a.id()) && after.count(valid_b.id())) << c.name;
    EXPECT_FALSE(after.count(broken.id())) << c.name;
    EXPECT_EQ(s.hub->stats().ops_refused, refused);
    auto state = hub.peers->Get(kClientKey);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->state(), v1sync::CONNECTION_STATE_CONNECTED);
    EXPECT_NE(state->status_message().find("op " + std::to_string(broken.id()) + ": " + c.message),
              std::string::npos)
        << c.name << ": " << state->status_message();
    next += 3;
  }
  // An invalid update of a stored op leaves the stored version as it was.
  auto op = store::testing::MakeRemoteOp(next, next, 1);
  SyncStreamItem create;
  *create.mutable_receive_operations()
       ->mutable_event()
       ->mutable_created_operations()
       ->add_operations() = op;
  BRS_ASSERT_OK(DispatchItem(create, *s.hub, s.link.to_client));
  auto stored = hub.oplog->GetSynced(kClientKey, op.id());
  ASSERT_TRUE(stored.ok());
  op.set_modno(2);
  op.set_snapshot_id("deadbeef");
  SyncStreamItem update;
  *update.mutable_receive_operations()
       ->mutable_event()
       ->mutable_updated_operations()
       ->add_operations() = op;
  BRS_ASSERT_OK(DispatchItem(update, *s.hub, s.link.to_client));
  auto kept = hub.oplog->GetSynced(kClientKey, op.id());
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*kept, *stored));
}

// Rewrites a stored op's bytes and snapshot column behind the store's back,
// as an older build (without the snapshot rule) could have stored it.
void CorruptSnapshotId(Instance& inst, int64_t id, const std::string& snapshot) {
  auto op = inst.oplog->Get(id);
  ASSERT_TRUE(op.ok());
  op->set_snapshot_id(snapshot);
  auto db = store::SqliteDb::Open(inst.dir.File("oplog.db"));
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto st = (*db)->Prepare("UPDATE operations SET snapshot_id = ?, operation = ? WHERE id = ?");
  ASSERT_TRUE(st.ok());
  st->Bind(1, snapshot).BindBlob(2, op->SerializeAsString()).Bind(3, id);
  BRS_ASSERT_OK(st->Run());
  ASSERT_EQ((*db)->Changes(), 1);
}

TEST(SessionHandlers, ClientNeverSendsAnInvalidLocalOp) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 5);
  CorruptSnapshotId(client, ops[2].id(), "deadbeef");
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  auto view = HubView(hub);
  EXPECT_EQ(view.size(), 4u);
  EXPECT_FALSE(view.count(ops[2].id()));
  EXPECT_EQ(s.hub->stats().ops_refused, 0) << "it never reached the hub";
  auto state = client.peers->Get(kHubKey);
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->status_message().find("not sending 1 local op"), std::string::npos)
      << state->status_message();
  EXPECT_NE(state->status_message().find("op " + std::to_string(ops[2].id()) +
                                         ": snapshot_id is invalid"),
            std::string::npos)
      << state->status_message();
  // Asked for it by ID (a hub that saw an older manifest), it still stays.
  SyncStreamItem req;
  req.mutable_request_operation_data()->add_op_ids(ops[2].id());
  BRS_ASSERT_OK(DispatchItem(req, *s.client, s.link.to_hub));
  EXPECT_EQ(s.link.to_hub.size(), 0u);
}

TEST(SessionHandlers, AHubClosingRightAfterOpsIsNamedInThePeerState) {
  Instance hub(kHubConfig), client(kClientConfig);
  auto ops = AddOps(client, 3);
  Session s(hub, client);
  BRS_ASSERT_OK(s.Connect(hub));
  s.client->OnConnectionDisconnected(Disconnected(std::string(kPeerClosedStream)));
  auto state = client.peers->Get(kHubKey);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->state(), v1sync::CONNECTION_STATE_DISCONNECTED);
  EXPECT_EQ(state->status_message(),
            "hub closed the stream after receiving ops " + std::to_string(ops[0].id()) + "–" +
                std::to_string(ops[2].id()) + "; it may have rejected one (see the hub's log)");

  // Long after the last ops went out, a close is only a close.
  Session later(hub, client);
  BRS_ASSERT_OK(later.Connect(hub));
  AddOps(client, 1);  // forwarded live
  BRS_ASSERT_OK(later.link.Pump());
  client.clock.Advance(Millis(OpSendGuard::kEndWindowMs + 1));
  later.client->OnConnectionDisconnected(Disconnected(std::string(kPeerClosedStream)));
  EXPECT_EQ(client.peers->Get(kHubKey)->status_message(), kPeerClosedStream);
}

TEST(OpSendGuard, ExplainsOnlyAHubCloseSoonAfterOpsSinceItsLastRequest) {
  OpSendGuard g;
  const Status closed = Disconnected(std::string(kPeerClosedStream));
  auto At = [](int64_t ms) { return MonoTime(Millis(ms)); };
  EXPECT_EQ(g.ExplainEnd(closed, At(1000)).message(), kPeerClosedStream);  // nothing sent
  g.OnSent(5, 9, At(1000));
  g.OnSent(3, 3, At(1001));
  EXPECT_NE(g.ExplainEnd(closed, At(2000)).message().find("ops 3–9"), std::string::npos);
  EXPECT_EQ(g.ExplainEnd(closed, At(2000)).code(), Code::kUnavailable);
  // Other ends are left as they are.
  EXPECT_EQ(g.ExplainEnd(ProtocolError("bad"), At(2000)).message(), "bad");
  EXPECT_EQ(g.ExplainEnd(Disconnected("known host was removed"), At(2000)).message(),
            "known host was removed");
  g.OnHubRequest();  // the hub asked again: it had read those
  EXPECT_EQ(g.ExplainEnd(closed, At(2000)).message(), kPeerClosedStream);
  g.OnSent(12, 12, At(5000));
  EXPECT_NE(g.ExplainEnd(closed, At(5000)).message().find("op 12;"), std::string::npos);
  EXPECT_NE(g.ExplainEnd(closed, At(15'000)).message().find("op 12;"), std::string::npos);
  EXPECT_EQ(g.ExplainEnd(closed, At(15'001)).message(), kPeerClosedStream);  // outside the window
}

}  // namespace
}  // namespace brs::sync
