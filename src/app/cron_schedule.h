// Cron expressions as Backrest schedules them (robfig/cron's standard
// parser): five fields "minute hour day-of-month month day-of-week", each a
// list of `*`, `?`, N, N-M, with an optional /STEP (N/STEP runs to the
// field's end), month and weekday names (JAN, MON; 7 is Sunday too), the
// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly
// and `@every DURATION`, and an optional leading CRON_TZ=ZONE (ignored:
// the gap between runs does not depend on the zone, up to a DST hour).
// When both day fields are restricted a day matches either (cron's rule);
// when either is `*` or `?`, both.
#pragma once

#include <chrono>
#include <string_view>

#include "base/status.h"

namespace brs::app {

// The longest time between two consecutive runs of `expr` (over a two-year
// window from a leap year, so monthly, yearly and February-29 schedules are
// covered). InvalidArgument for a malformed expression or one that runs at
// most once in that window.
StatusOr<std::chrono::seconds> CronLongestGap(std::string_view expr);

}  // namespace brs::app
