// The fault-injecting proxy itself (tests/app/fault_proxy.h): each fault is
// observable at the sockets on either side. Latency and bandwidth run on a
// FakeEnv (the clock moves only when the test says so; Settle makes the
// proxy act on it), the byte-offset faults on exact offsets.
#include "app/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "base/fake_env.h"

namespace brs::testing {
namespace {

// A listening socket on 127.0.0.1:0 (the proxy's upstream).
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    address_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  ~Listener() { ::close(fd_); }
  const std::string& address() const { return address_; }
  // The next connection (-1 after 10 s).
  int Accept() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10'000) != 1) return -1;
    return ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }

 private:
  int fd_ = -1;
  std::string address_;
};

int Dial(const std::string& address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1))));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << std::strerror(errno);
    off += static_cast<size_t>(n);
  }
}

// What a socket reads until EOF, an error or 10 s of silence; `err` gets
// the errno of a failed read (0 for EOF, ETIMEDOUT for silence).
std::string ReadUntilEnd(int fd, int* err, size_t max = SIZE_MAX) {
  std::string got;
  char buf[8192];
  while (got.size() < max) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10'000) != 1) {
      *err = ETIMEDOUT;
      return got;
    }
    ssize_t n = ::recv(fd, buf, std::min(sizeof buf, max - got.size()), 0);
    if (n == 0) {
      *err = 0;
      return got;
    }
    if (n < 0) {
      *err = errno;
      return got;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  *err = -1;  // read `max` bytes
  return got;
}

// What is readable right now, without waiting; `open` false on EOF.
std::string ReadNow(int fd, bool* open) {
  std::string got;
  char buf[8192];
  *open = true;
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) *open = false;
    return got;
  }
}

std::string Pattern(size_t n, char seed = 0) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) & 0xff);
  return s;
}

bool WaitUntil(const std::function<bool()>& cond) {
  for (int i = 0; i < 10'000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

struct Pair {
  int client = -1, upstream = -1;
  ~Pair() {
    if (client >= 0) ::close(client);
    if (upstream >= 0) ::close(upstream);
  }
};

Pair Connect(FaultProxy& p, Listener& l) {
  Pair c;
  c.client = Dial(p.address());
  c.upstream = l.Accept();
  return c;
}

TEST(FaultProxy, ForwardsBothWaysUntouchedWithoutFaults) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  ASSERT_NE(p.address(), "") << p.error();
  Pair c = Connect(p, l);
  ASSERT_GE(c.upstream, 0);
  const std::string up = Pattern(300'000, 1), down = Pattern(200'000, 2);
  SendAll(c.client, up);
  SendAll(c.upstream, down);
  ::shutdown(c.client, SHUT_WR);
  ::shutdown(c.upstream, SHUT_WR);
  int e1 = 0, e2 = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &e1), up);
  EXPECT_EQ(ReadUntilEnd(c.client, &e2), down);
  EXPECT_EQ(e1, 0);
  EXPECT_EQ(e2, 0);
  const auto s = p.Stats();
  EXPECT_EQ(s.accepted, 1);
  EXPECT_EQ(s.forwarded_up, 300'000);
  EXPECT_EQ(s.forwarded_down, 200'000);
  EXPECT_EQ(s.cuts + s.resets + s.blackholes, 0);
}

TEST(FaultProxy, LatencyHoldsBytesUntilTheClockHasMovedThatFar) {
  FakeEnv env;
  Listener l;
  FaultProxy p(env, l.address(), 1);
  FaultPlan plan;
  plan.latency_ms = 500;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  SendAll(c.client, "hello");
  ASSERT_TRUE(WaitUntil([&] { return p.Stats().held == 5; }));
  env.Advance(Millis(499));
  ASSERT_TRUE(p.Settle());
  bool open = false;
  EXPECT_EQ(ReadNow(c.upstream, &open), "") << "delivered before its latency";
  EXPECT_TRUE(open);
  EXPECT_EQ(p.Stats().held, 5);
  env.Advance(Millis(1));
  ASSERT_TRUE(p.Settle());
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 5), "hello");
  EXPECT_EQ(p.Stats().held, 0);
}

