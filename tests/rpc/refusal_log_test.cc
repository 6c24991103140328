// RefusalLog: the first refusal of a reason is reported at once, the
// others of its interval are counted and reported when it ends.
#include "rpc/refusal_log.h"

#include <gtest/gtest.h>

namespace brs::rpc::internal {
namespace {

TEST(RefusalLog, FirstAtOnceThenOneReportPerIntervalWithTheCount) {
  RefusalLog log(1'000);
  auto first = log.Note("limit", "a:1", 10'000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->count, 1u);
  EXPECT_EQ(first->peer, "a:1");
  EXPECT_EQ(log.next_due_ms(), kNoDeadline);
  for (int i = 0; i < 99; ++i) EXPECT_FALSE(log.Note("limit", "b:2", 10'001 + i).has_value());
  EXPECT_EQ(log.next_due_ms(), 11'000);
  EXPECT_TRUE(log.Due(10'999).empty());
  auto due = log.Due(11'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].reason, "limit");
  EXPECT_EQ(due[0].count, 99u);
  EXPECT_EQ(due[0].peer, "b:2");
  EXPECT_EQ(log.next_due_ms(), kNoDeadline);
  // Within the interval of that report: counted again.
  EXPECT_FALSE(log.Note("limit", "c:3", 11'500).has_value());
  // A refusal after the interval is reported at once, with those counted.
  auto later = log.Note("limit", "d:4", 12'000);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->count, 2u);
  EXPECT_EQ(log.next_due_ms(), kNoDeadline);
}

TEST(RefusalLog, ReasonsAreLimitedSeparatelyAndDueAllTakesEverything) {
  RefusalLog log(1'000);
  EXPECT_TRUE(log.Note("limit", "a", 0).has_value());
  EXPECT_TRUE(log.Note("timeout", "a", 1).has_value());
  EXPECT_FALSE(log.Note("limit", "a", 2).has_value());
  EXPECT_FALSE(log.Note("timeout", "a", 3).has_value());
  EXPECT_FALSE(log.Note("timeout", "a", 4).has_value());
  EXPECT_EQ(log.next_due_ms(), 1'000);
  auto all = log.Due(kNoDeadline);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].reason, "limit");
  EXPECT_EQ(all[0].count, 1u);
  EXPECT_EQ(all[1].reason, "timeout");
  EXPECT_EQ(all[1].count, 2u);
  EXPECT_TRUE(log.Due(kNoDeadline).empty());
}

}  // namespace
}  // namespace brs::rpc::internal
