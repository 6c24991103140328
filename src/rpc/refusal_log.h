// Rate-limits the reports of refusals a peer can cause (a connection over
// a limit, a request too slow), so that a storm of them costs one log line
// per reason and interval rather than one per connection. No I/O and no
// clock of its own: the caller passes the time (steady clock, ms) and logs
// what comes back. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/server.h"

namespace brs::rpc::internal {

class RefusalLog {
 public:
  explicit RefusalLog(int64_t interval_ms) : interval_ms_(interval_ms) {}

  // A refusal at `now_ms`. The first of its reason in an interval is
  // reported at once (count 1, or 1 + those counted since the last report);
  // the others are counted and reported by Due once the interval is over.
  std::optional<Refusal> Note(std::string_view reason, std::string_view peer, int64_t now_ms);
  // Reports of the refusals counted and not reported, whose interval has
  // ended by `now_ms` (all of them when now_ms is kNoDeadline).
  std::vector<Refusal> Due(int64_t now_ms);
  // When Due next has a report (kNoDeadline: none counted).
  int64_t next_due_ms() const;

 private:
  struct Entry {
    int64_t last_report_ms = 0;
    bool reported = false;
    uint64_t counted = 0;  // since the last report
    std::string last_peer;
  };
  const int64_t interval_ms_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace brs::rpc::internal
