#include "app/duration.h"

namespace brs::app {

StatusOr<int64_t> ParseDuration(std::string_view text) {
  const std::string quoted = "\"" + std::string(text.substr(0, 64)) + "\"";
  const std::string hint = " (e.g. 30m, 24h, 7d)";
  if (text.empty()) return InvalidArgument("empty duration" + hint);
  constexpr int64_t kMax = 10LL * 366 * 86400;
  int64_t total = 0, n = 0;
  bool digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      n = n * 10 + (c - '0');
      digits = true;
      if (n > kMax) return InvalidArgument("duration " + quoted + " is longer than ten years");
      continue;
    }
    if (!digits) return InvalidArgument("bad duration " + quoted + hint);
    const int64_t unit = c == 's'   ? 1
                         : c == 'm' ? 60
                         : c == 'h' ? 3600
                         : c == 'd' ? 86400
                         : c == 'w' ? 7 * 86400
                                    : 0;
    if (unit == 0) {
      return InvalidArgument("bad unit '" + std::string(1, c) + "' in duration " + quoted +
                             " (use s, m, h, d or w)");
    }
    total += n * unit;
    if (total > kMax) return InvalidArgument("duration " + quoted + " is longer than ten years");
    n = 0;
    digits = false;
  }
  if (digits) return InvalidArgument("duration " + quoted + " needs a unit" + hint);
  if (total == 0) return InvalidArgument("duration " + quoted + " is zero");
  return total;
}

std::string FormatDuration(int64_t seconds) {
  if (seconds <= 0) return "0s";
  std::string out;
  const struct {
    int64_t size;
    char unit;
  } kUnits[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
  for (const auto& u : kUnits) {
    if (seconds >= u.size) {
      out += std::to_string(seconds / u.size) + u.unit;
      seconds %= u.size;
    }
  }
  return out;
}

}  // namespace brs::app
