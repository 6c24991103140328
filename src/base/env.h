// Time, from one seam (LevelDB's Env). Two clocks, two types:
//   WallTime  Unix time (system_clock). What is stored, shown, and compared
//             with stored times: token expiry, heartbeats, log expiry.
//   MonoTime  monotonic time (steady_clock). Deadlines and intervals: the
//             handshake timeout, heartbeat due, throttle pauses.
// They are distinct std::chrono time points, so passing one where the other
// is expected does not compile; converting to raw numbers is explicit.
//
// Production code asks Env::Default(); tests hand in a FakeEnv
// (base/fake_env.h) and move its clocks instead of sleeping. Waits on
// condition variables and sockets (rpc/, sync/outbox) are real waits and
// use the real monotonic clock; the time a component reasons about comes
// from the Env it was given.
#pragma once

#include <chrono>
#include <cstdint>

namespace brs {

using Millis = std::chrono::milliseconds;
using WallTime = std::chrono::time_point<std::chrono::system_clock, Millis>;
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, Millis>;

// The farthest representable monotonic time ("never").
inline constexpr MonoTime kMonoNever = MonoTime::max();

constexpr WallTime WallFromUnixMillis(int64_t unix_ms) { return WallTime(Millis(unix_ms)); }
constexpr int64_t UnixMillis(WallTime t) { return t.time_since_epoch().count(); }
// Whole seconds since the epoch, rounded down.
constexpr int64_t UnixSeconds(WallTime t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
// Milliseconds on the monotonic clock (for APIs that take raw deadlines).
constexpr int64_t MonoMillis(MonoTime t) { return t.time_since_epoch().count(); }

class Env {
 public:
  virtual ~Env() = default;
  virtual WallTime NowWall() const = 0;
  virtual MonoTime NowMono() const = 0;

  // The machine's clocks. Thread safe; lives for the whole process.
  static const Env& Default();
};

}  // namespace brs
