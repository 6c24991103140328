#include "store/id_map_cache.h"

#include <gtest/gtest.h>

namespace brs::store {
namespace {

TEST(IdMapCache, GetsWhatWasPutPerPeerAndStaysBounded) {
  IdMapCache c(1000);
  EXPECT_EQ(c.slots(), 1024u);
  c.Put(0, 42, 7);
  c.Put(1, 42, 8);
  EXPECT_EQ(c.Get(0, 42), 7);
  EXPECT_EQ(c.Get(1, 42), 8);
  EXPECT_FALSE(c.Get(2, 42).has_value());
  EXPECT_FALSE(c.Get(0, 43).has_value());
  // Far more entries than slots: the table never grows, and whatever it
  // answers is right (an entry may have been overwritten, never confused).
  for (int64_t i = 0; i < 100'000; ++i) c.Put(0, i, i * 3);
  EXPECT_EQ(c.slots(), 1024u);
  int hits = 0;
  for (int64_t i = 0; i < 100'000; ++i) {
    if (auto v = c.Get(0, i)) {
      EXPECT_EQ(*v, i * 3);
      ++hits;
    }
  }
  EXPECT_GT(hits, 0);
  EXPECT_LE(hits, 1024);
}

TEST(IdMapCache, ClearForgetsEverythingAndZeroSlotsDisable) {
  IdMapCache c(16);
  c.Put(3, 5, 9);
  c.Clear();
  EXPECT_FALSE(c.Get(3, 5).has_value());
  c.Put(3, 5, 10);
  EXPECT_EQ(c.Get(3, 5), 10);
  IdMapCache off(0);
  off.Put(1, 1, 1);
  EXPECT_FALSE(off.Get(1, 1).has_value());
}

}  // namespace
}  // namespace brs::store
