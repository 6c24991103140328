#include "sync/reconnect_policy.h"

#include <gtest/gtest.h>

namespace brs::sync {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ReconnectPolicy, FollowsBackrestSchedule) {
  ReconnectPolicy p(seconds(60));
  // A dial that failed at once: wait the rest of the retry delay.
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60));
  EXPECT_EQ(p.attempts(), 1);
  // Failures after that add 2^attempts retry delays: 2, 4, 8, 16, 32, 32.
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 2 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 4 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 8 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 16 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 32 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 32 * 60));
  // A session that lasted a whole retry delay resets the attempts.
  EXPECT_EQ(p.NextDelay(seconds(3600)), seconds(1));
  EXPECT_EQ(p.attempts(), 1);
}

TEST(ReconnectPolicy, NeverLessThanOneSecond) {
  ReconnectPolicy p(milliseconds(200));
  EXPECT_EQ(p.NextDelay(milliseconds(0)), seconds(1));
  ReconnectPolicy q(seconds(10));
  EXPECT_EQ(q.NextDelay(seconds(9)), seconds(1));
  EXPECT_EQ(q.NextDelay(seconds(5)), seconds(5 + 20));  // rest of 10 s + 2^1 * 10 s
}

}  // namespace
}  // namespace brs::sync
