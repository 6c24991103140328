#include "rpc/worker_pool.h"

#include <thread>

namespace brs::rpc::internal {

WorkerPool::WorkerPool(size_t max_idle, std::chrono::milliseconds idle_timeout)
    : st_(std::make_shared<State>()) {
  st_->max_idle = max_idle;
  st_->idle_timeout = idle_timeout;
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(st_->mu);
    st_->stopped = true;
  }
  st_->cv.notify_all();
}

void WorkerPool::Run(std::function<void()> task) {
  {
    std::lock_guard lock(st_->mu);
    // Each queued task is promised to one idle worker.
    if (st_->idle > st_->tasks.size()) {
      st_->tasks.push_back(std::move(task));
      st_->cv.notify_one();
      return;
    }
  }
  std::thread(&WorkerPool::Work, st_, std::move(task)).detach();
}

size_t WorkerPool::idle() const {
  std::lock_guard lock(st_->mu);
  return st_->idle;
}

void WorkerPool::Work(std::shared_ptr<State> st, std::function<void()> task) {
  for (;;) {
    task();
    task = nullptr;  // release what the task captured before waiting
    std::unique_lock lock(st->mu);
    if (st->stopped || st->idle >= st->max_idle) return;
    ++st->idle;
    const bool woken =
        st->cv.wait_for(lock, st->idle_timeout, [&] { return !st->tasks.empty() || st->stopped; });
    --st->idle;
    if (!woken || st->tasks.empty()) return;  // timed out, or stopped with nothing queued
    task = std::move(st->tasks.front());
    st->tasks.pop_front();
  }
}

}  // namespace brs::rpc::internal
