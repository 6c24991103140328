#include "sync/sync_env.h"

namespace brs::sync {

PeerFeatures PeerFeatures::Parse(std::string_view value) {
  PeerFeatures f;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item == "log-transfer") f.log_transfer = true;
    if (item == "throttle") f.throttle = true;
  }
  return f;
}

std::string PeerFeatures::Format() const {
  std::string out;
  if (log_transfer) out += "log-transfer";
  if (throttle) out += out.empty() ? "throttle" : ",throttle";
  return out;
}

}  // namespace brs::sync
