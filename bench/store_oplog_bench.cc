// Oplog store benchmarks (hub side):
//  - BM_UpsertSyncedBatches: 100 000 synced ops inserted in batches (one
//    transaction per batch, as received), ops/s.
//  - BM_ReconcileManifest1M: the hub's manifest step against 1 000 000 stored
//    ops of one peer with 1% changed (0.5% missing from the manifest, to be
//    deleted; 0.5% with a new modno, to be requested): compute and apply the
//    deletions and the request list. Target <= 2 s.
//  - BM_ListSynced1M / BM_ScanMetadata1M: metadata-only scans of 1M ops.
//  - BM_AddLocalOnePerTransaction: one durable commit per local op.
// Databases live in a temporary directory removed at exit.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/oplog_store.h"

namespace brs::store {
namespace {

constexpr char kPeer[] = "ed25519.benchpeer";

class BenchDir {
 public:
  BenchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "brs_bench_XXXXXX").string();
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

BenchDir& Dir() {
  static BenchDir dir;
  return dir;
}

v1::Operation RemoteOp(int64_t id, int64_t modno) {
  v1::Operation op;
  op.set_id(id);
  op.set_flow_id(id - (id % 4) + 1);  // flows of 4 ops, like a backup + forget + prune
  op.set_modno(modno);
  op.set_repo_id("repo1");
  op.set_repo_guid("5f3a0e1c9b7d2a4f6e8c0b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a");
  op.set_plan_id("plan1");
  op.set_instance_id("client-instance");
  op.set_unix_time_start_ms(1700000000000 + id * 1000);
  op.set_unix_time_end_ms(1700000000000 + id * 1000 + 500);
  op.set_status(v1::STATUS_SUCCESS);
  op.set_display_message("backup finished");
  op.set_snapshot_id("4d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c");
  op.mutable_operation_backup();
  return op;
}

std::unique_ptr<OplogStore> OpenStore(const std::string& path) {
  OplogStore::Options o;
  o.path = path;
  auto s = OplogStore::Open(o);
  if (!s.ok()) std::abort();
  return std::move(s).value();
}

void Fill(OplogStore& store, int64_t first, int64_t count, int64_t batch) {
  std::vector<v1::Operation> ops;
  for (int64_t id = first; id < first + count; ++id) {
    ops.push_back(RemoteOp(id, 1));
    if (static_cast<int64_t>(ops.size()) == batch) {
      if (!store.UpsertSynced(kPeer, std::move(ops)).ok()) std::abort();
      ops.clear();
    }
  }
  if (!ops.empty() && !store.UpsertSynced(kPeer, std::move(ops)).ok()) std::abort();
}

void BM_UpsertSyncedBatches(benchmark::State& state) {
  const int64_t batch = state.range(0);
  constexpr int64_t kOps = 100000;
  int round = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string path = Dir().File("upsert" + std::to_string(round++) + ".db");
    auto store = OpenStore(path);
    state.ResumeTiming();
    Fill(*store, 1, kOps, batch);
    state.PauseTiming();
    store.reset();
    std::filesystem::remove(path);
    std::filesystem::remove(path + "-wal");
    std::filesystem::remove(path + "-shm");
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kOps);
}
BENCHMARK(BM_UpsertSyncedBatches)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

// A client's own ops, one Add (one durable transaction) each: the cost of
// the fsync per commit.
void BM_AddLocalOnePerTransaction(benchmark::State& state) {
  auto store = OpenStore(Dir().File("local.db"));
  for (auto _ : state) {
    v1::Operation op = RemoteOp(1, 1);
    op.set_id(0);
    op.set_modno(0);
    op.set_flow_id(0);
    if (!store->Add(std::span(&op, 1)).ok()) std::abort();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddLocalOnePerTransaction)->Unit(benchmark::kMicrosecond)->UseRealTime();

// One store with 1M ops of kPeer, built once.
constexpr int64_t kBigOps = 1000000;
OplogStore& BigStore() {
  static std::unique_ptr<OplogStore> store = [] {
    auto s = OpenStore(Dir().File("big.db"));
    Fill(*s, 1, kBigOps, 10000);
    return s;
  }();
  return *store;
}

void BM_ReconcileManifest1M(benchmark::State& state) {
  OplogStore& store = BigStore();
  // 1% changed: every 200th op is missing from the manifest (deleted at the
  // hub), every 200th + 100 has a newer modno (requested).
  std::vector<int64_t> ids, modnos;
  std::vector<int64_t> missing;
  ids.reserve(kBigOps);
  modnos.reserve(kBigOps);
  for (int64_t id = 1; id <= kBigOps; ++id) {
    if (id % 200 == 0) {
      missing.push_back(id);
      continue;
    }
    ids.push_back(id);
    modnos.push_back(id % 200 == 100 ? 2 : 1);
  }
  size_t deleted = 0, requested = 0;
  for (auto _ : state) {
    auto r = store.ReconcileManifest(kPeer, ids, modnos);
    if (!r.ok()) std::abort();
    deleted = r->deleted_ids.size();
    requested = r->request_ids.size();
    benchmark::DoNotOptimize(r->request_ids.data());
    state.PauseTiming();
    // Put the deleted ops back for the next iteration.
    std::vector<v1::Operation> back;
    for (int64_t id : missing) back.push_back(RemoteOp(id, 1));
    if (!store.UpsertSynced(kPeer, std::move(back)).ok()) std::abort();
    state.ResumeTiming();
  }
  state.counters["deleted"] = static_cast<double>(deleted);
  state.counters["requested"] = static_cast<double>(requested);
}
BENCHMARK(BM_ReconcileManifest1M)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ListSynced1M(benchmark::State& state) {
  OplogStore& store = BigStore();
  for (auto _ : state) {
    auto r = store.ListSynced(kPeer);
    if (!r.ok() || r->size() != static_cast<size_t>(kBigOps)) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kBigOps);
}
BENCHMARK(BM_ListSynced1M)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ScanMetadata1M(benchmark::State& state) {
  OplogStore& store = BigStore();
  OpQuery q;
  q.original_instance_keyid = kPeer;
  for (auto _ : state) {
    int64_t n = 0;
    auto s = store.ScanMetadata(q, [&](const OpMetadata& m) {
      n += m.modno;
      return true;
    });
    if (!s.ok() || n < kBigOps) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * kBigOps);
}
BENCHMARK(BM_ScanMetadata1M)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace brs::store
