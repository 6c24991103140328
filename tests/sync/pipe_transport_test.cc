#include "sync/pipe_transport.h"

#include <gtest/gtest.h>

#include <thread>

#include "sync/outbox.h"

namespace brs::sync {
namespace {

using RR = SyncTransport::ReadResult;

TEST(PipeTransport, CarriesMessagesBothWaysThenEnds) {
  auto [a, b] = PipeTransport::Pair(4);
  ASSERT_TRUE(a->Write("one").ok());
  ASSERT_TRUE(b->Write("two").ok());
  std::string m;
  EXPECT_EQ(*b->Read(&m, Outbox::SteadyNowMs() + 1000), RR::kMessage);
  EXPECT_EQ(m, "one");
  EXPECT_EQ(*a->Read(&m, Outbox::SteadyNowMs() + 1000), RR::kMessage);
  EXPECT_EQ(m, "two");
  EXPECT_EQ(*a->Read(&m, Outbox::SteadyNowMs() + 10), RR::kTimeout);
  ASSERT_TRUE(a->Write("last").ok());
  a->Finish(PermissionDenied("go away"));
  EXPECT_EQ(*b->Read(&m, Outbox::SteadyNowMs() + 1000), RR::kMessage);
  auto end = b->Read(&m, Outbox::SteadyNowMs() + 1000);
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
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(done.load());
  std::string m;
  EXPECT_EQ(*b->Read(&m, Outbox::SteadyNowMs() + 1000), RR::kMessage);
  w.join();
  EXPECT_TRUE(done.load());

  std::thread waker([&, &b = b] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    b->Wake();
  });
  auto [c, d] = PipeTransport::Pair();
  (void)c;
  int64_t start = Outbox::SteadyNowMs();
  EXPECT_EQ(*d->Read(&m, start + 20), RR::kTimeout);
  waker.join();
  b->Break();
  EXPECT_EQ(a->Read(&m, Outbox::SteadyNowMs() + 1000).status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace brs::sync
