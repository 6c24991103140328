// Backup health at fleet scale (issue #12): BuildHealthReport over 1 000
// instances x 5 plans x 200 backup ops (1 000 000 ops), as `backrest-sync
// health` and the daemon's Health call and /metrics compute it. Half the
// instances share their config (cron schedules), half do not (default max
// age); one plan in ten has a failed newest backup. Targets: the report in
// <= 100 ms server-side. The store is built once (temporary directory,
// removed at exit).
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/health_metrics.h"
#include "app/health_report.h"

namespace brs::app {
namespace {

constexpr int kInstances = 1000;
constexpr int kPlans = 5;
constexpr int kOpsPerPlan = 200;
constexpr int64_t kNowMs = 1'800'000'000'000;

std::string Key(int i) { return "ed25519.bench" + std::to_string(i); }
std::string Instance(int i) { return "host-" + std::to_string(i); }

v1::Operation BackupOp(int inst, int plan, int k, int64_t id) {
  v1::Operation op;
  op.set_id(id);
  op.set_flow_id(id);
  op.set_modno(1);
  op.set_instance_id(Instance(inst));
  op.set_repo_id("repo" + std::to_string(plan));
  op.set_repo_guid("guid" + std::to_string(plan));
  op.set_plan_id("plan" + std::to_string(plan));
  const int64_t start = kNowMs - static_cast<int64_t>(kOpsPerPlan - k) * 86'400'000 / 4;
  op.set_unix_time_start_ms(start);
  op.set_unix_time_end_ms(start + 120'000);
  const bool newest = k == kOpsPerPlan - 1;
  op.set_status(newest && (inst + plan) % 10 == 0 ? v1::STATUS_ERROR : v1::STATUS_SUCCESS);
  op.set_display_message("backup");
  auto* summary = op.mutable_operation_backup()->mutable_last_status()->mutable_summary();
  summary->set_data_added(1 << 20);
  summary->set_total_duration(120);
  return op;
}

struct Fleet {
  std::string dir;
  std::unique_ptr<store::OplogStore> oplog;
  v1::Config config;
  std::vector<v1sync::PeerState> peers;

  Fleet() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "brs_bench_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto s = store::OplogStore::Open({dir + "/oplog.sqlite"});
    if (!s.ok()) std::abort();
    oplog = std::move(*s);
    config.set_instance("hub");
    for (int i = 0; i < kInstances; ++i) AddInstance(i);
  }
  ~Fleet() {
    oplog.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void AddInstance(int i) {
    config.mutable_multihost()->add_authorized_clients()->set_keyid(Key(i));
    v1sync::PeerState& p = peers.emplace_back();
    p.set_peer_keyid(Key(i));
    p.set_peer_instance_id(Instance(i));
    p.set_last_heartbeat_millis(kNowMs - 60'000);
    std::vector<v1::Operation> ops;
    int64_t id = 1;
    for (int plan = 0; plan < kPlans; ++plan) {
      if (i % 2 == 0) {
        v1::Plan* pl = p.mutable_remote_config()->add_plans();
        pl->set_id("plan" + std::to_string(plan));
        pl->mutable_schedule()->set_cron("0 */6 * * *");
      }
      for (int k = 0; k < kOpsPerPlan; ++k) ops.push_back(BackupOp(i, plan, k, id++));
    }
    if (!oplog->UpsertSynced(Key(i), std::move(ops)).ok()) std::abort();
  }
};

Fleet& SharedFleet() {
  static Fleet* fleet = new Fleet();  // built once, for every benchmark
  return *fleet;
}

HealthSources Sources(Fleet& f) {
  HealthSources src;
  src.config = &f.config;
  src.peers = f.peers;
  src.now = WallFromUnixMillis(kNowMs);
  return src;
}

void BM_HealthReport1000x5x200(benchmark::State& state) {
  Fleet& f = SharedFleet();
  const HealthSources src = Sources(f);
  for (auto _ : state) {
    auto r = BuildHealthReport(*f.oplog, src);
    if (!r.ok() || r->plans_size() != kInstances * kPlans) std::abort();
    benchmark::DoNotOptimize(r);
  }
  state.counters["plans"] = kInstances * kPlans;
}
BENCHMARK(BM_HealthReport1000x5x200)->Unit(benchmark::kMillisecond)->UseRealTime();

// The report and its /metrics text, as a scrape renders it.
void BM_HealthMetrics1000x5x200(benchmark::State& state) {
  Fleet& f = SharedFleet();
  const HealthSources src = Sources(f);
  for (auto _ : state) {
    auto r = BuildHealthReport(*f.oplog, src);
    if (!r.ok()) std::abort();
    std::string text = RenderHealthMetrics(*r);
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_HealthMetrics1000x5x200)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace brs::app
