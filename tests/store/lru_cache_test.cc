#include "store/lru_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace brs::store {
namespace {

TEST(LruCache, StaysBoundedAndEvictsTheLeastRecentlyUsed) {
  LruCache<std::string, int64_t> c(3);
  auto K = [](const std::string& s, int64_t i) { return s + "/" + std::to_string(i); };
  for (int64_t i = 0; i < 3; ++i) c.Put(K("k", i), i * 10);
  EXPECT_EQ(c.Get(K("k", 0)), 0);  // 0 is now the most recent
  c.Put(K("k", 3), 30);            // evicts 1, the least recent
  EXPECT_EQ(c.size(), 3u);
  EXPECT_FALSE(c.Get(K("k", 1)).has_value());
  EXPECT_EQ(c.Get(K("k", 0)), 0);
  EXPECT_EQ(c.Get(K("k", 2)), 20);
  EXPECT_EQ(c.Get(K("k", 3)), 30);
  c.Put(K("k", 2), 21);  // overwrite keeps the size
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.Get(K("k", 2)), 21);
  EXPECT_FALSE(c.Get(K("other", 2)).has_value());
  for (int64_t i = 100; i < 10'000; ++i) c.Put(K("k", i), i);
  EXPECT_EQ(c.size(), 3u);
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.Get(K("k", 9'999)).has_value());
}

TEST(LruCache, ZeroCapacityHoldsNothing) {
  LruCache<int, int> c(0);
  c.Put(1, 1);
  EXPECT_EQ(c.size(), 0u);
  EXPECT_FALSE(c.Get(1).has_value());
}

}  // namespace
}  // namespace brs::store
