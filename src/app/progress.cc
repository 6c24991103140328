#include "app/progress.h"

#include <unistd.h>

namespace brs::app {

ProgressLine::ProgressLine(std::ostream& err, std::string what, std::string unit, int64_t total,
                           bool force, const Env& env)
    : err_(err),
      what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(force || ::isatty(2) == 1),
      force_(force),
      env_(env),
      last_(env_.NowMono()) {}

ProgressLine::~ProgressLine() { Finish(); }

void ProgressLine::Update(int64_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  const MonoTime now = env_.NowMono();
  if (now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  Print();
}

void ProgressLine::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (lines_ == 0 && !force_) return;  // short work: no line at all
  Print();
  err_ << "\n" << std::flush;
}

void ProgressLine::Print() {
  std::string line =
      "\r" + what_ + ": " + std::to_string(done_) + "/" + std::to_string(total_) + " " + unit_;
  if (total_ > 0) line += " (" + std::to_string(done_ * 100 / total_) + "%)";
  err_ << line << std::flush;
  ++lines_;
}

}  // namespace brs::app
