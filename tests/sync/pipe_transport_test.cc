#include "sync/pipe_transport.h"

#include <gtest/gtest.h>

#include <thread>

#include "sync/outbox.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using RR = SyncTransport::ReadResult;

TEST(PipeTransport, CarriesMessagesBothWaysThenEnds) {
  auto [a, b] = PipeTransport::Pair(4);
  ASSERT_TRUE(a->Write("one").ok());
  ASSERT_TRUE(b->Write("two").ok());
  std::string m;
  EXPECT_EQ(*b->Read(&m, testing::SteadyNowMsForTestImpl() + 1000), RR::kMessage);
  EXPECT_EQ(m, "one");
  EXPECT_EQ(*a->Read(&m, testing::SteadyNowMsForTestImpl() + 1000), RR::kMessage);
  EXPECT_EQ(m, "two");
  EXPECT_EQ(*a->Read(&m, testing::SteadyNowMsForTestImpl() + 10), RR::kTimeout);
  ASSERT_TRUE(a->Write("last").ok());
  a->Finish(PermissionDenied("go away"));
  EXPECT_EQ(*b->Read(&m, testing::SteadyNowMsForTestImpl() + 1000), RR::kMessage);
  auto end = b->Read(&m, testing::SteadyNowMsForTestImpl() + 1000);
  EXPECT_EQ(end.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(end.status().message(), "go away");
  EXPECT_FALSE(b->Write("late").ok());
}

TEST(PipeTransport, FullQueueBlocksTheWriterAndWakeInterruptsRead) {
  auto [a, b] = PipeTransport::Pair(2);
  ASSERT_TRUE(a->Write("1").ok());
  ASSERT_TRUE(a->Write("2").ok());
  EXPECT_EQ(b->Backlog(), 2u);
  std::atomic<bool> done{false};
  std::thread w([&, &a = a] {
    EXPECT_TRUE(a->Write("3").ok());
    done = true;
  });
  while (a->blocked_writers() == 0) std::this_thread::yield();  // the Write is waiting
  EXPECT_FALSE(done.load());
  std::string m;
  EXPECT_EQ(*b->Read(&m, testing::SteadyNowMsForTestImpl() + 1000), RR::kMessage);
  w.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(a->blocked_writers(), 0u);

  // Wake makes a Read with no deadline return kTimeout, whether it comes
  // before the Read starts or while it waits (the wake is kept until read).
  auto [c, d] = PipeTransport::Pair();
  (void)c;
  StatusOr<RR> woken = RR::kMessage;
  std::thread reader([&, &d = d] { woken = d->Read(&m, INT64_MAX); });
  d->Wake();
  reader.join();
  ASSERT_TRUE(woken.ok());
  EXPECT_EQ(*woken, RR::kTimeout);
  b->Break();
  EXPECT_EQ(a->Read(&m, testing::SteadyNowMsForTestImpl() + 1000).status().code(),
            Code::kUnavailable);
}

}  // namespace
}  // namespace brs::sync
