#include "app/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

namespace brs::testing {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// A direction stops reading its source while this much is held.
constexpr int64_t kMaxHeld = 1 << 20;
// The thread looks at the clock at least this often (a FakeEnv moved
// without a Poke is noticed too).
constexpr int kMaxPollMs = 20;

void SetNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

void CloseFd(int& fd, bool rst) {
  if (fd < 0) return;
  if (rst) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(fd);
  fd = -1;
}

int64_t Ms(MonoTime t) { return MonoMillis(t); }

}  // namespace

FaultProxy::FaultProxy(const Env& env, std::string upstream, uint64_t seed)
    : env_(env), rng_(seed) {
  const auto colon = upstream.rfind(':');
  upstream_host_ = upstream.substr(0, colon);
  upstream_port_ = colon == std::string::npos ? 0 : std::atoi(upstream.c_str() + colon + 1);
  if (upstream_host_ == "0.0.0.0" || upstream_host_ == "localhost") upstream_host_ = "127.0.0.1";
  if (::pipe(wake_) != 0) {
    error_ = std::string("pipe: ") + std::strerror(errno);
    return;
  }
  SetNonBlocking(wake_[0]);
  SetNonBlocking(wake_[1]);
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    error_ = std::string("listen: ") + std::strerror(errno);
    return;
  }
  SetNonBlocking(listen_fd_);
  address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  thread_ = std::thread([this] { Run(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  Poke();
  if (thread_.joinable()) thread_.join();
  for (auto& [id, c] : conns_) {
    CloseFd(c.client, false);
    CloseFd(c.upstream, false);
  }
  CloseFd(listen_fd_, false);
  CloseFd(wake_[0], false);
  CloseFd(wake_[1], false);
}

void FaultProxy::SetPlan(const FaultPlan& plan) {
  {
    std::lock_guard<std::mutex> l(mu_);
    plan_ = plan;
    disarm_ = plan.empty();
  }
  Poke();
}

ProxyStats FaultProxy::Stats() const {
  std::lock_guard<std::mutex> l(mu_);
  return stats_;
}

void FaultProxy::Poke() {
  if (wake_[1] >= 0) {
    const char b = 1;
    [[maybe_unused]] auto n = ::write(wake_[1], &b, 1);
  }
}

bool FaultProxy::Settle() {
  const uint64_t start = passes_.load();
  for (int i = 0; i < 10'000; ++i) {
    Poke();
    if (passes_.load() >= start + 2) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void FaultProxy::CloseAll() {
  close_all_ = true;
  Poke();
}

void FaultProxy::Accept() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    FaultPlan plan;
    {
      std::lock_guard<std::mutex> l(mu_);
      plan = plan_;
      ++stats_.accepted;
      stats_.accept_ms.push_back(Ms(env_.NowMono()));
    }
    int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    ::inet_pton(AF_INET, upstream_host_.c_str(), &a.sin_addr);
    if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      if (up >= 0) ::close(up);
      {
        std::lock_guard<std::mutex> l(mu_);
        ++stats_.upstream_failed;
      }
      CloseFd(fd, true);  // counted first: the client may look as soon as it is reset
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SetNonBlocking(fd);
    SetNonBlocking(up);
    Conn c;
    c.client = fd;
    c.upstream = up;
    std::uniform_real_distribution<double> u(0, 1);
    const double r = u(rng_);
    if (r < plan.cut_chance) {
      c.fault = Fault::kCut;
    } else if (r < plan.cut_chance + plan.blackhole_chance) {
      c.fault = Fault::kBlackhole;
    } else if (r < plan.cut_chance + plan.blackhole_chance + plan.reset_chance) {
      c.fault = Fault::kReset;
    }
    if (c.fault != Fault::kNone) {
      std::uniform_int_distribution<int64_t> off(
          std::max<int64_t>(1, plan.fault_offset_min),
          std::max(plan.fault_offset_min, plan.fault_offset_max));
      c.fault_at = off(rng_);
    }
    conns_.emplace(next_id_++, std::move(c));
    std::lock_guard<std::mutex> l(mu_);
    ++stats_.open;
  }
}

bool FaultProxy::ReadSide(int from, Direction& d) {
  char buf[kReadChunk];
  const ssize_t n = ::recv(from, buf, sizeof buf, 0);
  if (n == 0) {
    d.eof = true;
    return true;
  }
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  FaultPlan plan;
  {
    std::lock_guard<std::mutex> l(mu_);
    plan = plan_;
    stats_.held += n;
  }
  MonoTime due = env_.NowMono() + Millis(plan.latency_ms);
  if (plan.jitter_ms > 0) {
    due += Millis(std::uniform_int_distribution<int64_t>(0, plan.jitter_ms)(rng_));
  }
  due = std::max(due, d.last_due);  // a direction's bytes keep their order
  d.last_due = due;
  d.queue.push_back(Chunk{std::string(buf, static_cast<size_t>(n)), 0, due});
  return true;
}

bool FaultProxy::WriteSide(Conn& c, int to, Direction& d, bool up, MonoTime now) {
  int64_t bps = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    bps = plan_.bandwidth_bps;
  }
  while (!d.queue.empty() && !c.dead && to >= 0) {
    Chunk& ch = d.queue.front();
    if (ch.due > now) return true;
    const double now_ms = static_cast<double>(Ms(now));
    if (bps > 0 && d.bw_free_at_ms > now_ms) return true;
    size_t k = ch.bytes.size() - ch.sent;
    // 10 ms worth at a time, so the rate is smooth.
    if (bps > 0) k = std::min<size_t>(k, static_cast<size_t>(std::max<int64_t>(1, bps / 100)));
    if (c.fault != Fault::kNone) {
      k = std::min<size_t>(k, static_cast<size_t>(std::max<int64_t>(0, c.fault_at - c.forwarded)));
    }
    ssize_t n = k == 0 ? 0 : ::send(to, ch.bytes.data() + ch.sent, k, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      d.blocked = true;
      return true;
    }
    ch.sent += static_cast<size_t>(n);
    c.forwarded += n;
    {
      std::lock_guard<std::mutex> l(mu_);
      (up ? stats_.forwarded_up : stats_.forwarded_down) += n;
      stats_.held -= n;
    }
    if (bps > 0) {
      d.bw_free_at_ms = std::max(d.bw_free_at_ms, now_ms - 100) +
                        1000.0 * static_cast<double>(n) / static_cast<double>(bps);
    }
    if (ch.sent == ch.bytes.size()) d.queue.erase(d.queue.begin());
    if (c.fault != Fault::kNone && c.forwarded >= c.fault_at) return false;  // Strike
  }
  if (d.queue.empty() && d.eof && !d.shut && to >= 0 && !c.dead) {
    ::shutdown(to, SHUT_WR);
    d.shut = true;
  }
  return true;
}

int64_t FaultProxy::NextDueMs(MonoTime now) const {
  int64_t wait = kMaxPollMs;
  const int64_t n = Ms(now);
  for (const auto& [id, c] : conns_) {
    for (const Direction* d : {&c.up, &c.down}) {
      if (d->queue.empty() || d->blocked) continue;
      int64_t due = Ms(d->queue.front().due);
      due = std::max(due, static_cast<int64_t>(d->bw_free_at_ms + 0.999));
      wait = std::min(wait, std::max<int64_t>(0, due - n));
    }
  }
  return wait;
}

void FaultProxy::Close(uint64_t id, bool rst) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  int64_t held = 0;
  for (const Direction* d : {&c.up, &c.down}) {
    for (const auto& ch : d->queue) held += static_cast<int64_t>(ch.bytes.size() - ch.sent);
  }
  CloseFd(c.client, rst);
  CloseFd(c.upstream, rst);
  conns_.erase(it);
  std::lock_guard<std::mutex> l(mu_);
  stats_.held -= held;
  --stats_.open;
  if (c.dead) --stats_.stalled;
}

