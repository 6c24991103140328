// A hub with many connected clients sending heartbeats: the hub is a real
// `backrest-sync serve` process (so its memory and CPU are its own); the
// clients are sync services in this process, each with its own stores in
// /dev/shm, dialing the hub over h2c. Heartbeats every second.
//   counters: hub_rss_mib, hub_rss_per_client_kib, hub_cpu_pct (during a
//   10 s steady window), hub_threads (at the end of it), connected.
// Needs the backrest-sync binary next to the bench (build/backrest-sync).
#include <benchmark/benchmark.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sync/rpc_glue.h"
#include "sync/sync_service.h"

extern char** environ;

namespace brs::sync {
namespace {

template <typename T>
T Take(StatusOr<T> v) {
  if (!v.ok()) {
    fprintf(stderr, "%s\n", v.status().ToString().c_str());
    std::abort();
  }
  return std::move(*v);
}

std::string Slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int64_t RssKib(pid_t pid) {
  std::string s = Slurp("/proc/" + std::to_string(pid) + "/status");
  auto p = s.find("VmRSS:");
  return p == std::string::npos ? 0 : std::stoll(s.substr(p + 6));
}
int64_t Threads(pid_t pid) {
  std::error_code ec;
  int64_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
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

struct Client {
  std::string dir;
  crypto::Identity id = Take(crypto::Identity::Generate());
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
  std::unique_ptr<SyncService> service;
};

void BM_HubWithManyClients(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  const std::string base = "/dev/shm/brs_fleet_" + std::to_string(getpid());
  std::filesystem::create_directories(base);
  const std::string bin = (std::filesystem::path(BRS_BINARY)).string();
  const std::string hubdir = base + "/hub";
  if (std::system(("'" + bin + "' init --data " + hubdir + " --instance hub >/dev/null").c_str()) !=
      0) {
    state.SkipWithError("init failed");
    return;
  }
  for (auto _ : state) {
    // Clients first (their key IDs go into the hub's config).
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < n; ++i) {
      auto c = std::make_unique<Client>();
      c->dir = base + "/c" + std::to_string(i);
      std::filesystem::create_directories(c->dir);
      clients.push_back(std::move(c));
    }
    // Authorize them all in the hub's config (Backrest format).
    {
      store::ConfigStore::Options co;
      co.path = hubdir + "/config.json";
      auto cfg = Take(store::ConfigStore::Open(co));
      Take(cfg->Update([&](v1::Config& c) {
        for (int i = 0; i < n; ++i) {
          auto* p = c.mutable_multihost()->add_authorized_clients();
          p->set_instance_id("c" + std::to_string(i));
          p->set_keyid(clients[static_cast<size_t>(i)]->id.key_id());
        }
        return Status();
      }));
    }
    const char* wrap = std::getenv("BRS_HUB_WRAPPER");
    std::string args = std::string("exec ") + (wrap ? wrap : "") + " '" + bin + "' serve --data " +
                       hubdir + " --listen 127.0.0.1:0 --heartbeat 1 --log-level warn 2>" + base +
                       "/hub.log";
    const char* argv[] = {"/bin/sh", "-c", args.c_str(), nullptr};
    pid_t hub = 0;
    posix_spawn(&hub, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ);
    std::string listen;
    for (int i = 0; i < 200 && listen.empty(); ++i) {
      std::string info = Slurp(hubdir + "/daemon.json");
      auto p = info.find("\"listen\":\"");
      if (p != std::string::npos) listen = info.substr(p + 10, info.find('"', p + 10) - p - 10);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    const std::string hub_key = [&] {
      store::ConfigStore::Options co;
      co.path = hubdir + "/config.json";
      return Take(store::ConfigStore::Open(co))->Get()->multihost().identity().keyid();
    }();
    const int64_t rss_idle = RssKib(hub);
    RpcDialer dialer({});
    for (int i = 0; i < n; ++i) {
      Client& c = *clients[static_cast<size_t>(i)];
      store::ConfigStore::Options co;
      co.path = c.dir + "/config.json";
      co.create_if_missing = true;
      c.config = Take(store::ConfigStore::Open(co));
      Take(c.config->Update([&](v1::Config& cfg) {
        cfg.set_instance("c" + std::to_string(i));
        auto* h = cfg.mutable_multihost()->add_known_hosts();
        h->set_instance_id("hub");
        h->set_keyid(hub_key);
        h->set_instance_url("http://" + listen);
        return Status();
      }));
      store::OplogStore::Options oo;
      oo.path = c.dir + "/oplog.sqlite";
      c.oplog = Take(store::OplogStore::Open(oo));
      c.peers = Take(store::PeerStateStore::Open(c.dir + "/state.sqlite"));
      SyncServiceOptions so;
      so.env = SyncEnv{c.config.get(), c.oplog.get(), c.peers.get(), nullptr};
      so.identity = &c.id;
      so.tunables.heartbeat_interval_ms = 1000;
      so.retry_delay = std::chrono::seconds(5);
      c.service = std::make_unique<SyncService>(so, &dialer);
      if (!c.service->Start().ok()) std::abort();
    }
    int connected = 0;
    for (int t = 0; t < 600; ++t) {
      connected = 0;
      for (auto& c : clients) {
        auto s = c->peers->Get(hub_key);
        connected += s.ok() && s->state() == v1sync::CONNECTION_STATE_CONNECTED;
      }
      if (connected == n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const double cpu0 = CpuSeconds(hub);
    std::this_thread::sleep_for(std::chrono::seconds(10));
    const double cpu1 = CpuSeconds(hub);
    const int64_t rss = RssKib(hub);
    state.counters["hub_threads"] = static_cast<double>(Threads(hub));
    state.counters["connected"] = connected;
    state.counters["hub_rss_idle_mib"] = static_cast<double>(rss_idle) / 1024.0;
    state.counters["hub_rss_mib"] = static_cast<double>(rss) / 1024.0;
    state.counters["hub_rss_per_client_kib"] = static_cast<double>(rss - rss_idle) / n;
    state.counters["hub_cpu_pct"] = (cpu1 - cpu0) * 10.0;
    for (auto& c : clients) c->service->Stop();
    if (connected < n || rss == 0)
      fprintf(stderr, "hub log:\n%s\n", Slurp(base + "/hub.log").c_str());
    ::kill(hub, SIGTERM);
    int st = 0;
    ::waitpid(hub, &st, 0);
    clients.clear();
  }
  std::error_code ec;
  std::filesystem::remove_all(base, ec);
}
BENCHMARK(BM_HubWithManyClients)
    ->Arg(100)
    ->Arg(1000)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace brs::sync
