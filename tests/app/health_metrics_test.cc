// RenderHealthMetrics (app/health_metrics.h): the report as Prometheus text.
#include "app/health_metrics.h"

#include <gtest/gtest.h>

namespace brs::app {
namespace {

TEST(HealthMetrics, EveryStateListedLabelsEscaped) {
  health::v1::HealthReport r;
  auto* p = r.add_plans();
  p->set_instance_id("nas \"1\"");
  p->set_plan_id("db");
  p->set_repo_id("pg");
  p->set_state(health::v1::HEALTH_FAILING);
  p->set_last_backup_ms(1'700'000'000'500);
  p->set_last_status(v1::STATUS_ERROR);
  p->set_max_age_s(7200);
  auto* never = r.add_plans();  // no backup yet: no timestamp, no status
  never->set_instance_id("nas \"1\"");
  never->set_plan_id("new");
  never->set_state(health::v1::HEALTH_STALE);
  auto* i = r.add_instances();
  i->set_instance_id("nas \"1\"");
  i->set_peer_keyid("KEY");
  i->set_state(health::v1::HEALTH_FAILING);
  i->set_last_heartbeat_ms(1'700'000'100'000);
  auto* self = r.add_instances();
  self->set_instance_id("hub");
  self->set_state(health::v1::HEALTH_NO_PLANS);

  const std::string text = RenderHealthMetrics(r);
  const std::string db = R"({backrest_instance="nas \"1\"",plan="db",repo="pg")";
  for (const char* s : {"ok", "warning", "stale", "unreachable"}) {
    EXPECT_NE(text.find("backrest_sync_backup_health_state" + db + ",state=\"" + s + "\"} 0\n"),
              std::string::npos)
        << s;
  }
  EXPECT_NE(text.find("backrest_sync_backup_health_state" + db + ",state=\"failing\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("backrest_sync_backup_last_status" + db + ",status=\"ERROR\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("backrest_sync_backup_max_age_seconds" + db + "} 7200\n"), std::string::npos);
  EXPECT_EQ(text.find("backrest_sync_backup_last_success_timestamp_seconds{"), std::string::npos);
  EXPECT_EQ(text.find("backrest_sync_backup_last_status{backrest_instance=\"nas \\\"1\\\"\",plan="
                      "\"new\""),
            std::string::npos);
  EXPECT_NE(text.find("backrest_sync_instance_health_state{backrest_instance=\"hub\",state=\""
                      "no_plans\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("backrest_sync_instance_last_heartbeat_timestamp_seconds{backrest_instance="
                      "\"nas \\\"1\\\"\"} 1700000100\n"),
            std::string::npos);
  EXPECT_EQ(text.find("backrest_sync_instance_last_heartbeat_timestamp_seconds{backrest_instance="
                      "\"hub\"}"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE backrest_sync_backup_health_state gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace brs::app
