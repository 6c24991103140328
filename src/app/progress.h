// A periodic progress line on stderr for long-running commands
// ("importing: 12000/50000 snapshots (24%)"), rewritten in place with \r at
// most once per second, and finished with a newline. Shown only when
// stderr is a terminal or when forced (--progress), so logs and pipes stay
// clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "base/env.h"

namespace brs::app {

class ProgressLine {
 public:
  // `what` names the work ("importing"), `unit` the items ("snapshots").
  // Enabled when `force` or stderr (fd 2) is a TTY.
  ProgressLine(std::ostream& err, std::string what, std::string unit, int64_t total, bool force,
               const Env& env = Env::Default());
  ~ProgressLine();

  bool enabled() const { return enabled_; }
  // Records progress; prints when a second has passed since the last line.
  void Update(int64_t done);
  // Prints the final count and a newline when a line was printed before or
  // the line was forced; idempotent. The destructor calls it.
  void Finish();
  // Lines printed so far (for tests).
  int lines() const { return lines_; }

 private:
  void Print();

  std::ostream& err_;
  std::string what_, unit_;
  int64_t total_, done_ = 0;
  bool enabled_, force_, finished_ = false;
  const Env& env_;
  MonoTime last_;
  int lines_ = 0;
};

}  // namespace brs::app
