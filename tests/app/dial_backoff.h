// A client's dials (each one's start and the end of its session), judged
// against the client's reconnect back-off (sync/reconnect_policy.h,
// replayed, not restated): each gap between two dials must be what the
// policy asks after the session before it. The dials come from the
// client's own log (ClientDialsFromLog: when it started each dial and
// recorded each end; a FaultProxy sees the end earlier when the client is
// busy, and the policy counts the client's view) or a FaultProxy's records
// (tests/app/fault_proxy.h). Either way a session's length is known to
// within `slack_ms`, and one within that of the retry delay may have reset
// the attempts or not: both are followed (each possible attempt count). A gap
// shorter than the shortest the policy allows is a storm (`too_soon`), one
// longer than the longest plus `late_slack_ms` (a loaded machine's timers
// fire late) a back-off the policy does not ask for (`too_late`).
//
// A hub that refused a client for load sent a retry hint, which the policy
// follows instead (no floor, attempts unchanged); the proxy cannot see
// which session that was, so with `hint_refusals` > 0 (the client's own
// count) the attempts staying as they were is followed too, and up to
// that many gaps shorter than the back-off count as `hinted`, not too soon.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <set>
#include <sstream>
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
  int hinted = 0;       // short gaps a hub's retry hint explains
  int unknown_end = 0;  // the proxy never saw a session end before the next dial
  std::string examples;
  bool ok() const { return too_soon == 0 && too_late == 0; }
};

// A client daemon's dials as it logged them (text log, one "peer state"
// line per change of its hub's state): each "state=PENDING" (its dial,
// when the back-off's clock starts) begins one, the first later state other
// than CONNECTED ends it: what the client's policy measured, in its log's
// milliseconds (times of day, read as UTC: only differences count).
inline std::vector<brs::testing::ConnRecord> ClientDialsFromLog(const std::string& log) {
  std::vector<brs::testing::ConnRecord> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find(" peer state ");
    const auto st = line.find(" state=");
    std::tm tm{};
    int ms = 0;
    if (at == std::string::npos || st == std::string::npos || line.size() < 23 ||
        std::sscanf(line.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
      continue;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const int64_t t = static_cast<int64_t>(::timegm(&tm)) * 1000 + ms;
    const std::string state = line.substr(st + 7, line.find(' ', st + 7) - st - 7);
    if (state == "PENDING") {
      out.push_back(brs::testing::ConnRecord{t});
    } else if (state != "CONNECTED" && !out.empty() && out.back().client_end_ms < 0) {
      out.back().client_end_ms = t;
    }
  }
  return out;
}

// The most dials the policy allows within any window_ms: its floor between
// two dials, less the slack.
inline int DialsPerWindowBound(const BackoffCheck& c) {
  brs::sync::ReconnectPolicy p(c.retry_delay);
  const int64_t floor_ms = p.NextDelay(c.retry_delay).count();
  return 1 + static_cast<int>(c.window_ms / std::max<int64_t>(1, floor_ms - c.slack_ms));
}

// The most dials within any window of `window_ms`.
inline int MaxDialsInWindow(const std::vector<brs::testing::ConnRecord>& conns, int64_t window_ms) {
  int most = 0;
  for (size_t i = 0, j = 0; i < conns.size(); ++i) {
    while (conns[i].accept_ms - conns[j].accept_ms >= window_ms) ++j;
    most = std::max(most, static_cast<int>(i - j + 1));
  }
  return most;
}

inline BackoffReport CheckBackoff(const std::vector<brs::testing::ConnRecord>& conns,
                                  const BackoffCheck& c, int hint_refusals = 0) {
  using brs::sync::ReconnectPolicy;
  using Ms = std::chrono::milliseconds;
  BackoffReport r;
  r.dials = static_cast<int>(conns.size());
  r.max_in_window = MaxDialsInWindow(conns, c.window_ms);
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
    if (hint_refusals > 0) {
      for (const auto& s : states) {
        if (seen.insert(s.attempts()).second) next.push_back(s);
      }
    }
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
    if (gap < lo - c.slack_ms && r.hinted < hint_refusals) {
      ++r.hinted;
    } else if (gap < lo - c.slack_ms) {
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
