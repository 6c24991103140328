#include "app/sync_progress.h"

#include <gtest/gtest.h>

namespace brs::app {
namespace {

TEST(SyncProgress, OneLinePerIntervalOnlyWhileOpsMove) {
  SyncProgress p(Millis(5'000));
  auto at = [](int64_t ms) { return MonoTime(Millis(ms)); };
  EXPECT_FALSE(p.Tick(0, 0, at(0)));          // the baseline
  EXPECT_FALSE(p.Tick(1'000, 0, at(2'000)));  // within the interval
  auto line = p.Tick(10'000, 0, at(5'000));   // 10 000 received in 5 s
  ASSERT_TRUE(line);
  EXPECT_EQ(line->received, 10'000u);
  EXPECT_EQ(line->received_total, 10'000u);
  EXPECT_DOUBLE_EQ(line->received_per_s, 2'000.0);
  EXPECT_EQ(line->sent, 0u);
  EXPECT_FALSE(p.Tick(10'000, 0, at(10'000)));  // nothing moved: quiet
  line = p.Tick(10'000, 300, at(20'000));       // counted since the last interval end
  ASSERT_TRUE(line);
  EXPECT_EQ(line->sent, 300u);
  EXPECT_DOUBLE_EQ(line->sent_per_s, 30.0);
  EXPECT_EQ(line->received, 0u);
}

}  // namespace
}  // namespace brs::app
