// SessionPool's insides, for the sync code that schedules its own work on
// a pool (EventSessionRunner, SyncService's client loops).
#pragma once

#include <asio.hpp>

#include "sync/event_session_runner.h"

namespace brs::sync {

struct SessionPool::Impl {
  explicit Impl(size_t threads) : pool(threads) {}
  asio::thread_pool pool;
};

}  // namespace brs::sync
