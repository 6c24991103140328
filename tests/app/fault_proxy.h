// A fault-injecting TCP proxy for tests (issue #14 §2): listens on
// 127.0.0.1:0 and forwards each accepted connection to one upstream address,
// through a hostile network:
//   latency + jitter  every chunk read is held latency_ms + [0, jitter_ms]
//                     (order kept within a direction);
//   bandwidth         at most bandwidth_bps bytes per second per direction
//                     of each connection;
//   cut               the connection is closed (FIN both ways) after a
//                     random number of forwarded bytes: mid-frame;
//   black hole        after a random number of bytes nothing more is
//                     forwarded and nothing is closed (what arrives is
//                     held, up to 1 MiB a direction, then not read: TCP's
//                     own back-pressure), as on a path that drops every
//                     packet: the peers must notice by themselves. A peer
//                     that gives up closes its side only; the other hears
//                     nothing. When the network heals, a black hole's
//                     bytes flow again, as TCP's retransmissions would
//                     deliver them, or, where one side gave up meanwhile,
//                     the other gets a reset;
//   reset             after a random number of bytes both sides get a RST
//                     (SO_LINGER 0, then close).
// Each new connection draws at most one of cut / black hole / reset (from a
// seeded generator), and its byte offset, uniformly in
// [fault_offset_min, fault_offset_max] counting both directions; latency and
// bandwidth apply to every connection while set. SetPlan changes the plan at
// any time: latency and bandwidth at once for all connections, the fault
// draw for new connections; an empty plan (the network heals) also disarms
// the pending faults of open connections and ends their black holes.
//
// Timing decisions use the Env given (a FakeEnv in unit tests: Poke after
// moving its clock); one thread runs poll(2) over all sockets.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/env.h"

namespace brs::testing {

struct FaultPlan {
  int64_t latency_ms = 0;
  int64_t jitter_ms = 0;
  int64_t bandwidth_bps = 0;  // 0: unlimited
  double cut_chance = 0;      // per new connection
  double blackhole_chance = 0;
  double reset_chance = 0;
  int64_t fault_offset_min = 1;
  int64_t fault_offset_max = 64 * 1024;
  bool empty() const {
    return latency_ms == 0 && jitter_ms == 0 && bandwidth_bps == 0 && cut_chance == 0 &&
           blackhole_chance == 0 && reset_chance == 0;
  }
};

enum class Fault { kNone, kCut, kBlackhole, kReset };

struct ProxyStats {
  int accepted = 0;                          // connections accepted
  int upstream_failed = 0;                   // accepted, but the upstream refused
  int open = 0;                              // connections open now (black holes included)
  int cuts = 0, blackholes = 0, resets = 0;  // faults that happened
  int64_t forwarded_up = 0;                  // client -> upstream bytes written
  int64_t forwarded_down = 0;                // upstream -> client bytes written
  int stalled = 0;                           // connections in a black hole now
  int64_t held = 0;                          // bytes read, not yet written
  std::vector<int64_t> accept_ms;            // each accept's Env monotonic time
};

class FaultProxy {
 public:
  // Forwards to upstream "host:port" (IPv4). Starts listening and its
  // thread at once; `seed` drives the fault draws and jitter.
  FaultProxy(const Env& env, std::string upstream, uint64_t seed);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // "127.0.0.1:PORT" ("" when the listen socket failed; error() says why).
  const std::string& address() const { return address_; }
  const std::string& error() const { return error_; }

  void SetPlan(const FaultPlan& plan);
  ProxyStats Stats() const;
  // Wakes the thread (after moving a FakeEnv's clock).
  void Poke();
  // Pokes and waits (up to 10 s) until the thread has run two full passes,
  // so everything due at the Env's present time has been written and
  // everything readable read: false on timeout.
  bool Settle();
  // Closes every connection (FIN), keeps listening.
  void CloseAll();

 private:
  struct Chunk {
    std::string bytes;
    size_t sent = 0;
    MonoTime due;
  };
  struct Direction {
    std::vector<Chunk> queue;  // front = oldest (erased as sent)
    MonoTime last_due{};
    double bw_free_at_ms = 0;  // bandwidth: the earliest next write (a
                               // token bucket: up to 100 ms of burst)
    bool eof = false;          // the source ended; shut the sink once drained
    bool shut = false;
    bool blocked = false;  // the sink said EAGAIN: wait for POLLOUT
    bool hup = false;      // the source hung up for good: poll it no more
  };
  struct Conn {
    int client = -1, upstream = -1;
    Fault fault = Fault::kNone;
    int64_t fault_at = 0;   // total bytes forwarded when it strikes
    int64_t forwarded = 0;  // both directions
    bool dead = false;      // in a black hole
    Direction up, down;     // up: client -> upstream
  };

  void Run();
  void Accept();
  // Reads from `from` into `d`; false when the connection must go.
  bool ReadSide(int from, Direction& d);
  // Writes what is due; false when the connection must go.
  bool WriteSide(Conn& c, int to, Direction& d, bool up, MonoTime now);
  void Strike(Conn& c);
  void Close(uint64_t id, bool rst);
  int64_t NextDueMs(MonoTime now) const;

  const Env& env_;
  std::string upstream_host_;
  int upstream_port_ = 0;
  std::string address_, error_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> close_all_{false};
  std::atomic<uint64_t> passes_{0};

  mutable std::mutex mu_;  // guards plan_, stats_, disarm_
  FaultPlan plan_;
  bool disarm_ = false;
  ProxyStats stats_;

  std::mt19937_64 rng_;  // the thread's only
  std::map<uint64_t, Conn> conns_;
  uint64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace brs::testing
