// An Env whose clocks move only when a test says so. Thread safe.
//   FakeEnv env;                      // wall 2023-11-14, mono 1 000 s
//   env.Advance(Millis(1500));        // both clocks move
//   env.SetWall(WallFromUnixMillis(0)); // the wall clock jumps (NTP, a
//                                     // machine with the wrong date);
//                                     // monotonic time does not
#pragma once

#include <atomic>

#include "base/env.h"

namespace brs {

class FakeEnv final : public Env {
 public:
  static constexpr int64_t kDefaultWallMs = 1'700'000'000'000;  // 2023-11-14
  static constexpr int64_t kDefaultMonoMs = 1'000'000;

  explicit FakeEnv(WallTime wall = WallFromUnixMillis(kDefaultWallMs),
                   MonoTime mono = MonoTime(Millis(kDefaultMonoMs)))
      : wall_ms_(UnixMillis(wall)), mono_ms_(MonoMillis(mono)) {}

  WallTime NowWall() const override { return WallFromUnixMillis(wall_ms_.load()); }
  MonoTime NowMono() const override { return MonoTime(Millis(mono_ms_.load())); }

  // Both clocks move forward by d.
  void Advance(Millis d) {
    wall_ms_.fetch_add(d.count());
    mono_ms_.fetch_add(d.count());
  }
  // Only the wall clock changes (it may go backwards); monotonic time stays.
  void SetWall(WallTime t) { wall_ms_.store(UnixMillis(t)); }

 private:
  std::atomic<int64_t> wall_ms_;
  std::atomic<int64_t> mono_ms_;
};

}  // namespace brs
