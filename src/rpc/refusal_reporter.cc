#include "rpc/refusal_reporter.h"

#include <chrono>

namespace brs::rpc::internal {
namespace {

std::string Ms(int64_t ms) { return std::to_string(ms) + " ms"; }

}  // namespace

RefusalReporter::RefusalReporter(asio::io_context& io, const ServerOptions& o)
    : sink_(o.on_refusal), log_(o.refusal_report_interval_ms), timer_(io) {
  metrics::Registry* registry = o.metrics;
  if (registry == nullptr) {
    own_registry_ = std::make_unique<metrics::Registry>();
    registry = own_registry_.get();
  }
  auto& family =
      registry->AddCounter("backrest_sync_rpc_refusals_total",
                           "Peers refused or dropped by the RPC server, by limit.", {"reason"});
  counters_ = {&family.With({"http1_connection_limit"}), &family.With({"header_timeout"}),
               &family.With({"http1_body_timeout"}), &family.With({"http1_write_timeout"})};
  sentences_ = {"HTTP/1.1 connection limit (" + std::to_string(o.max_http1_connections) +
                    ") reached: answered 503 and closed",
                "no complete request head (or HTTP/2 preface) within " +
                    Ms(o.http1_header_timeout_ms) + ": answered 408 and closed",
                "HTTP/1.1 request body not complete within " + Ms(o.http1_idle_timeout_ms) +
                    ": answered 408 and closed",
                "HTTP/1.1 response not read within " + Ms(o.http1_idle_timeout_ms) + ": closed"};
}

void RefusalReporter::Note(Reason reason, const std::string& peer) {
  const auto i = static_cast<size_t>(reason);
  counters_[i]->Inc();
  std::optional<Refusal> now;
  {
    std::lock_guard lock(mu_);
    if (flushed_) return;
    now = log_.Note(sentences_[i], peer, SteadyNowMs());
    ArmLocked(log_.next_due_ms());
  }
  if (now) Report({*now});
}

void RefusalReporter::ArmLocked(int64_t at_ms) {
  if (at_ms == kNoDeadline || at_ms >= armed_at_) return;  // none due, or armed earlier
  armed_at_ = at_ms;
  timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, at_ms - SteadyNowMs())));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    std::vector<Refusal> due;
    {
      std::lock_guard lock(mu_);
      if (flushed_) return;
      armed_at_ = kNoDeadline;
      due = log_.Due(SteadyNowMs());
      ArmLocked(log_.next_due_ms());
    }
    Report(due);
  });
}

void RefusalReporter::Flush() {
  std::vector<Refusal> due;
  {
    std::lock_guard lock(mu_);
    if (flushed_) return;
    flushed_ = true;
    timer_.cancel();
    due = log_.Due(kNoDeadline);
  }
  Report(due);
}

void RefusalReporter::Report(const std::vector<Refusal>& reports) {
  if (!sink_) return;
  for (const auto& r : reports) sink_(r);
}

}  // namespace brs::rpc::internal
