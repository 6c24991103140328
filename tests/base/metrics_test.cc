#include "base/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace brs::metrics {
namespace {

TEST(Metrics, RendersPrometheusText) {
  Registry r;
  auto& sessions = r.AddGauge("brs_sessions", "Sync sessions by state.", {"role", "state"});
  sessions.With({"hub", "connected"}).Set(3);
  sessions.With({"client", "error_auth"}).Add(1);
  auto& hs = r.AddCounter("brs_handshakes_total", "Identity handshakes by result.", {"result"});
  hs.With({"ok"}).Inc(5);
  hs.With({"bad \"sig\"\n"}).Inc();
  auto& lat = r.AddHistogram("brs_ingest_seconds", "Ingest latency.", {0.001, 0.01, 0.1});
  lat.With({}).Observe(0.0005);
  lat.With({}).Observe(0.05);
  lat.With({}).Observe(3);

  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE brs_sessions gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("brs_sessions{role=\"client\",state=\"error_auth\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("brs_sessions{role=\"hub\",state=\"connected\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("brs_handshakes_total{result=\"ok\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("brs_handshakes_total{result=\"bad \\\"sig\\\"\\n\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_bucket{le=\"0.001\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_bucket{le=\"0.01\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_bucket{le=\"0.1\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("brs_ingest_seconds_sum 3.0505\n"), std::string::npos);
  // Families sorted by name: handshakes < ingest < sessions.
  EXPECT_LT(text.find("brs_handshakes_total"), text.find("brs_ingest_seconds"));
  EXPECT_LT(text.find("brs_ingest_seconds"), text.find("brs_sessions"));
}

TEST(Metrics, SameNameSameFamilyAndConcurrentUpdates) {
  Registry r;
  auto& a = r.AddCounter("c_total", "c", {"k"});
  auto& b = r.AddCounter("c_total", "c", {"k"});
  EXPECT_EQ(&a, &b);
  Counter& series = a.With({"x"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) series.Inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(series.Value(), 40000u);
  EXPECT_EQ(&a.With({"x"}), &series);
}

}  // namespace
}  // namespace brs::metrics
