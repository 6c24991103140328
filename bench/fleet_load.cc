// fleet_load: one hub, N clients, in two processes (issue #16).
//
// The hub is a real `backrest-sync serve` (its memory, threads and CPU are
// its own, read from /proc). This process runs N client identities (an
// Ed25519 key each, authorized beforehand in the hub's config.json, as
// `backrest-sync` itself would store them) as event-driven sessions: one
// HTTP/2 connection each, a few io threads, one session pool, and per
// client the reconnect policy of a real client (Backrest's back-off, the
// hub's retry hint). Heartbeats at the default interval (600 s).
//
// Phases: connect all N; stay idle for --idle seconds and measure the hub
// (RSS, threads, CPU %); then (with --storm) kill the hub (SIGKILL), start
// it again on the same port and time until every client is CONNECTED again
// (p50, p99, max), with the hub's admission outcomes from its /metrics.
//
//   build/bench/fleet_load --clients 10000 --idle 70 --storm
//
// Not a test: run by hand (it takes minutes and most of the machine).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio.hpp>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "sync/event_session_runner.h"
#include "sync/handler_factory.h"
#include "sync/reconnect_policy.h"
#include "sync/rpc_glue.h"
#include "sync/session_pool_impl.h"
#include "sync/sync_service.h"

extern char** environ;

