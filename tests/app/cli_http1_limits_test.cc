// A hub (the real binary) with 1 000 idle HTTP/1.1 connections attached:
// those over the bound are answered 503, those served hold no thread
// while idle, and the hub still pairs a client up to CONNECTED.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <memory>
#include <vector>

#include "app/cli_test_util.h"
#include "rpc/raw_http1_peer.h"

namespace {

using namespace brs::app::testing;
using brs::rpc::testing::GetRequest;
using brs::rpc::testing::RawHttp1Peer;
using ::testing::HasSubstr;
using ::testing::StartsWith;

size_t ThreadsOf(const std::string& pid) {
  size_t n = 0;
  if (DIR* d = ::opendir(("/proc/" + pid + "/task").c_str())) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

// The value of "key":123 in a one-line JSON object ("" when absent).
std::string JsonNumber(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  auto p = json.find(k);
  if (p == std::string::npos) return "";
  p += k.size();
  return json.substr(p, json.find_first_not_of("0123456789", p) - p);
}

TEST(CliHttp1Limits, ThousandIdleHttp1ConnectionsAndTheHubStillPairs) {
  constexpr int kPeers = 1'000;
  constexpr int kBound = 128;  // the default max_http1_connections
  rlimit nofile{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &nofile), 0);
  if (nofile.rlim_cur < 2 * kPeers + 200) {
    nofile.rlim_cur = std::min<rlim_t>(nofile.rlim_max, 2 * kPeers + 200);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &nofile), 0);
  }
  TempDir dir;
  ASSERT_EQ(
      Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop").code,
      0);
  Serve hub(dir, "hub");
  ASSERT_FALSE(hub.address().empty());
  const std::string pid = JsonNumber(Slurp(dir.File("hub/daemon.json")), "pid");
  ASSERT_FALSE(pid.empty());
  const int port = std::stoi(hub.address().substr(hub.address().rfind(':') + 1));

  std::vector<std::unique_ptr<RawHttp1Peer>> served;
  int refused = 0;
  size_t threads_before = 0;
  for (int i = 0; i < kPeers; ++i) {
    auto p = std::make_unique<RawHttp1Peer>(port);
    ASSERT_TRUE(p->connected()) << i;
    ASSERT_TRUE(p->Send(GetRequest("/healthz")));
    const std::string r = p->AwaitResponse(10'000);
    if (r.rfind("HTTP/1.1 200 OK\r\n", 0) == 0) {
      served.push_back(std::move(p));
      // Handler threads start with the first requests: count from there.
      if (served.size() == 1) threads_before = ThreadsOf(pid);
    } else {
      ASSERT_THAT(r, StartsWith("HTTP/1.1 503 Service Unavailable\r\n")) << i;
      EXPECT_THAT(r, HasSubstr("Connection: close\r\n"));
      ++refused;
    }
  }
  EXPECT_EQ(served.size(), static_cast<size_t>(kBound));
  EXPECT_EQ(refused, kPeers - kBound);
  const size_t threads = ThreadsOf(pid);
  // Idle connections hold no thread (answered requests leave at most 16
  // idle workers behind).
  EXPECT_LE(threads, threads_before + 16)
      << threads_before << " threads after the first request, " << threads << " with "
      << served.size() << " idle HTTP/1.1 connections";

  // Pairing, with every served connection still attached.
  auto tok = Sh(dir, "$B pair new --data hub --label laptop --expires 1h");
  ASSERT_EQ(tok.code, 0) << tok.err;
  const std::string token = tok.out.substr(0, tok.out.find('\n'));
  auto j = Sh(dir, "$B join '" + token + "' --url http://" + hub.address() + " --data laptop");
  ASSERT_EQ(j.code, 0) << j.err;
  Serve laptop(dir, "laptop");
  EXPECT_TRUE(WaitFor([&] {
    return Contains(Sh(dir, "$B peers --data hub --json").out, "CONNECTION_STATE_CONNECTED");
  })) << hub.log();

  // They were attached all along, and are still served.
  for (auto& p : served) {
    ASSERT_TRUE(p->Send(GetRequest("/healthz")));
    EXPECT_THAT(p->AwaitResponse(10'000), StartsWith("HTTP/1.1 200 OK\r\n"));
  }
  ASSERT_TRUE(served[0]->Send(GetRequest("/metrics")));
  EXPECT_THAT(served[0]->AwaitResponse(10'000),
              HasSubstr("backrest_sync_rpc_refusals_total{reason=\"http1_connection_limit\"} " +
                        std::to_string(kPeers - kBound) + "\n"));
  EXPECT_EQ(laptop.Stop(), 0);
  EXPECT_EQ(hub.Stop(), 0);
  // The storm is in the log once (and once more for the rest of it if its
  // interval ended), not once per connection.
  const std::string log = hub.log();
  size_t lines = 0;
  for (size_t p = log.find("refused a peer"); p != std::string::npos;
       p = log.find("refused a peer", p + 1)) {
    ++lines;
  }
  EXPECT_GE(lines, 1u) << log;
  EXPECT_LE(lines, 3u) << log;
}

}  // namespace