TEST(FaultProxy, JitterSpreadsChunksButKeepsTheirOrder) {
  FakeEnv env;
  Listener l;
  FaultProxy p(env, l.address(), 7);
  FaultPlan plan;
  plan.latency_ms = 100;
  plan.jitter_ms = 400;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  // A 9-byte chunk every 50 ms of the clock (20 of them), the clock moving
  // 10 ms at a time: each chunk's delay is when it arrived minus when it
  // was sent.
  std::vector<int64_t> sent_at, arrived_at;
  std::string sent, got;
  for (int64_t t = 0; t <= 1'500; t += 10) {
    if (t % 50 == 0 && sent_at.size() < 20) {
      const std::string chunk = "chunk" + std::to_string(100 + sent_at.size()) + ";";
      SendAll(c.client, chunk);
      sent += chunk;
      sent_at.push_back(t);
      // Read by the proxy (each chunk its own read, its own jitter).
      ASSERT_TRUE(WaitUntil([&] {
        return p.Stats().held + p.Stats().forwarded_up == static_cast<int64_t>(sent.size());
      }));
    }
    env.Advance(Millis(10));
    ASSERT_TRUE(p.Settle());
    bool open = false;
    got += ReadNow(c.upstream, &open);
    while (arrived_at.size() < got.size() / 9) arrived_at.push_back(t + 10);
  }
  EXPECT_EQ(got, sent) << "chunks arrive whole and in order";
  ASSERT_EQ(arrived_at.size(), 20u);
  int64_t lo = 1'000'000, hi = 0;
  for (size_t i = 0; i < 20; ++i) {
    const int64_t delay = arrived_at[i] - sent_at[i];
    EXPECT_GE(delay, 100) << i;
    EXPECT_LE(delay, 510) << i;  // the latency plus at most the jitter (+ one 10 ms step)
    lo = std::min(lo, delay);
    hi = std::max(hi, delay);
  }
  EXPECT_GE(hi - lo, 100) << "the delays do not vary: no jitter";
}

TEST(FaultProxy, BandwidthLimitsBytesPerSecondOfTheClock) {
  FakeEnv env;
  Listener l;
  FaultProxy p(env, l.address(), 1);
  FaultPlan plan;
  plan.bandwidth_bps = 10'000;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  SendAll(c.client, Pattern(6'000));
  ASSERT_TRUE(WaitUntil([&] { return p.Stats().held + p.Stats().forwarded_up == 6'000; }));
  ASSERT_TRUE(p.Settle());
  // A burst of 100 ms worth (1 000 bytes, in 100-byte slices), then 1 000
  // bytes per 100 ms of the clock.
  EXPECT_NEAR(static_cast<double>(p.Stats().forwarded_up), 1'100, 100);
  for (int k = 1; k <= 3; ++k) {
    env.Advance(Millis(100));
    ASSERT_TRUE(p.Settle());
    EXPECT_NEAR(static_cast<double>(p.Stats().forwarded_up), 1'100 + 1'000 * k, 150) << k;
  }
  env.Advance(Millis(2'000));
  ASSERT_TRUE(p.Settle());
  env.Advance(Millis(100));
  ASSERT_TRUE(p.Settle());
  EXPECT_EQ(p.Stats().forwarded_up, 6'000);
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 6'000), Pattern(6'000));
}

TEST(FaultProxy, CutClosesBothSidesAtTheDrawnByteOffset) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  FaultPlan plan;
  plan.cut_chance = 1;
  plan.fault_offset_min = plan.fault_offset_max = 1'000;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  const std::string data = Pattern(5'000);
  SendAll(c.client, data);
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err), data.substr(0, 1'000));
  EXPECT_EQ(err, 0) << "a cut is a close (FIN), not a reset";
  EXPECT_EQ(ReadUntilEnd(c.client, &err), "");
  EXPECT_EQ(err, 0);
  EXPECT_EQ(p.Stats().cuts, 1);

  // A random offset: somewhere in [1, 4 000], and the connection ends
  // there (mid-message).
  plan.fault_offset_min = 1;
  plan.fault_offset_max = 4'000;
  p.SetPlan(plan);
  Pair d = Connect(p, l);
  SendAll(d.client, data);
  const std::string got = ReadUntilEnd(d.upstream, &err);
  EXPECT_EQ(err, 0);
  EXPECT_GE(got.size(), 1u);
  EXPECT_LE(got.size(), 4'000u);
  EXPECT_EQ(got, data.substr(0, got.size()));
  EXPECT_EQ(p.Stats().cuts, 2);
}

TEST(FaultProxy, BlackHoleStopsForwardingClosesNothingAndFlowsAgainWhenHealed) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  FaultPlan plan;
  plan.blackhole_chance = 1;
  plan.fault_offset_min = plan.fault_offset_max = 1'000;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  const std::string up = Pattern(5'000, 1), down = Pattern(3'000, 2);
  SendAll(c.client, up);
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 1'000), up.substr(0, 1'000));
  // What follows reaches the proxy and stays there, both ways.
  ASSERT_TRUE(WaitUntil([&] { return p.Stats().held == 4'000; }));
  SendAll(c.upstream, down);
  ASSERT_TRUE(WaitUntil([&] { return p.Stats().held == 7'000; }));
  ASSERT_TRUE(p.Settle());
  bool open = false;
  EXPECT_EQ(ReadNow(c.upstream, &open), "");
  EXPECT_TRUE(open) << "a black hole closes nothing";
  EXPECT_EQ(ReadNow(c.client, &open), "");
  EXPECT_TRUE(open);
  auto s = p.Stats();
  EXPECT_EQ(s.blackholes, 1);
  EXPECT_EQ(s.stalled, 1);
  EXPECT_EQ(s.open, 1);
  // Healed: the bytes flow on, in order, none lost.
  p.SetPlan(FaultPlan{});
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 4'000), up.substr(1'000));
  EXPECT_EQ(ReadUntilEnd(c.client, &err, 3'000), down);
  EXPECT_EQ(p.Stats().stalled, 0);
  SendAll(c.client, "more");
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 4), "more");
}

TEST(FaultProxy, ABlackHolesPeerThatGivesUpIsNotHeardOfUntilTheNetworkHeals) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  FaultPlan plan;
  plan.blackhole_chance = 1;
  plan.fault_offset_min = plan.fault_offset_max = 10;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  SendAll(c.client, Pattern(100));
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 10), Pattern(100).substr(0, 10));
  ASSERT_TRUE(WaitUntil([&] { return p.Stats().held == 90; }));
  ::close(c.client);  // the client gives up
  c.client = -1;
  ASSERT_TRUE(p.Settle());
  ASSERT_TRUE(p.Settle());
  bool open = false;
  EXPECT_EQ(ReadNow(c.upstream, &open), "");
  EXPECT_TRUE(open) << "the upstream side heard of the close across a black hole";
  p.SetPlan(FaultPlan{});
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err), "");
  EXPECT_EQ(err, ECONNRESET) << "healed, the side that stayed is reset";
  EXPECT_TRUE(WaitUntil([&] { return p.Stats().open == 0; }));
}

