// Sync engine benchmarks without the network: the hub and client handlers
// joined back to back in-process, on real SQLite stores (synchronous=FULL)
// in a temp dir.
//  - BM_InitialSyncEngine/100000: a client with 100 000 ops connects to an
//    empty hub; time until every op is committed at the hub (manifest,
//    request, 512-op batches, upserts). The end-to-end figure over HTTP/2
//    and the encrypted channel is in sync_e2e_bench.
//  - BM_LiveForwardEngine: one op added on the client until committed at
//    the hub (both commits, the event, the upsert); per-op latency.
#include <benchmark/benchmark.h>
#include <google/protobuf/text_format.h>
#include <stdlib.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>

#include "sync/client_handler.h"
#include "sync/hub_handler.h"

namespace brs::sync {
namespace {

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "brs_syncbench_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void Check(const Status& st) {
  if (!st.ok()) {
    fprintf(stderr, "%s\n", st.ToString().c_str());
    std::abort();
  }
}
template <typename T>
T Take(StatusOr<T> v) {
  Check(v.status());
  return std::move(*v);
}

struct Node {
  BenchDir dir;
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;

  explicit Node(const char* text) {
    store::ConfigStore::Options co;
    co.path = dir.File("config.json");
    co.create_if_missing = true;
    config = Take(store::ConfigStore::Open(co));
    v1::Config wanted;
    if (!google::protobuf::TextFormat::ParseFromString(text, &wanted)) std::abort();
    Take(config->Update([&](v1::Config& c) {
      c = wanted;
      return Status();
    }));
    store::OplogStore::Options oo;
    oo.path = dir.File("oplog.db");
    oplog = Take(store::OplogStore::Open(oo));
    peers = Take(store::PeerStateStore::Open(dir.File("state.db")));
  }
  SyncEnv env() { return SyncEnv{config.get(), oplog.get(), peers.get(), nullptr}; }
};

const char* kHub = R"pb(
  instance: "hub"
  multihost { authorized_clients { instance_id: "inst-a" keyid: "ed25519.client" } }
)pb";
const char* kClient = R"pb(
  instance: "inst-a"
  repos { id: "repo1" guid: "guid-repo1" uri: "/r" }
  multihost {
    known_hosts {
      instance_id: "hub"
      keyid: "ed25519.hub"
      permissions { type: PERMISSION_READ_OPERATIONS scopes: "*" }
    }
  }
)pb";

v1::Operation MakeOp(int64_t i) {
  v1::Operation op;
  op.set_repo_id("repo1");
  op.set_repo_guid("guid-repo1");
  op.set_plan_id("plan1");
  op.set_instance_id("inst-a");
  op.set_unix_time_start_ms(1'700'000'000'000 + i * 1000);
  op.set_unix_time_end_ms(1'700'000'000'000 + i * 1000 + 500);
  op.set_status(v1::STATUS_SUCCESS);
  op.set_display_message("backup finished");
  op.mutable_operation_backup()->mutable_last_status()->mutable_summary()->set_files_new(
      static_cast<int64_t>(i));
  return op;
}

class Queue final : public ItemSink {
 public:
  void Send(SyncStreamItem item) override {
    std::lock_guard lock(mu_);
    q_.push_back(std::move(item));
  }
  bool Pop(SyncStreamItem* out) {
    std::lock_guard lock(mu_);
    if (q_.empty()) return false;
    *out = std::move(q_.front());
    q_.pop_front();
    return true;
  }

 private:
  std::mutex mu_;
  std::deque<SyncStreamItem> q_;
};

void Pump(RoleHandler& hub, Queue& to_hub, RoleHandler& client, Queue& to_client) {
  SyncStreamItem item;
  for (;;) {
    bool moved = false;
    while (to_hub.Pop(&item)) {
      moved = true;
      Check(DispatchItem(item, hub, to_client));
    }
    while (to_client.Pop(&item)) {
      moved = true;
      Check(DispatchItem(item, client, to_hub));
    }
    if (!moved) return;
  }
}

void BM_InitialSyncEngine(benchmark::State& state) {
  const int64_t n = state.range(0);
  Node client(kClient);
  for (int64_t at = 0; at < n; at += 1000) {
    std::vector<v1::Operation> ops;
    for (int64_t i = at; i < std::min(n, at + 1000); ++i) ops.push_back(MakeOp(i));
    Check(client.oplog->Add(ops));
  }
  v1::Multihost::Peer hub_peer;
  hub_peer.set_keyid("ed25519.hub");
  hub_peer.set_instance_id("hub");
  for (auto _ : state) {
    state.PauseTiming();
    auto hub = std::make_unique<Node>(kHub);
    state.ResumeTiming();
    HubHandler h(hub->env(), SyncTunables{}, {});
    ClientHandler c(client.env(), SyncTunables{}, {},
                    client.config->Get()->multihost().known_hosts(0));
    Queue to_hub, to_client;
    Check(h.OnConnectionEstablished(hub->config->Get()->multihost().authorized_clients(0),
                                    to_client));
    Check(c.OnConnectionEstablished(hub_peer, to_hub));
    Pump(h, to_hub, c, to_client);
    if (Take(hub->oplog->Count({})) != n) std::abort();
    c.OnConnectionDisconnected(Status());
    h.OnConnectionDisconnected(Status());
    state.PauseTiming();
    hub.reset();
    state.ResumeTiming();
  }
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_InitialSyncEngine)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LiveForwardEngine(benchmark::State& state) {
  Node client(kClient);
  Node hub(kHub);
  v1::Multihost::Peer hub_peer;
  hub_peer.set_keyid("ed25519.hub");
  hub_peer.set_instance_id("hub");
  HubHandler h(hub.env(), SyncTunables{}, {});
  ClientHandler c(client.env(), SyncTunables{}, {},
                  client.config->Get()->multihost().known_hosts(0));
  Queue to_hub, to_client;
  Check(h.OnConnectionEstablished(hub.config->Get()->multihost().authorized_clients(0), to_client));
  Check(c.OnConnectionEstablished(hub_peer, to_hub));
  Pump(h, to_hub, c, to_client);
  int64_t i = 0;
  for (auto _ : state) {
    std::vector<v1::Operation> ops = {MakeOp(i++)};
    Check(client.oplog->Add(ops));
    Pump(h, to_hub, c, to_client);
  }
  c.OnConnectionDisconnected(Status());
  h.OnConnectionDisconnected(Status());
}
BENCHMARK(BM_LiveForwardEngine)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace brs::sync
