// A client's dials as a FaultProxy recorded them (tests/app/fault_proxy.h),
// judged against the client's reconnect back-off (sync/reconnect_policy.h,
// replayed, not restated): each gap between two dials must be what the
// policy asks after the session before it, within the proxy's view of
// time. The proxy sees a session from its accept to the end of its client
// side; the client's own clock starts a little before (the dial) and may
// see the end a little later, so a session length is known to within
// `slack_ms`, and one within that of the retry delay may have reset the
// attempts or not: both are followed (each possible attempt count). A gap
// shorter than the shortest the policy allows is a storm (`too_soon`), one
// longer than the longest plus `late_slack_ms` (a loaded machine's timers
// fire late) a back-off the policy does not ask for (`too_late`).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "app/fault_proxy.h"
#include "sync/reconnect_policy.h"

namespace brs::app::testing {

struct BackoffCheck {
  std::chrono::milliseconds retry_delay{1000};
  int64_t slack_ms = 250;
  int64_t late_slack_ms = 2000;
  int64_t window_ms = 1000;
};

struct BackoffReport {
  int dials = 0;
  int max_in_window = 0;  // the most dials within any window_ms
  int grown = 0;          // gaps the policy put above its floor (failures in a row)
  int64_t longest_gap_ms = 0;
  int too_soon = 0, too_late = 0;
  int unknown_end = 0;  // the proxy never saw a session end before the next dial
  std::string examples;
  bool ok() const { return too_soon == 0 && too_late == 0; }
};

// The most dials the policy allows within any window_ms: its floor between
// two dials, less the slack.
inline int DialsPerWindowBound(const BackoffCheck& c) {
  brs::sync::ReconnectPolicy p(c.retry_delay);
  const int64_t floor_ms = p.NextDelay(c.retry_delay).count();
  return 1 + static_cast<int>(c.window_ms / std::max<int64_t>(1, floor_ms - c.slack_ms));
}

inline BackoffReport CheckBackoff(const std::vector<brs::testing::ConnRecord>& conns,
                                  const BackoffCheck& c) {
  using brs::sync::ReconnectPolicy;
  using Ms = std::chrono::milliseconds;
  BackoffReport r;
  r.dials = static_cast<int>(conns.size());
  for (size_t i = 0, j = 0; i < conns.size(); ++i) {
    while (conns[i].accept_ms - conns[j].accept_ms >= c.window_ms) ++j;
    r.max_in_window = std::max(r.max_in_window, static_cast<int>(i - j + 1));
  }
  auto example = [&](const std::string& s) {
    if (r.examples.size() < 600) r.examples += "; " + s;
  };
  // The policies the client may be in (by attempt count).
  std::vector<ReconnectPolicy> states{ReconnectPolicy(c.retry_delay)};
  const int64_t retry = c.retry_delay.count();
  for (size_t i = 0; i + 1 < conns.size(); ++i) {
    const int64_t gap = conns[i + 1].accept_ms - conns[i].accept_ms;
    r.longest_gap_ms = std::max(r.longest_gap_ms, gap);
    int64_t lo_len = 0, hi_len = gap;
    const int64_t end = conns[i].client_end_ms;
    if (end < 0 || end > conns[i + 1].accept_ms) {
      ++r.unknown_end;  // somewhere between its accept and the next dial
    } else {
      lo_len = std::max<int64_t>(0, end - conns[i].accept_ms - c.slack_ms);
      hi_len = end - conns[i].accept_ms + c.slack_ms;
    }
    std::vector<int64_t> lengths{lo_len, hi_len};
    for (int64_t l : {retry - 1, retry}) {
      if (l > lo_len && l < hi_len) lengths.push_back(l);
    }
    int64_t lo = INT64_MAX, hi = 0;
    std::vector<ReconnectPolicy> next;
    std::set<int> seen;
    for (const auto& s : states) {
      for (int64_t l : lengths) {
        ReconnectPolicy p = s;
        const int64_t g = l + p.NextDelay(Ms(l)).count();
        lo = std::min(lo, g);
        hi = std::max(hi, g);
        if (seen.insert(p.attempts()).second) next.push_back(p);
      }
    }
    states = std::move(next);
    ReconnectPolicy fresh(c.retry_delay);
    if (lo > lo_len + fresh.NextDelay(Ms(lo_len)).count()) ++r.grown;
    const std::string at = "dial " + std::to_string(i + 2) + " " + std::to_string(gap) +
                           " ms after the last (policy: " + std::to_string(lo) + "-" +
                           std::to_string(hi) + " ms)";
    if (gap < lo - c.slack_ms) {
      ++r.too_soon;
      example(at);
    } else if (gap > hi + c.late_slack_ms) {
      ++r.too_late;
      example(at);
    }
  }
  return r;
}

}  // namespace brs::app::testing