TEST(FaultProxy, ResetSendsRstToBothSidesAtTheOffset) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  FaultPlan plan;
  plan.reset_chance = 1;
  plan.fault_offset_min = plan.fault_offset_max = 1'000;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  SendAll(c.client, Pattern(5'000));
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err), Pattern(5'000).substr(0, 1'000));
  EXPECT_EQ(err, ECONNRESET);
  EXPECT_EQ(ReadUntilEnd(c.client, &err), "");
  EXPECT_EQ(err, ECONNRESET);
  EXPECT_EQ(p.Stats().resets, 1);
}

TEST(FaultProxy, AnEmptyPlanDisarmsOpenConnectionsAndCountsEachAccept) {
  Listener l;
  FaultProxy p(Env::Default(), l.address(), 1);
  FaultPlan plan;
  plan.cut_chance = 1;
  plan.fault_offset_min = plan.fault_offset_max = 10;
  p.SetPlan(plan);
  Pair c = Connect(p, l);
  p.SetPlan(FaultPlan{});
  ASSERT_TRUE(p.Settle());
  SendAll(c.client, Pattern(5'000));
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(c.upstream, &err, 5'000), Pattern(5'000));
  EXPECT_EQ(p.Stats().cuts, 0);
  Pair d = Connect(p, l);
  Pair e = Connect(p, l);
  EXPECT_GE(e.upstream, 0);
  const auto s = p.Stats();
  EXPECT_EQ(s.accepted, 3);
  EXPECT_EQ(s.accept_ms.size(), 3u);
}

TEST(FaultProxy, AnUpstreamThatRefusesIsCounted) {
  std::string dead;
  {
    Listener l;
    dead = l.address();
  }  // closed: connections to it are refused
  FaultProxy p(Env::Default(), dead, 1);
  int fd = Dial(p.address());
  ASSERT_GE(fd, 0);
  int err = 0;
  EXPECT_EQ(ReadUntilEnd(fd, &err), "");
  EXPECT_EQ(err, ECONNRESET);
  ::close(fd);
  EXPECT_EQ(p.Stats().upstream_failed, 1);
}

}  // namespace
}  // namespace brs::testing
