// Threads for handlers that may block: a task runs at once, on an idle
// worker when there is one, else on a new thread. Up to `max_idle` workers
// wait for work (each for at most `idle_timeout`), so short calls reuse
// threads while long ones (streams) never wait for a free worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace brs::rpc::internal {

class WorkerPool {
 public:
  explicit WorkerPool(size_t max_idle = 16,
                      std::chrono::milliseconds idle_timeout = std::chrono::seconds(10));
  // Idle workers exit; busy ones exit after their task (they share the
  // pool's state, so they may outlive it).
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Run(std::function<void()> task);
  // Workers waiting for work (for tests).
  size_t idle() const;

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;
    size_t idle = 0;
    bool stopped = false;
    size_t max_idle;
    std::chrono::milliseconds idle_timeout;
  };
  static void Work(std::shared_ptr<State> st, std::function<void()> task);

  std::shared_ptr<State> st_;
};

}  // namespace brs::rpc::internal