void FaultProxy::Run() {
  std::vector<pollfd> fds;
  std::vector<std::pair<uint64_t, int>> who;  // fds[i] -> (conn id, 0 client / 1 upstream)
  while (!stop_) {
    if (close_all_.exchange(false)) {
      std::vector<uint64_t> ids;
      for (const auto& [id, c] : conns_) ids.push_back(id);
      for (auto id : ids) Close(id, false);
    }
    bool disarm = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      disarm = std::exchange(disarm_, false);
    }
    if (disarm) {
      // The network heals: black holes flow again, unless a side gave up
      // meanwhile: then the other is reset, as by the peer it reaches again.
      std::vector<uint64_t> gone;
      for (auto& [id, c] : conns_) {
        c.fault = Fault::kNone;
        if (!c.dead) continue;
        c.dead = false;
        {
          std::lock_guard<std::mutex> l(mu_);
          --stats_.stalled;
        }
        if (c.client < 0 || c.upstream < 0) gone.push_back(id);
      }
      for (auto id : gone) Close(id, true);
    }
    fds.clear();
    who.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    who.push_back({0, -1});
    who.push_back({0, -1});
    for (const auto& [id, c] : conns_) {
      int64_t held_up = 0, held_down = 0;
      for (const auto& ch : c.up.queue) held_up += static_cast<int64_t>(ch.bytes.size());
      for (const auto& ch : c.down.queue) held_down += static_cast<int64_t>(ch.bytes.size());
      // POLLOUT only where a write said EAGAIN (a writable socket would
      // wake us all the time while its data is not due).
      if (c.client >= 0 && !c.up.hup) {
        short ev = 0;
        if (!c.up.eof && held_up < kMaxHeld) ev |= POLLIN;
        if (c.down.blocked) ev |= POLLOUT;
        fds.push_back({c.client, ev, 0});
        who.push_back({id, 0});
      }
      if (c.upstream >= 0 && !c.down.hup) {
        short ev = 0;
        if (!c.down.eof && held_down < kMaxHeld) ev |= POLLIN;
        if (c.up.blocked) ev |= POLLOUT;
        fds.push_back({c.upstream, ev, 0});
        who.push_back({id, 1});
      }
    }
    const int64_t wait = NextDueMs(env_.NowMono());
    ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    if (fds[0].revents & POLLIN) {
      char b[64];
      while (::read(wake_[0], b, sizeof b) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) Accept();
    for (size_t i = 2; i < fds.size(); ++i) {
      auto it = conns_.find(who[i].first);
      if (it == conns_.end()) continue;
      Conn& c = it->second;
      const bool from_client = who[i].second == 0;
      if (fds[i].revents & (POLLOUT | POLLERR | POLLHUP))
        (from_client ? c.down : c.up).blocked = false;
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      int fd = from_client ? c.client : c.upstream;
      if (fd < 0) continue;
      Direction& d = from_client ? c.up : c.down;
      if (d.eof && !(fds[i].revents & POLLIN)) {
        d.hup = true;  // gone both ways; a write to it will fail
        continue;
      }
      const bool read_ok = ReadSide(fd, d);
      if (c.dead && (!read_ok || d.eof)) {
        // A black hole's peer gave up: close that side only (the other
        // never hears of it, as across a dead network).
        CloseFd(from_client ? c.client : c.upstream, false);
        if (c.client < 0 && c.upstream < 0) Close(it->first, false);
        continue;
      }
      if (!read_ok) {
        // The source failed (reset): end the connection.
        Close(it->first, true);
        continue;
      }
    }
    const MonoTime now = env_.NowMono();
    std::vector<std::pair<uint64_t, bool>> closes;  // id, rst
    for (auto& [id, c] : conns_) {
      if (c.dead) continue;
      bool ok =
          WriteSide(c, c.upstream, c.up, true, now) && WriteSide(c, c.client, c.down, false, now);
      if (!ok && c.fault != Fault::kNone && c.forwarded >= c.fault_at) {
        Strike(c);
        if (c.fault == Fault::kCut) closes.push_back({id, false});
        if (c.fault == Fault::kReset) closes.push_back({id, true});
      } else if (!ok) {
        closes.push_back({id, true});
      } else if (c.up.shut && c.down.shut) {
        closes.push_back({id, false});
      }
    }
    for (auto [id, rst] : closes) Close(id, rst);
    ++passes_;
  }
}

void FaultProxy::Strike(Conn& c) {
  std::lock_guard<std::mutex> l(mu_);
  switch (c.fault) {
    case Fault::kCut:
      ++stats_.cuts;
      break;
    case Fault::kReset:
      ++stats_.resets;
      break;
    case Fault::kBlackhole:
      ++stats_.blackholes;
      ++stats_.stalled;
      c.dead = true;
      break;
    case Fault::kNone:
      break;
  }
}

}  // namespace brs::testing
