// The session's outbox: order, the throttle pause (on the fake clock),
// back-pressure at the high-water mark.
#include "sync/outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "base/fake_env.h"

namespace brs::sync {
namespace {

SyncStreamItem Numbered(int n) {
  SyncStreamItem item;
  item.mutable_request_operation_data()->add_op_ids(n);
  return item;
}

TEST(Outbox, KeepsOrderAndLetsOnlyHeartbeatsThroughWhilePaused) {
  FakeEnv env;
  Outbox box(4096, &env);
  box.Send(Numbered(1));
  box.Send(Numbered(2));
  box.Pause(Millis(60'000));
  SyncStreamItem hb;
  hb.mutable_heartbeat();
  box.Send(hb);
  auto first = box.TryPop();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->has_heartbeat());
  EXPECT_FALSE(box.TryPop().has_value());
  env.Advance(Millis(59'999));
  EXPECT_FALSE(box.TryPop().has_value());
  env.Advance(Millis(1));
  auto later = box.TryPop();
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->request_operation_data().op_ids(0), 1);
  EXPECT_EQ(box.TryPop()->request_operation_data().op_ids(0), 2);
}

// A real wait on the machine's monotonic clock.
TEST(Outbox, PopWaitsForThePauseToEnd) {
  const Env& env = Env::Default();
  Outbox box(4096, &env);
  box.Send(Numbered(7));
  const MonoTime start = env.NowMono();
  box.Pause(Millis(50));
  auto item = box.Pop(start + Millis(5'000));
  ASSERT_TRUE(item.has_value());
  EXPECT_GE(env.NowMono() - start, Millis(49));
}

// Waits (without a deadline of its own; ctest's timeout bounds it) until
// `n` senders are blocked in Send.
void AwaitBlockedSenders(const Outbox& box, size_t n) {
  while (box.blocked_senders() < n) std::this_thread::yield();
}

TEST(Outbox, SendBlocksAtHighWaterUntilDrainedOrClosed) {
  Outbox box(2);
  box.Send(Numbered(1));
  box.Send(Numbered(2));
  std::atomic<bool> sent{false};
  std::thread producer([&] {
    box.Send(Numbered(3));
    sent = true;
  });
  AwaitBlockedSenders(box, 1);
  EXPECT_FALSE(sent.load());  // blocked in Send, by the box's own count
  EXPECT_TRUE(box.TryPop().has_value());
  producer.join();
  EXPECT_TRUE(sent.load());
  EXPECT_EQ(box.size(), 2u);
  std::thread blocked([&] {
    box.Send(Numbered(4));
    box.Send(Numbered(5));
  });
  AwaitBlockedSenders(box, 1);
  box.Close();
  blocked.join();
  EXPECT_EQ(box.blocked_senders(), 0u);
  EXPECT_FALSE(box.Pop(Env::Default().NowMono() + Millis(10)).has_value());
}

// The oplog's side of the box (issue #15 §1): TrySend never waits; a
// refusal is answered once with a call for room when half drained.
TEST(Outbox, TrySendRefusesAtHighWaterAndCallsForRoomWhenHalfDrained) {
  Outbox box(4);
  int rooms = 0;
  box.SetOnRoom([&] { ++rooms; });
  for (int i = 1; i <= 4; ++i) EXPECT_TRUE(box.TrySend(Numbered(i)));
  EXPECT_FALSE(box.TrySend(Numbered(5)));
  EXPECT_FALSE(box.TrySend(Numbered(6)));
  SyncStreamItem hb;
  hb.mutable_heartbeat();
  EXPECT_TRUE(box.TrySend(hb)) << "heartbeats are always taken";
  EXPECT_TRUE(box.TryPop()->has_heartbeat());
  EXPECT_EQ(box.TryPop()->request_operation_data().op_ids(0), 1);
  EXPECT_EQ(rooms, 0) << "three queued: more than half the high water";
  EXPECT_EQ(box.TryPop()->request_operation_data().op_ids(0), 2);
  EXPECT_EQ(rooms, 1);
  EXPECT_EQ(box.TryPop()->request_operation_data().op_ids(0), 3);
  EXPECT_EQ(rooms, 1) << "one call per refusal";
  EXPECT_EQ(box.TryPop()->request_operation_data().op_ids(0), 4);
  EXPECT_FALSE(box.TryPop().has_value()) << "refused items were dropped";
  box.Close();
  EXPECT_TRUE(box.TrySend(Numbered(7))) << "a closed box drops without calling for room";
}

}  // namespace
}  // namespace brs::sync
