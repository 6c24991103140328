// BuildHealthReport (app/health_report.h): the fleet as a hub sees it, from
// a real oplog, peer states and configs, at times set on a fake clock.
#include "app/health_report.h"

#include <gtest/gtest.h>

#include "app/health_output.h"
#include "base/fake_env.h"
#include "store/store_test_util.h"

namespace brs::app {
namespace {

using std::chrono::hours;
using store::testing::TempDir;

constexpr char kLaptopKey[] = "KEY-LAPTOP";
constexpr char kNasKey[] = "KEY-NAS";

v1::Operation Backup(const std::string& instance, const std::string& plan, WallTime start,
                     v1::OperationStatus status, int64_t id) {
  v1::Operation op;
  op.set_id(id);
  op.set_flow_id(id);
  op.set_modno(1);
  op.set_instance_id(instance);
  op.set_repo_id("repo1");
  op.set_repo_guid("guid1");
  op.set_plan_id(plan);
  op.set_status(status);
  op.set_unix_time_start_ms(UnixMillis(start));
  op.set_unix_time_end_ms(UnixMillis(start) + 90'000);
  op.mutable_operation_backup()->mutable_last_status()->mutable_summary()->set_data_added(2048);
  return op;
}

struct Hub {
  TempDir dir;
  FakeEnv env;
  std::unique_ptr<store::OplogStore> oplog;
  v1::Config config;
  std::vector<v1sync::PeerState> peers;

  Hub() {
    auto s = store::OplogStore::Open({dir.File("oplog.sqlite")});
    EXPECT_TRUE(s.ok());
    oplog = std::move(*s);
    config.set_instance("hub");
    for (const char* k : {kLaptopKey, kNasKey}) {
      config.mutable_multihost()->add_authorized_clients()->set_keyid(k);
    }
  }
  v1sync::PeerState& Peer(const std::string& key, const std::string& instance) {
    v1sync::PeerState& p = peers.emplace_back();
    p.set_peer_keyid(key);
    p.set_peer_instance_id(instance);
    p.set_last_heartbeat_millis(UnixMillis(env.NowWall()));
    return p;
  }
  health::v1::HealthReport Report(const std::string& filter = "", bool include_self = false) {
    HealthSources src;
    src.include_self = include_self;
    src.config = &config;
    src.peers = peers;
    src.now = env.NowWall();
    src.instance_filter = filter;
    auto r = BuildHealthReport(*oplog, src);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : health::v1::HealthReport();
  }
};

TEST(HealthReport, PlansOfClientsJudgedWithTheirSchedules) {
  Hub hub;
  hub.Peer(kLaptopKey, "laptop");
  v1sync::PeerState& nas = hub.Peer(kNasKey, "nas");
  // The nas's config is known (READ_CONFIG): "hourly" runs every hour,
  // "never-ran" has no ops yet.
  auto* hourly = nas.mutable_remote_config()->add_plans();
  hourly->set_id("hourly");
  hourly->set_repo("repo1");
  hourly->mutable_schedule()->set_maxfrequencyhours(1);
  nas.mutable_remote_config()->add_plans()->set_id("never-ran");
  const WallTime t0 = hub.env.NowWall();
  ASSERT_TRUE(hub.oplog
                  ->UpsertSynced(kLaptopKey,
                                 {Backup("laptop", "daily", t0 - hours(30), v1::STATUS_SUCCESS, 1),
                                  Backup("laptop", "daily", t0 - hours(2), v1::STATUS_ERROR, 2),
                                  Backup("laptop", "_unassociated_", t0, v1::STATUS_SUCCESS, 3)})
                  .ok());
  ASSERT_TRUE(
      hub.oplog
          ->UpsertSynced(kNasKey, {Backup("nas", "hourly", t0 - hours(2), v1::STATUS_SUCCESS, 1)})
          .ok());

  health::v1::HealthReport r = hub.Report();
  ASSERT_EQ(r.plans_size(), 3);
  EXPECT_EQ(r.plans(0).plan_id(), "daily");
  EXPECT_EQ(r.plans(0).state(), health::v1::HEALTH_FAILING);  // last success 30 h ago
  EXPECT_EQ(r.plans(0).last_status(), v1::STATUS_ERROR);
  EXPECT_EQ(r.plans(0).duration_ms(), 90'000);
  EXPECT_EQ(r.plans(0).bytes_added(), 2048);
  EXPECT_EQ(r.plans(0).max_age_from(), "default");
  EXPECT_EQ(r.plans(1).plan_id(), "hourly");
  EXPECT_EQ(r.plans(1).state(), health::v1::HEALTH_OK);  // 2 h < 1 h + 2 h grace
  EXPECT_EQ(r.plans(1).max_age_s(), 3 * 3600);
  EXPECT_EQ(r.plans(1).max_age_from(), "schedule");
  EXPECT_EQ(r.plans(2).plan_id(), "never-ran");
  EXPECT_EQ(r.plans(2).state(), health::v1::HEALTH_STALE);
  EXPECT_EQ(HealthExitCode(r), 2);

  hub.env.Advance(hours(1) + Millis(1));  // the nas's hourly backup is now too old
  r = hub.Report("nas");
  ASSERT_EQ(r.instances_size(), 1);
  EXPECT_EQ(r.plans(0).state(), health::v1::HEALTH_UNREACHABLE);  // and no heartbeat for 1 h
  EXPECT_EQ(r.instances(0).state(), health::v1::HEALTH_UNREACHABLE);
  hub.peers[1].set_last_heartbeat_millis(UnixMillis(hub.env.NowWall()));
  r = hub.Report("nas");
  EXPECT_EQ(r.plans(0).state(), health::v1::HEALTH_STALE);
}

TEST(HealthReport, InstancesWithoutPlansAndTheHubItself) {
  Hub hub;
  hub.Peer(kLaptopKey, "laptop");
  health::v1::HealthReport r = hub.Report();
  ASSERT_EQ(r.instances_size(), 1);  // the hub itself has no plans and no ops
  EXPECT_EQ(r.instances(0).instance_id(), "laptop");
  EXPECT_EQ(r.instances(0).state(), health::v1::HEALTH_NO_PLANS);
  EXPECT_EQ(r.instances(0).peer_keyid(), kLaptopKey);
  EXPECT_EQ(HealthExitCode(r), 0);
  EXPECT_NE(HealthPluginText(r).find("laptop: no plans"), std::string::npos);
  // Asked to (the dashboard's fleet page), the hub lists itself too.
  r = hub.Report("", true);
  ASSERT_EQ(r.instances_size(), 2);
  EXPECT_EQ(r.instances(0).instance_id(), "hub");
  EXPECT_EQ(r.instances(0).peer_keyid(), "");
  EXPECT_EQ(r.instances(0).state(), health::v1::HEALTH_NO_PLANS);
  EXPECT_EQ(hub.Report("laptop", true).instances_size(), 1);  // not when filtered out

  // The hub's own plan and op: judged, never unreachable.
  hub.config.add_plans()->set_id("local");
  std::vector<v1::Operation> own = {
      Backup("hub", "local", hub.env.NowWall(), v1::STATUS_SUCCESS, 0)};
  own[0].set_id(0);
  own[0].set_flow_id(0);
  own[0].set_modno(0);
  ASSERT_TRUE(hub.oplog->Add(own).ok());
  hub.env.Advance(hours(20));
  hub.peers.clear();  // nobody has sent a heartbeat: the laptop was never connected
  hub.Peer(kLaptopKey, "laptop").set_last_heartbeat_millis(0);
  r = hub.Report();
  ASSERT_EQ(r.instances_size(), 2);
  EXPECT_EQ(r.instances(0).instance_id(), "hub");
  EXPECT_EQ(r.instances(0).state(), health::v1::HEALTH_OK);
  EXPECT_EQ(r.instances(1).state(), health::v1::HEALTH_UNREACHABLE);
  EXPECT_EQ(HealthExitCode(r), 2);
}

TEST(HealthReport, PluginOutputAndJson) {
  Hub hub;
  hub.Peer(kLaptopKey, "laptop");
  const WallTime t0 = hub.env.NowWall();
  ASSERT_TRUE(hub.oplog
                  ->UpsertSynced(kLaptopKey,
                                 {Backup("laptop", "daily", t0 - hours(5), v1::STATUS_SUCCESS, 1),
                                  Backup("laptop", "daily", t0 - hours(1), v1::STATUS_ERROR, 2)})
                  .ok());
  health::v1::HealthReport r = hub.Report();
  EXPECT_EQ(HealthExitCode(r), 1);
  const std::string text = HealthPluginText(r);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "BACKUP WARNING - 1 plan on 1 instance: 0 ok, 1 warning, 0 failing, 0 stale, "
            "0 unreachable; warning: laptop/daily | ok=0;;;0 warning=1;;;0 failing=0;;;0 "
            "stale=0;;;0 unreachable=0;;;0 no_plans=0;;;0 "
            "'laptop/daily last_success_age'=18000s;;93600;0");
  EXPECT_NE(text.find("laptop/daily: warning - last backup failed 1h ago, last success 5h ago; "
                      "ERROR, took 1m30s, 2.0 KiB added; max age 1d2h (default); repo repo1\n"),
            std::string::npos)
      << text;
  const std::string json = HealthJson(r);
  EXPECT_EQ(json.rfind("{\"status\":\"WARNING\",\"exit_code\":1,", 0), 0u) << json;
  EXPECT_NE(json.find("\"plans\":[{\"instance\":\"laptop\",\"plan\":\"daily\",\"repo\":\"repo1\","
                      "\"state\":\"warning\""),
            std::string::npos)
      << json;
  EXPECT_EQ(HealthExitCode(health::v1::HealthReport()), 3);
}

}  // namespace
}  // namespace brs::app
