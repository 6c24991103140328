#include "rpc/refusal_log.h"

#include <algorithm>

namespace brs::rpc::internal {

std::optional<Refusal> RefusalLog::Note(std::string_view reason, std::string_view peer,
                                        int64_t now_ms) {
  auto it = entries_.find(reason);
  if (it == entries_.end()) it = entries_.emplace(std::string(reason), Entry{}).first;
  Entry& e = it->second;
  if (e.reported && now_ms - e.last_report_ms < interval_ms_) {
    ++e.counted;
    e.last_peer = std::string(peer);
    return std::nullopt;
  }
  Refusal r{it->first, std::string(peer), e.counted + 1};
  e.reported = true;
  e.last_report_ms = now_ms;
  e.counted = 0;
  return r;
}

std::vector<Refusal> RefusalLog::Due(int64_t now_ms) {
  std::vector<Refusal> out;
  for (auto& [reason, e] : entries_) {
    if (e.counted == 0) continue;
    if (now_ms != kNoDeadline && now_ms - e.last_report_ms < interval_ms_) continue;
    out.push_back(Refusal{reason, e.last_peer, e.counted});
    e.counted = 0;
    e.last_report_ms = now_ms == kNoDeadline ? e.last_report_ms : now_ms;
  }
  return out;
}

int64_t RefusalLog::next_due_ms() const {
  int64_t next = kNoDeadline;
  for (const auto& [reason, e] : entries_) {
    if (e.counted > 0) next = std::min(next, e.last_report_ms + interval_ms_);
  }
  return next;
}

}  // namespace brs::rpc::internal
