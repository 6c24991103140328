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
    if (item == "set-config-result") f.set_config_result = true;
  }
  return f;
}

std::string PeerFeatures::Format() const {
  std::string out;
  if (log_transfer) out += "log-transfer";
  auto add = [&out](const char* name) {
    if (!out.empty()) out += ",";
    out += name;
  };
  if (throttle) add("throttle");
  if (set_config_result) add("set-config-result");
  return out;
}

}  // namespace brs::sync