namespace brs::sync {
namespace {

using Clock = std::chrono::steady_clock;

template <typename T>
T Take(StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    fprintf(stderr, "%s: %s\n", what, v.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(*v);
}

std::string Slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int64_t StatusField(pid_t pid, const char* key) {
  std::string s = Slurp("/proc/" + std::to_string(pid) + "/status");
  auto p = s.find(key);
  return p == std::string::npos ? 0 : std::stoll(s.substr(p + strlen(key)));
}
double CpuSeconds(pid_t pid) {
  std::string s = Slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream in(s.substr(s.rfind(')') + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15; ++i) {
    in >> f;
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
std::string LoadAverage() {
  std::string s = Slurp("/proc/loadavg");
  return s.substr(0, s.find(' ', s.find(' ', s.find(' ') + 1) + 1));
}

// GET http://127.0.0.1:port/path over HTTP/1.1; the body.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    (void)!write(fd, req.data(), req.size());
    char buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// The lines of the hub's /metrics that start with `prefix`.
std::string MetricLines(int port, const std::string& prefix) {
  std::istringstream in(HttpGet(port, "/metrics"));
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) out += "  " + line + "\n";
  }
  return out;
}

struct Hub {
  std::string bin, dir, log;
  pid_t pid = 0;
  int port = 0;

  // Starts `serve` (port 0: any) and waits until it listens.
  bool Start(int want_port) {
    std::filesystem::remove(dir + "/daemon.json");
    std::string args = "exec '" + bin + "' serve --data " + dir +
                       " --listen 127.0.0.1:" + std::to_string(want_port) +
                       " --log-level warn 2>>" + log;
    const char* argv[] = {"/bin/sh", "-c", args.c_str(), nullptr};
    if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      return false;
    }
    for (int i = 0; i < 2000; ++i) {
      std::string info = Slurp(dir + "/daemon.json");
      auto p = info.find("\"listen\":\"");
      if (p != std::string::npos) {
        std::string listen = info.substr(p + 10, info.find('"', p + 10) - p - 10);
        port = std::stoi(listen.substr(listen.rfind(':') + 1));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  void Kill(int sig) {
    ::kill(pid, sig);
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = 0;
  }
};

struct Stores {
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
};

// One client identity: dial, session, back-off, dial again (as
// SyncService's client loop does), on its strand of the dial pool.
struct FleetClient {
  FleetClient(asio::thread_pool& pool, size_t i, uint64_t seed)
      : index(i),
        id(Take(crypto::Identity::Generate(), "identity")),
        strand(asio::make_strand(pool)),
        timer(strand),
        policy(std::chrono::seconds(60), seed) {}
  const size_t index;
  crypto::Identity id;
  asio::strand<asio::thread_pool::executor_type> strand;
  asio::steady_timer timer;
  ReconnectPolicy policy;
  Clock::time_point started;
  std::mutex mu;
  std::shared_ptr<EventSessionRunner> runner;
  std::atomic<uint64_t> generation{0};  // sessions started
  std::atomic<int> dial_failures{0}, hinted{0}, ended{0};
  std::atomic<bool> stop{false};
};

struct Fleet {
  Stores stores;
  SyncMetrics* metrics = nullptr;
  v1::Multihost::Peer hub_entry;
  std::vector<std::unique_ptr<RpcDialer>> dialers;
  SessionPool pool;
  SessionPool dial_pool;
  std::vector<std::unique_ptr<FleetClient>> clients;
  std::atomic<int> live{0};

  Fleet(size_t session_threads, size_t dial_threads)
      : pool(session_threads), dial_pool(dial_threads) {}

  void Dial(FleetClient& c) {
    if (c.stop) return;
    c.started = Clock::now();
    auto conn = dialers[c.index % dialers.size()]->DialEvent(hub_entry, PeerFeatures::All());
    if (!conn.ok()) {
      c.dial_failures++;
      return BackOff(c, conn.status());
    }
    SessionOptions o;
    o.role = Role::kClient;
    o.env = SyncEnv{stores.config.get(), stores.oplog.get(), stores.peers.get(), nullptr};
    o.env.metrics = metrics;
    o.identity = &c.id;
    o.instance_id = "c" + std::to_string(c.index);
    o.known_host = hub_entry;
    o.remote_address = hub_entry.instance_url();
    o.resolve_peer_features = std::move(conn->resolve_peer_features);
    o.make_handler = NewClientHandler;
    auto runner = EventSessionRunner::Create(std::move(o), std::move(conn->transport), pool);
    {
      std::lock_guard lock(c.mu);
      c.runner = runner;
    }
    c.generation++;
    live++;
    runner->Start([this, &c](const Status& end) {
      live--;
      c.ended++;
      asio::post(c.strand, [this, &c, end] { BackOff(c, end); });
    });
  }

  void BackOff(FleetClient& c, const Status& end) {
    if (c.stop) return;
    if (RetryHint(end)) c.hinted++;
    const auto lasted =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - c.started);
    c.timer.expires_after(c.policy.NextDelay(lasted, end));
    c.timer.async_wait(asio::bind_executor(c.strand, [this, &c](const asio::error_code& ec) {
      if (!ec) Dial(c);
    }));
  }

  bool Established(FleetClient& c) {
    std::lock_guard lock(c.mu);
    return c.runner && c.runner->established();
  }
};

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};
Percentiles Of(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.p50 = v[v.size() / 2];
  p.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  p.max = v.back();
  return p;
}

// Waits until every client has an established session of a generation
// above `after[i]`; returns each one's time to that (seconds from t0), or
// fewer when `limit_s` passed first.
std::vector<double> AwaitConnected(Fleet& fleet, const std::vector<uint64_t>& after,
                                   Clock::time_point t0, double limit_s) {
  const size_t n = fleet.clients.size();
  std::vector<double> at(n, -1);
  size_t done = 0;
  auto last_report = Clock::now();
  while (done < n) {
    const double now_s = std::chrono::duration<double>(Clock::now() - t0).count();
    for (size_t i = 0; i < n; ++i) {
      if (at[i] >= 0) continue;
      FleetClient& c = *fleet.clients[i];
      if (c.generation.load() > after[i] && fleet.Established(c)) {
        at[i] = now_s;
        ++done;
      }
    }
    if (now_s > limit_s) break;
    if (Clock::now() - last_report > std::chrono::seconds(5)) {
      last_report = Clock::now();
      fprintf(stderr, "  %.1f s: %zu/%zu connected\n", now_s, done, n);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::vector<double> out;
  for (double t : at) {
    if (t >= 0) out.push_back(t);
  }
  return out;
}

int Main(int argc, char** argv) {
  size_t n = 1000;
  int idle_s = 70;
  bool storm = false;
  size_t session_threads = 4, dial_threads = 2, io_threads = 2;
  std::string bin = BRS_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--clients")
      n = std::stoul(next());
    else if (a == "--idle")
      idle_s = std::stoi(next());
    else if (a == "--storm")
      storm = true;
    else if (a == "--session-threads")
      session_threads = std::stoul(next());
    else if (a == "--dial-threads")
      dial_threads = std::stoul(next());
    else if (a == "--io-threads")
      io_threads = std::stoul(next());
    else if (a == "--bin")
      bin = next();
    else {
      fprintf(stderr,
              "usage: fleet_load [--clients N] [--idle S] [--storm] [--session-threads T]\n"
              "                  [--dial-threads T] [--io-threads T] [--bin backrest-sync]\n");
      return 2;
    }
  }
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < n + 100) {
    fprintf(stderr, "RLIMIT_NOFILE %llu is below %zu clients\n",
            static_cast<unsigned long long>(rl.rlim_cur), n);
    return 2;
  }
  const std::string base = "/dev/shm/fleet_load_" + std::to_string(getpid());
  std::filesystem::create_directories(base + "/clients");
  Hub hub{bin, base + "/hub", base + "/hub.log"};
  if (std::system(
          ("'" + bin + "' init --data " + hub.dir + " --instance hub >/dev/null").c_str()) != 0) {
    fprintf(stderr, "init failed\n");
    return 1;
  }
  metrics::Registry registry;
  SyncMetrics metrics(registry);
  Fleet fleet(session_threads, dial_threads);
  fleet.metrics = &metrics;
  const auto t_ids = Clock::now();
  for (size_t i = 0; i < n; ++i) {
    fleet.clients.push_back(std::make_unique<FleetClient>(
        fleet.dial_pool.impl().pool, i, (uint64_t{std::random_device{}()} << 32) ^ i));
  }
  // Authorize them all in the hub's config (Backrest's format), as
  // `backrest-sync` stores them; the hub is not running yet.
  {
    store::ConfigStore::Options co;
    co.path = hub.dir + "/config.json";
    auto cfg = Take(store::ConfigStore::Open(co), "hub config");
    Take(cfg->Update([&](v1::Config& c) {
      for (size_t i = 0; i < n; ++i) {
        auto* p = c.mutable_multihost()->add_authorized_clients();
        p->set_instance_id("c" + std::to_string(i));
        p->set_keyid(fleet.clients[i]->id.key_id());
      }
      return Status();
    }),
         "authorize");
    fleet.hub_entry.set_instance_id("hub");
    fleet.hub_entry.set_keyid(cfg->Get()->multihost().identity().keyid());
  }
  printf("fleet_load: %zu clients; %.1f s for their identities and the hub's config\n", n,
         std::chrono::duration<double>(Clock::now() - t_ids).count());
  if (!hub.Start(0)) {
    fprintf(stderr, "hub did not start:\n%s\n", Slurp(hub.log).c_str());
    return 1;
  }
  fleet.hub_entry.set_instance_url("http://127.0.0.1:" + std::to_string(hub.port));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int64_t rss_idle = StatusField(hub.pid, "VmRSS:");
  {
    const std::string d = base + "/clients";
    store::ConfigStore::Options co;
    co.path = d + "/config.json";
    co.create_if_missing = true;
    fleet.stores.config = Take(store::ConfigStore::Open(co), "config");
    Take(fleet.stores.config->Update([&](v1::Config& c) {
      c.set_instance("fleet");
      *c.mutable_multihost()->add_known_hosts() = fleet.hub_entry;
      return Status();
    }),
         "known host");
    store::OplogStore::Options oo;
    oo.path = d + "/oplog.sqlite";
    fleet.stores.oplog = Take(store::OplogStore::Open(oo), "oplog");
    fleet.stores.peers = Take(store::PeerStateStore::Open(d + "/state.sqlite"), "peers");
  }
  for (size_t i = 0; i < io_threads; ++i)
    fleet.dialers.push_back(std::make_unique<RpcDialer>(RpcDialer::Options{}));

  // Phase 1: everyone connects.
  printf("load average %s\n", LoadAverage().c_str());
  const auto t1 = Clock::now();
  for (auto& c : fleet.clients) asio::post(c->strand, [&fleet, cp = c.get()] { fleet.Dial(*cp); });
  auto first = AwaitConnected(fleet, std::vector<uint64_t>(n, 0), t1, 600);
  auto p1 = Of(first);
  printf("connect: %zu/%zu CONNECTED; time to CONNECTED p50 %.2f s p99 %.2f s max %.2f s\n",
         first.size(), n, p1.p50, p1.p99, p1.max);

  // Phase 2: idle, heartbeats at the default interval.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const double cpu0 = CpuSeconds(hub.pid);
  const auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(idle_s));
  const double cpu1 = CpuSeconds(hub.pid);
  const double window = std::chrono::duration<double>(Clock::now() - w0).count();
  const int64_t rss = StatusField(hub.pid, "VmRSS:");
  printf(
      "idle %zu clients (%.0f s window): hub RSS %.1f MiB (%.1f MiB before clients, %.1f KiB "
      "per client), hub threads %lld, hub CPU %.2f %%; this process: RSS %.1f MiB, threads "
      "%lld; load average %s\n",
      n, window, static_cast<double>(rss) / 1024.0, static_cast<double>(rss_idle) / 1024.0,
      static_cast<double>(rss - rss_idle) / static_cast<double>(n),
      static_cast<long long>(StatusField(hub.pid, "Threads:")), (cpu1 - cpu0) / window * 100.0,
      static_cast<double>(StatusField(getpid(), "VmRSS:")) / 1024.0,
      static_cast<long long>(StatusField(getpid(), "Threads:")), LoadAverage().c_str());
  printf("hub admission so far:\n%s",
         MetricLines(hub.port, "backrest_sync_admission_total").c_str());

  int rc = first.size() == n ? 0 : 1;
  if (storm) {
    // Phase 3: the hub dies and comes back on the same port.
    std::vector<uint64_t> gen(n);
    for (size_t i = 0; i < n; ++i) gen[i] = fleet.clients[i]->generation.load();
    const int port = hub.port;
    hub.Kill(SIGKILL);
    const auto t0 = Clock::now();
    if (!hub.Start(port)) {
      fprintf(stderr, "hub did not restart:\n%s\n", Slurp(hub.log).c_str());
      return 1;
    }
    const double listening = std::chrono::duration<double>(Clock::now() - t0).count();
    auto again = AwaitConnected(fleet, gen, t0, 300);
    auto p3 = Of(again);
    int failures = 0, hinted = 0;
    for (auto& c : fleet.clients) {
      failures += c->dial_failures.load();
      hinted += c->hinted.load();
    }
    printf(
        "storm: hub restarted (listening after %.2f s); %zu/%zu CONNECTED again; time to "
        "CONNECTED from the kill p50 %.2f s p99 %.2f s max (all) %.2f s; failed dials %d, "
        "refusals with a retry hint %d; hub threads %lld, RSS %.1f MiB; load average %s\n",
        listening, again.size(), n, p3.p50, p3.p99, p3.max, failures, hinted,
        static_cast<long long>(StatusField(hub.pid, "Threads:")),
        static_cast<double>(StatusField(hub.pid, "VmRSS:")) / 1024.0, LoadAverage().c_str());
    printf("hub admission after the restart:\n%s",
           MetricLines(hub.port, "backrest_sync_admission_total").c_str());
    printf("hub handshakes:\n%s", MetricLines(hub.port, "backrest_sync_handshakes_total").c_str());
    if (again.size() != n) rc = 1;
  }
  for (auto& c : fleet.clients) {
    c->stop = true;
    asio::post(c->strand, [cp = c.get()] { cp->timer.cancel(); });
    std::lock_guard lock(c->mu);
    if (c->runner) c->runner->Terminate(Status(Code::kUnavailable, "fleet_load done"));
  }
  for (int i = 0; i < 3000 && fleet.live.load() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  hub.Kill(SIGTERM);
  std::error_code ec;
  std::filesystem::remove_all(base, ec);
  return rc;
}

}  // namespace
}  // namespace brs::sync

int main(int argc, char** argv) { return brs::sync::Main(argc, argv); }
