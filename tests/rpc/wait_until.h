// Waiting in tests for a state the code offers no notification for (a
// count, a backlog): the condition is checked every millisecond until it
// holds, and the test goes on at that moment. Not a sleep that stands for
// "long enough": a test asserts what the condition guarantees, once it
// holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "rpc/stream.h"

namespace brs::rpc::testing {

// True once `cond` holds; false when it still does not after timeout_ms.
inline bool WaitUntil(const std::function<bool()>& cond, int64_t timeout_ms = 10'000) {
  const int64_t deadline = SteadyNowMs() + timeout_ms;
  while (!cond()) {
    if (SteadyNowMs() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace brs::rpc::testing
