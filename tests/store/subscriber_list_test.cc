#include "store/subscriber_list.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace brs::store {
namespace {

using Callback = std::function<void(const std::string&, uint64_t)>;
using List = SubscriberList<std::string, Callback>;

void Call(const Callback& callback, const std::string& event, uint64_t seq) {
  callback(event, seq);
}

// Records what one subscriber received.
struct Seen {
  std::vector<std::pair<std::string, uint64_t>> events;
  Callback callback() {
    return [this](const std::string& e, uint64_t seq) { events.emplace_back(e, seq); };
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.first);
    return out;
  }
};

TEST(SubscriberListTest, DeliversInPublishOrderWithSequenceNumbers) {
  List list;
  Seen a, b;
  list.Subscribe(a.callback());
  list.Subscribe(b.callback());
  EXPECT_EQ(list.Publish("one"), 1u);
  EXPECT_EQ(list.Publish("two"), 2u);
  list.Deliver(Call);
  EXPECT_EQ(a.events, (std::vector<std::pair<std::string, uint64_t>>{{"one", 1}, {"two", 2}}));
  EXPECT_EQ(b.events, a.events);
  list.Deliver(Call);  // nothing left: nothing delivered again
  EXPECT_EQ(a.events.size(), 2u);
}

TEST(SubscriberListTest, SubscriberGetsOnlyEventsPublishedAfterItSubscribed) {
  List list;
  Seen early, late;
  list.Subscribe(early.callback());
  list.Publish("before");
  list.Subscribe(late.callback());
  list.Publish("after");
  list.Deliver(Call);
  EXPECT_EQ(early.names(), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(late.names(), (std::vector<std::string>{"after"}));
}

TEST(SubscriberListTest, EventsWithNobodySubscribedAreDroppedButNumbered) {
  List list;
  EXPECT_EQ(list.Publish("unseen"), 1u);
  Seen a;
  list.Subscribe(a.callback());
  list.Deliver(Call);
  EXPECT_TRUE(a.events.empty());
  EXPECT_EQ(list.Publish("seen"), 2u);
  list.Deliver(Call);
  EXPECT_EQ(a.events, (std::vector<std::pair<std::string, uint64_t>>{{"seen", 2}}));
}

TEST(SubscriberListTest, EventPublishedFromACallbackIsDeliveredAfterItReturns) {
  List list;
  std::vector<std::string> log;
  list.Subscribe([&](const std::string& e, uint64_t) {
    log.push_back("begin " + e);
    if (e == "first") {
      list.Publish("nested");
      list.Deliver(Call);  // returns at once: the outer Deliver delivers it
    }
    log.push_back("end " + e);
  });
  list.Publish("first");
  list.Deliver(Call);
  EXPECT_EQ(log,
            (std::vector<std::string>{"begin first", "end first", "begin nested", "end nested"}));
}

TEST(SubscriberListTest, UnsubscribeFromInsideACallbackStopsLaterEvents) {
  List list;
  int calls = 0;
  List::Id id = 0;
  id = list.Subscribe([&](const std::string&, uint64_t) {
    ++calls;
    list.Unsubscribe(id);  // on the delivering thread: does not wait for itself
  });
  Seen other;
  list.Subscribe(other.callback());
  list.Publish("one");
  list.Publish("two");
  list.Deliver(Call);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(other.names(), (std::vector<std::string>{"one", "two"}));
}

TEST(SubscriberListTest, UnsubscribeSkipsAQueuedEventAndIgnoresUnknownIds) {
  List list;
  Seen a;
  List::Id id = list.Subscribe(a.callback());
  list.Publish("queued");
  list.Unsubscribe(id);
  list.Unsubscribe(id);
  list.Unsubscribe(12345);
  list.Deliver(Call);
  EXPECT_TRUE(a.events.empty());
}

// Unsubscribe on another thread returns only once the callback running on
// the delivering thread has finished, and the callback is not called again.
TEST(SubscriberListTest, UnsubscribeFromAnotherThreadWaitsForTheRunningCallback) {
  List list;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> running{false};
  std::atomic<int> calls{0};
  List::Id id = list.Subscribe([&](const std::string&, uint64_t) {
    running = true;
    if (++calls == 1) {
      entered.set_value();
      released.wait();
    }
    running = false;
  });
  list.Publish("one");
  std::thread deliverer([&] { list.Deliver(Call); });
  entered.get_future().wait();  // the callback is running now
  std::atomic<bool> callback_ran_after_return{false};
  std::thread unsubscriber([&] {
    list.Unsubscribe(id);
    callback_ran_after_return = running.load();
  });
  release.set_value();
  unsubscriber.join();
  deliverer.join();
  EXPECT_FALSE(callback_ran_after_return.load());
  list.Publish("two");
  list.Deliver(Call);
  EXPECT_EQ(calls.load(), 1);
}

TEST(SubscriberListTest, DeliverLatestCoalescesABurstIntoItsNewestEvent) {
  List list;
  Seen a;
  list.Subscribe(a.callback());
  list.Publish("v1");
  list.Publish("v2");
  list.Publish("v3");
  list.DeliverLatest(Call);
  EXPECT_EQ(a.events, (std::vector<std::pair<std::string, uint64_t>>{{"v3", 3}}));
  // A subscriber owed nothing of a burst gets nothing.
  Seen late;
  list.Publish("v4");
  list.Subscribe(late.callback());
  list.DeliverLatest(Call);
  EXPECT_EQ(a.names(), (std::vector<std::string>{"v3", "v4"}));
  EXPECT_TRUE(late.events.empty());
}

TEST(SubscriberListTest, ConcurrentPublishersAreDeliveredInPublishOrder) {
  List list;
  std::vector<uint64_t> seqs;  // only the one delivering thread appends
  list.Subscribe([&](const std::string&, uint64_t seq) { seqs.push_back(seq); });
  constexpr int kThreads = 4, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        list.Publish("e");
        list.Deliver(Call);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(seqs.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1);
}

}  // namespace
}  // namespace brs::store
