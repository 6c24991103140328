#include "rpc/timeout.h"

#include <cstdint>

namespace brs::rpc {
namespace {

bool ParseDigits(std::string_view v, size_t max_digits, uint64_t* out) {
  if (v.empty() || v.size() > max_digits) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = n;
  return true;
}

}  // namespace

StatusOr<std::chrono::milliseconds> ParseConnectTimeout(std::string_view v) {
  uint64_t n = 0;
  if (!ParseDigits(v, 10, &n) || n == 0) return InvalidArgument("invalid Connect-Timeout-Ms");
  return std::chrono::milliseconds(static_cast<int64_t>(n));
}

StatusOr<std::chrono::milliseconds> ParseGrpcTimeout(std::string_view v) {
  if (v.size() < 2) return InvalidArgument("invalid grpc-timeout");
  uint64_t n = 0;
  if (!ParseDigits(v.substr(0, v.size() - 1), 8, &n))
    return InvalidArgument("invalid grpc-timeout");
  constexpr uint64_t kNsPerMs = 1000000;
  uint64_t ms = 0;
  switch (v.back()) {
    case 'H':
      ms = n * 3600000;
      break;
    case 'M':
      ms = n * 60000;
      break;
    case 'S':
      ms = n * 1000;
      break;
    case 'm':
      ms = n;
      break;
    case 'u':
      ms = (n + 999) / 1000;
      break;
    case 'n':
      ms = (n + kNsPerMs - 1) / kNsPerMs;
      break;
    default:
      return InvalidArgument("invalid grpc-timeout unit");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::string FormatGrpcTimeout(std::chrono::milliseconds t) {
  int64_t ms = t.count() < 0 ? 0 : t.count();
  if (ms <= 99999999) return std::to_string(ms) + "m";
  int64_t s = (ms + 999) / 1000;
  if (s <= 99999999) return std::to_string(s) + "S";
  int64_t h = (s + 3599) / 3600;
  if (h > 99999999) h = 99999999;
  return std::to_string(h) + "H";
}

}  // namespace brs::rpc
