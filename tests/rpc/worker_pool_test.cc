#include "rpc/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "rpc/wait_until.h"

namespace brs::rpc::internal {
namespace {

using namespace std::chrono_literals;

void WaitFor(const std::function<bool()>& cond) { EXPECT_TRUE(testing::WaitUntil(cond)); }

TEST(WorkerPool, ReusesIdleThreadsForShortTasks) {
  WorkerPool pool(4, 10s);
  std::mutex mu;
  std::set<std::thread::id> threads;
  for (int i = 0; i < 50; ++i) {
    std::promise<void> done;
    pool.Run([&] {
      {
        std::lock_guard l(mu);
        threads.insert(std::this_thread::get_id());
      }
      done.set_value();
    });
    done.get_future().wait();
    WaitFor([&] { return pool.idle() == 1; });  // the worker is back waiting
  }
  EXPECT_EQ(threads.size(), 1u) << "one-at-a-time tasks share one thread";
}

TEST(WorkerPool, BlockingTasksNeverWaitForAWorker) {
  WorkerPool pool(2, 10s);
  std::atomic<int> running{0};
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  for (int i = 0; i < 20; ++i) {
    pool.Run([&, gate] {
      running++;
      gate.wait();
    });
  }
  WaitFor([&] { return running.load() == 20; });
  EXPECT_EQ(running.load(), 20) << "every task got a thread while the others block";
  release.set_value();
  WaitFor([&] { return pool.idle() == 2; });
  EXPECT_EQ(pool.idle(), 2u) << "at most max_idle workers stay";
}

TEST(WorkerPool, IdleWorkersLeaveAfterTheTimeout) {
  WorkerPool pool(4, 50ms);
  std::promise<void> done;
  pool.Run([&] { done.set_value(); });
  done.get_future().wait();
  WaitFor([&] { return pool.idle() == 1; });
  EXPECT_EQ(pool.idle(), 1u);
  WaitFor([&] { return pool.idle() == 0; });
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(WorkerPool, ATaskMayOutliveThePool) {
  std::promise<void> release, finished;
  {
    WorkerPool pool;
    pool.Run([&] {
      release.get_future().wait();
      finished.set_value();
    });
  }
  release.set_value();
  EXPECT_EQ(finished.get_future().wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace brs::rpc::internal
