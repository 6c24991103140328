// The dashboard's fleet-scale data dir (issue #12 §4): a hub that knows
// 1 000 authorized clients, each with 5 plans and 200 backup ops a plan
// (1 000 000 ops), its peer states (heartbeats a minute old; half the
// clients with a remote config whose plans have a cron schedule, half
// without, so both kinds of maximum age are computed) and one plan in ten
// with a failed newest backup. Built with the store classes into a
// directory made by `backrest-sync init`; bench/app_dashboard_bench.cc and
// bench/dashboard_browser.sh (through bench/dashboard_fleet.cc) use it.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "crypto/identity.h"
#include "store/config_store.h"
#include "store/oplog_store.h"
#include "store/peer_state_store.h"

namespace brs::bench {

inline constexpr int kFleetInstances = 1000;
inline constexpr int kFleetPlans = 5;
inline constexpr int kFleetOpsPerPlan = 200;

inline std::string FleetInstance(int i) { return "host-" + std::to_string(i); }

// Runs `binary args...` and waits; its exit code (-1 when it did not run).
inline int RunProgram(const std::string& binary, std::vector<std::string> args) {
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (std::freopen("/dev/null", "w", stdout) == nullptr) ::_exit(126);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

inline v1::Operation FleetBackupOp(int inst, int plan, int k, int64_t id, int64_t now_ms) {
  v1::Operation op;
  op.set_id(id);
  op.set_flow_id(id);
  op.set_modno(1);
  op.set_instance_id(FleetInstance(inst));
  op.set_repo_id("repo" + std::to_string(plan));
  op.set_repo_guid("guid" + std::to_string(plan));
  op.set_plan_id("plan" + std::to_string(plan));
  // Every 6 hours, the newest 3 hours ago.
  const int64_t start = now_ms - (static_cast<int64_t>(kFleetOpsPerPlan - k) * 6 - 3) * 3'600'000;
  op.set_unix_time_start_ms(start);
  op.set_unix_time_end_ms(start + 120'000 + (k % 7) * 10'000);
  const bool newest = k == kFleetOpsPerPlan - 1;
  op.set_status(newest && (inst + plan) % 10 == 0 ? v1::STATUS_ERROR : v1::STATUS_SUCCESS);
  op.set_display_message("backup");
  auto* summary = op.mutable_operation_backup()->mutable_last_status()->mutable_summary();
  summary->set_data_added((1 << 20) + (k % 13) * 4096);
  summary->set_total_duration(120);
  return op;
}

// Builds the fleet into `dir` (which must not exist) with `binary init`.
// Aborts the program on any failure: a benchmark without its data means
// nothing.
inline void BuildDashboardFleet(const std::string& binary, const std::string& dir, int64_t now_ms) {
  auto check = [](const Status& s, const char* what) {
    if (!s.ok()) {
      std::fprintf(stderr, "dashboard fleet: %s: %s\n", what, s.ToString().c_str());
      std::abort();
    }
  };
  if (RunProgram(binary, {"init", "--data", dir, "--instance", "hub"}) != 0) {
    std::fprintf(stderr, "dashboard fleet: %s init --data %s failed\n", binary.c_str(),
                 dir.c_str());
    std::abort();
  }
  app::DataDir d{dir};
  std::vector<std::string> keys;
  for (int i = 0; i < kFleetInstances; ++i) {
    std::array<uint8_t, 32> seed{};
    seed[0] = static_cast<uint8_t>(i);
    seed[1] = static_cast<uint8_t>(i >> 8);
    seed[31] = 0x5a;
    auto id = crypto::Identity::FromSeed(seed);
    check(id.status(), "identity");
    keys.push_back(id->key_id());
  }
  {
    auto config = store::ConfigStore::Open({.path = d.config()});
    check(config.status(), "config.json");
    check((*config)
              ->Update([&](v1::Config& c) {
                for (int i = 0; i < kFleetInstances; ++i) {
                  auto* p = c.mutable_multihost()->add_authorized_clients();
                  p->set_instance_id(FleetInstance(i));
                  p->set_keyid(keys[i]);
                  p->add_permissions()->set_type(
                      v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
                  p->mutable_permissions(0)->add_scopes("*");
                }
                return Status();
              })
              .status(),
          "authorized clients");
  }
  {
    auto peers = store::PeerStateStore::Open(d.state());
    check(peers.status(), "state.sqlite");
    for (int i = 0; i < kFleetInstances; ++i) {
      v1sync::PeerState p;
      p.set_peer_keyid(keys[i]);
      p.set_peer_instance_id(FleetInstance(i));
      p.set_state(v1sync::CONNECTION_STATE_DISCONNECTED);
      p.set_last_heartbeat_millis(now_ms - 60'000);
      if (i % 2 == 0) {
        for (int plan = 0; plan < kFleetPlans; ++plan) {
          v1::Plan* pl = p.mutable_remote_config()->add_plans();
          pl->set_id("plan" + std::to_string(plan));
          pl->set_repo("repo" + std::to_string(plan));
          pl->mutable_schedule()->set_cron("0 */6 * * *");
        }
      }
      check((*peers)->Set(p), "peer state");
    }
  }
  auto oplog = store::OplogStore::Open({d.oplog()});
  check(oplog.status(), "oplog.sqlite");
  for (int i = 0; i < kFleetInstances; ++i) {
    std::vector<v1::Operation> ops;
    int64_t id = 1;
    for (int plan = 0; plan < kFleetPlans; ++plan) {
      for (int k = 0; k < kFleetOpsPerPlan; ++k) {
        ops.push_back(FleetBackupOp(i, plan, k, id++, now_ms));
      }
    }
    check((*oplog)->UpsertSynced(keys[i], std::move(ops)).status(), "ops");
  }
}

}  // namespace brs::bench
