// The server's refusals of peers (connections over a limit, requests or
// responses too slow): each is counted in the metric
// backrest_sync_rpc_refusals_total{reason} and reported through
// ServerOptions::on_refusal, rate-limited per reason (RefusalLog); what was
// counted and not yet reported is reported when its interval ends (a timer
// on the server's io_context) or at Flush.
#pragma once

#include <array>
#include <asio.hpp>
#include <memory>
#include <mutex>

#include "base/metrics.h"
#include "rpc/refusal_log.h"
#include "rpc/server.h"

namespace brs::rpc::internal {

class RefusalReporter {
 public:
  enum class Reason { kConnectionLimit, kHeaderTimeout, kBodyTimeout, kWriteTimeout };

  // Reads the limits, the sink, the interval and the registry of `options`.
  RefusalReporter(asio::io_context& io, const ServerOptions& options);
  // Any thread.
  void Note(Reason reason, const std::string& peer);
  // Reports everything counted and not reported; stops the timer (Stop).
  void Flush();

 private:
  void ArmLocked(int64_t at_ms);
  void Report(const std::vector<Refusal>& reports);

  std::function<void(const Refusal&)> sink_;
  std::unique_ptr<metrics::Registry> own_registry_;
  std::array<metrics::Counter*, 4> counters_{};
  std::array<std::string, 4> sentences_;
  std::mutex mu_;
  RefusalLog log_;                  // mu_
  asio::steady_timer timer_;        // mu_
  int64_t armed_at_ = kNoDeadline;  // mu_
  bool flushed_ = false;            // mu_
};

}  // namespace brs::rpc::internal
