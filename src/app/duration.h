// Durations on the command line: "90s", "30m", "24h", "7d", "2w", "1h30m".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::app {

// Seconds. InvalidArgument (quoting the input) for an empty string, a
// number without unit, an unknown unit, a zero total or a total over ten
// years.
StatusOr<int64_t> ParseDuration(std::string_view text);

// The inverse for display: "7d", "1h30m", "45s"; "0s" for 0.
std::string FormatDuration(int64_t seconds);

}  // namespace brs::app
