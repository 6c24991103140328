#include "app/table.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>

namespace brs::app {
namespace {

// Display width: code points, not bytes (UTF-8 continuation bytes skipped).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void Table::Print(std::ostream& out) const {
  size_t columns = 0;
  for (const auto& r : rows_) columns = std::max(columns, r.size());
  std::vector<size_t> width(columns, 0);
  for (const auto& r : rows_) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], Width(r[i]));
  }
  for (const auto& r : rows_) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line.append(width[i] - Width(r[i]) + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string FormatLocalTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm;
  if (!localtime_r(&t, &tm)) return "-";
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) return "-";
  std::string out = buf;
  // %z gives +0100; RFC 3339 wants +01:00 (or Z for UTC).
  long off = tm.tm_gmtoff;
  if (off == 0) return out + "Z";
  char zone[32];
  const int a = static_cast<int>((off < 0 ? -off : off) % 86400);
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, (a / 60) % 60);
  return out + zone;
}

std::string FormatLocalTimeMillis(int64_t unix_millis) {
  return unix_millis <= 0 ? "-" : FormatLocalTime(unix_millis / 1000);
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double v = static_cast<double>(bytes);
  int u = -1;
  while (v >= 1024 && u < 5) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

}  // namespace brs::app
