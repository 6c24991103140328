// Human-readable output: aligned tables, local times and byte sizes.
// (Machine-readable output is JSON: app/json_writer.h.)
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace brs::app {

// A table printed with each column padded to its widest cell (counted in
// UTF-8 code points), two spaces between columns, no trailing spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Data rows (the header not counted).
  size_t size() const { return rows_.size() - 1; }
  void Print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// RFC 3339 in local time with offset, seconds precision
// ("2026-11-24T09:05:01+01:00"); "-" for 0 or negative times.
std::string FormatLocalTime(int64_t unix_seconds);
std::string FormatLocalTimeMillis(int64_t unix_millis);
// "512 B", "1.5 KiB", "12.0 MiB", … (binary units, one decimal above bytes).
std::string FormatBytes(int64_t bytes);

}  // namespace brs::app
