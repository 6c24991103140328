// The sync engine end to end on loopback, in one process: a hub (rpc
// server + sync service) and a client (sync service dialing it over h2c
// with Connect), real crypto, real SQLite files.
//  - BM_InitialSync/100000: the client holds 100 000 ops; time from the
//    client starting until all are committed at the hub. Target <= 3 s.
//  - BM_LiveForwardLatency: one op committed at the client until committed
//    at the hub; p50 and p99 over the iterations. Target p99 <= 10 ms.
#include <benchmark/benchmark.h>
#include <google/protobuf/text_format.h>
#include <stdlib.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>

#include "rpc/server.h"
#include "sync/rpc_glue.h"
#include "sync/sync_service.h"

namespace brs::sync {
namespace {

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
  std::string dir;
  crypto::Identity id = Take(crypto::Identity::Generate());
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
  std::unique_ptr<SyncService> service;

  explicit Node(const std::string& instance) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "brs_e2e_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    store::ConfigStore::Options co;
    co.path = dir + "/config.json";
    co.create_if_missing = true;
    config = Take(store::ConfigStore::Open(co));
    Take(config->Update([&](v1::Config& c) {
      c.set_instance(instance);
      *c.mutable_multihost()->mutable_identity() = id.ToPrivateKeyProto();
      return Status();
    }));
    store::OplogStore::Options oo;
    oo.path = dir + "/oplog.sqlite";
    oplog = Take(store::OplogStore::Open(oo));
    peers = Take(store::PeerStateStore::Open(dir + "/state.sqlite"));
  }
  ~Node() {
    if (service) service->Stop();
    service.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  SyncServiceOptions Options() {
    SyncServiceOptions o;
    o.env = SyncEnv{config.get(), oplog.get(), peers.get(), nullptr};
    o.identity = &id;
    o.retry_delay = std::chrono::milliseconds(1000);
    return o;
  }
};

struct Pair {
  Node hub{"hub"}, client{"laptop"};
  rpc::Server server{rpc::ServerOptions{}};
  RpcDialer dialer{RpcDialer::Options{}};

  Pair() {
    Take(hub.config->Update([&](v1::Config& c) {
      auto* p = c.mutable_multihost()->add_authorized_clients();
      p->set_instance_id("laptop");
      p->set_keyid(client.id.key_id());
      return Status();
    }));
    hub.service = std::make_unique<SyncService>(hub.Options(), nullptr);
    RegisterSyncServices(server, *hub.service, [] { return nullptr; });
    Check(server.Start());
    Check(hub.service->Start());
    Take(client.config->Update([&](v1::Config& c) {
      auto* r = c.add_repos();
      r->set_id("repo1");
      r->set_guid("guid-repo1");
      auto* h = c.mutable_multihost()->add_known_hosts();
      h->set_instance_id("hub");
      h->set_keyid(hub.id.key_id());
      h->set_instance_url("http://127.0.0.1:" + std::to_string(server.port()));
      auto* perm = h->add_permissions();
      perm->set_type(v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
      perm->add_scopes("*");
      return Status();
    }));
  }
  ~Pair() {
    if (client.service) client.service->Stop();
    hub.service->Stop();
    server.Stop(1000);
  }
  void StartClient() {
    client.service = std::make_unique<SyncService>(client.Options(), &dialer);
    Check(client.service->Start());
  }
};

v1::Operation MakeOp(int64_t i) {
  v1::Operation op;
  op.set_repo_id("repo1");
  op.set_repo_guid("guid-repo1");
  op.set_plan_id("plan1");
  op.set_instance_id("laptop");
  op.set_unix_time_start_ms(1'700'000'000'000 + i * 1000);
  op.set_unix_time_end_ms(1'700'000'000'000 + i * 1000 + 500);
  op.set_status(v1::STATUS_SUCCESS);
  op.set_display_message("backup finished");
  op.mutable_operation_backup()->mutable_last_status()->mutable_summary()->set_files_new(i);
  return op;
}

void BM_InitialSync(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    auto pair = std::make_unique<Pair>();
    for (int64_t at = 0; at < n; at += 5000) {
      std::vector<v1::Operation> ops;
      for (int64_t i = at; i < std::min(n, at + 5000); ++i) ops.push_back(MakeOp(i));
      Check(pair->client.oplog->Add(ops));
    }
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<int64_t> stored{0};
    pair->hub.oplog->Subscribe({}, [&](const store::OpEvent& e) {
      if (stored.fetch_add(static_cast<int64_t>(e.ops.size())) +
              static_cast<int64_t>(e.ops.size()) >=
          n) {
        cv.notify_all();
      }
    });
    state.ResumeTiming();
    pair->StartClient();
    {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, std::chrono::seconds(120), [&] { return stored.load() >= n; })) {
        state.SkipWithError("initial sync did not finish in 120 s");
      }
    }
    state.PauseTiming();
    pair.reset();
    state.ResumeTiming();
  }
  state.counters["ops_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_InitialSync)
    ->Arg(100'000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

void BM_LiveForwardLatency(benchmark::State& state) {
  Pair pair;
  std::mutex mu;
  std::condition_variable cv;
  int64_t stored = 0;
  pair.hub.oplog->Subscribe({}, [&](const store::OpEvent& e) {
    std::lock_guard lock(mu);
    stored += static_cast<int64_t>(e.ops.size());
    cv.notify_all();
  });
  pair.StartClient();
  // Wait until connected (an empty manifest round trip).
  for (int i = 0; i < 500; ++i) {
    auto s = pair.hub.peers->Get(pair.client.id.key_id());
    if (s.ok() && s->state() == v1sync::CONNECTION_STATE_CONNECTED) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<double> samples;
  int64_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<v1::Operation> ops = {MakeOp(i++)};
    Check(pair.client.oplog->Add(ops));
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stored >= i; });
    samples.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_ms"] = samples[samples.size() / 2];
    state.counters["p99_ms"] = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
    state.counters["max_ms"] = samples.back();
  }
}
BENCHMARK(BM_LiveForwardLatency)->Iterations(2000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace brs::sync
