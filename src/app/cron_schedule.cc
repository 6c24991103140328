#include "app/cron_schedule.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <charconv>
#include <string>
#include <vector>

#include "app/duration.h"

namespace brs::app {
namespace {

struct FieldRange {
  int min, max;
  const char* const* names;  // names[i] is value min + i (nullptr: none)
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",  "jul",
                                   "aug", "sep", "oct", "nov", "dec", nullptr};
constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", nullptr};
constexpr FieldRange kRanges[5] = {
    {0, 59, nullptr}, {0, 23, nullptr}, {1, 31, nullptr}, {1, 12, kMonths}, {0, 6, kDays}};

// One parsed field: the values it allows and whether it was `*`/`?`.
struct Field {
  std::bitset<64> bits;
  bool star = false;
};

StatusOr<int> ParseValue(std::string_view text, const FieldRange& r, bool dow) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; r.names != nullptr && r.names[i] != nullptr; ++i) {
    if (lower == r.names[i]) return r.min + i;
  }
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("\"" + std::string(text) + "\" is not a value");
  }
  if (dow && v == 7) v = 0;
  if (v < r.min || v > r.max) {
    return InvalidArgument(std::to_string(v) + " is outside " + std::to_string(r.min) + "-" +
                           std::to_string(r.max));
  }
  return v;
}

// One comma-separated part: `*`, N, N-M, each with an optional /STEP.
Status ParsePart(std::string_view part, const FieldRange& r, bool dow, Field& f) {
  int step = 1;
  bool has_step = false;
  if (auto slash = part.find('/'); slash != std::string_view::npos) {
    auto s = part.substr(slash + 1);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
    if (ec != std::errc() || end != s.data() + s.size() || step <= 0) {
      return InvalidArgument("bad step in \"" + std::string(part) + "\"");
    }
    part = part.substr(0, slash);
    has_step = true;
  }
  int lo = r.min, hi = r.max;
  if (part == "*" || part == "?") {
    f.star |= step == 1;
  } else if (auto dash = part.find('-'); dash != std::string_view::npos) {
    BRS_ASSIGN_OR_RETURN(lo, ParseValue(part.substr(0, dash), r, dow));
    BRS_ASSIGN_OR_RETURN(hi, ParseValue(part.substr(dash + 1), r, dow));
  } else {
    BRS_ASSIGN_OR_RETURN(lo, ParseValue(part, r, dow));
    if (!has_step) hi = lo;
  }
  if (lo > hi) return InvalidArgument("empty range \"" + std::string(part) + "\"");
  for (int v = lo; v <= hi; v += step) f.bits.set(static_cast<size_t>(v));
  return Status();
}

StatusOr<Field> ParseField(std::string_view text, int index) {
  Field f;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    if (comma == std::string_view::npos) comma = text.size();
    BRS_RETURN_IF_ERROR(ParsePart(text.substr(at, comma - at), kRanges[index], index == 4, f));
    at = comma + 1;
  }
  return f;
}

std::vector<std::string_view> SplitFields(std::string_view expr) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < expr.size()) {
    if (std::isspace(static_cast<unsigned char>(expr[at]))) {
      ++at;
      continue;
    }
    size_t end = at;
    while (end < expr.size() && !std::isspace(static_cast<unsigned char>(expr[end]))) ++end;
    out.push_back(expr.substr(at, end - at));
    at = end;
  }
  return out;
}

std::string_view ExpandDescriptor(std::string_view d) {
  if (d == "@yearly" || d == "@annually") return "0 0 1 1 *";
  if (d == "@monthly") return "0 0 1 * *";
  if (d == "@weekly") return "0 0 * * 0";
  if (d == "@daily" || d == "@midnight") return "0 0 * * *";
  if (d == "@hourly") return "0 * * * *";
  return {};
}

bool DayMatches(const Field f[5], std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  const std::chrono::weekday wd(day);
  if (!f[3].bits.test(static_cast<unsigned>(ymd.month()))) return false;
  const bool dom = f[2].bits.test(static_cast<unsigned>(ymd.day()));
  const bool dow = f[4].bits.test(wd.c_encoding());
  return (f[2].star || f[4].star) ? dom && dow : dom || dow;
}

// The longest gap, in minutes, of the runs of five parsed fields.
StatusOr<int64_t> LongestGapMinutes(const Field f[5]) {
  std::vector<int64_t> minutes;  // the runs within one day, minute of day
  for (int h = 0; h < 24; ++h) {
    for (int m = 0; m < 60; ++m) {
      if (f[1].bits.test(static_cast<size_t>(h)) && f[0].bits.test(static_cast<size_t>(m))) {
        minutes.push_back(h * 60 + m);
      }
    }
  }
  if (minutes.empty()) return InvalidArgument("no hour and minute matches");
  // Every matching day runs at the same minutes: the longest gap is the
  // longest within a day or from one matching day's last run to the next
  // one's first.
  int64_t longest = 0;
  for (size_t i = 1; i < minutes.size(); ++i)
    longest = std::max(longest, minutes[i] - minutes[i - 1]);
  int64_t runs = 0, last_day = -1;
  const auto start = std::chrono::sys_days(std::chrono::year(2024) / 1 / 1);
  for (int64_t d = 0; d < 2 * 366; ++d) {
    if (!DayMatches(f, start + std::chrono::days(d))) continue;
    if (last_day >= 0) {
      longest = std::max(longest, (d - last_day) * 1440 + minutes.front() - minutes.back());
    }
    last_day = d;
    runs += static_cast<int64_t>(minutes.size());
  }
  if (runs < 2) return InvalidArgument("it runs at most once in two years");
  return longest;
}

}  // namespace

StatusOr<std::chrono::seconds> CronLongestGap(std::string_view expr) {
  auto fail = [&](const Status& why) {
    return InvalidArgument("cron \"" + std::string(expr) + "\": " + why.message());
  };
  std::vector<std::string_view> fields = SplitFields(expr);
  if (!fields.empty() && (fields[0].rfind("CRON_TZ=", 0) == 0 || fields[0].rfind("TZ=", 0) == 0)) {
    fields.erase(fields.begin());
  }
  if (fields.size() == 2 && fields[0] == "@every") {
    auto s = ParseDuration(fields[1]);
    if (!s.ok()) return fail(s.status());
    return std::chrono::seconds(*s);
  }
  if (fields.size() == 1) {
    std::string_view expanded = ExpandDescriptor(fields[0]);
    if (expanded.empty()) return fail(InvalidArgument("unknown descriptor"));
    fields = SplitFields(expanded);
  }
  if (fields.size() != 5) return fail(InvalidArgument("expected 5 fields"));
  Field parsed[5];
  for (int i = 0; i < 5; ++i) {
    auto f = ParseField(fields[static_cast<size_t>(i)], i);
    if (!f.ok()) return fail(f.status());
    parsed[i] = *f;
  }
  auto gap = LongestGapMinutes(parsed);
  if (!gap.ok()) return fail(gap.status());
  return std::chrono::seconds(*gap * 60);
}

}  // namespace brs::app
