// The dashboard's API at fleet scale (issue #12 §4), server-side, against a
// real daemon (`backrest-sync serve`) on a hub with 1 000 instances x 5
// plans and 1 000 000 ops (bench/dashboard_fleet.h): the fleet page's
// Health call (targets <= 100 ms), an ops page with each filter the page
// offers (<= 50 ms), `backrest-sync health` with the daemon running and
// without (<= 200 ms), and the size of the page's files gzipped
// (<= 200 KB). The calls go over loopback: Connect proto over h2c as the
// CLI makes them, and JSON over HTTP/1.1 as the browser makes them.
//
// The fleet is built once (about a minute) in /tmp/dashboard-bench-*,
// removed at exit; BRS_DASHBOARD_FLEET=DIR uses (or builds and keeps) DIR
// instead. The fleet page in headless Chromium: bench/dashboard_browser.sh.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "app/admin_service.h"
#include "app/daemon_link.h"
#include "app/web_assets.h"
#include "app/web_static.h"
#include "brs/admin.pb.h"
#include "brs/health.pb.h"
#include "dashboard_fleet.h"

namespace brs::bench {
namespace {

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "app_dashboard_bench: %s\n", why.c_str());
  std::abort();
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One HTTP/1.1 connection to the daemon, as a browser's fetch() uses it:
// POST with a JSON body, an answer with a Content-Length.
class Http1 {
 public:
  explicit Http1(const std::string& host_port) {
    const size_t colon = host_port.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
    if (::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &a.sin_addr) != 1) {
      Die("not an IPv4 address: " + host_port);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      Die("connect " + host_port);
    }
  }
  ~Http1() { ::close(fd_); }

  // The answer's body; dies unless 200.
  std::string Post(const std::string& path, const std::string& json, const std::string& token) {
    const std::string req = "POST " + path + " HTTP/1.1\r\nHost: bench\r\n" +
                            "Content-Type: application/json\r\nAuthorization: Bearer " + token +
                            "\r\nContent-Length: " + std::to_string(json.size()) + "\r\n\r\n" +
                            json;
    for (size_t off = 0; off < req.size();) {
      const ssize_t n = ::send(fd_, req.data() + off, req.size() - off, MSG_NOSIGNAL);
      if (n <= 0) Die("send");
      off += static_cast<size_t>(n);
    }
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) Fill();
    const std::string head = buf_.substr(0, end);
    if (head.rfind("HTTP/1.1 200", 0) != 0) Die(path + ": " + head);
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t cl = lower.find("content-length:");
    if (cl == std::string::npos) Die(path + ": no content-length");
    const size_t len = std::stoul(head.substr(cl + 15));
    buf_.erase(0, end + 4);
    while (buf_.size() < len) Fill();
    std::string body = buf_.substr(0, len);
    buf_.erase(0, len);
    return body;
  }

 private:
  void Fill() {
    char tmp[65536];
    const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) Die("recv");
    buf_.append(tmp, static_cast<size_t>(n));
  }
  int fd_ = -1;
  std::string buf_;
};

// The fleet's data dir and its daemon, for every benchmark of the program.
struct Hub {
  std::string dir;
  bool remove = false;
  pid_t daemon = 0;
  std::string listen;
  std::string token;
  std::optional<app::DaemonLink> link;

  Hub() {
    if (const char* keep = std::getenv("BRS_DASHBOARD_FLEET")) {
      dir = keep;
    } else {
      std::string tmpl = "/tmp/dashboard-bench-XXXXXX";
      if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp");
      dir = tmpl + "/hub";
      remove = true;
    }
    if (!std::filesystem::exists(dir + "/oplog.sqlite")) {
      const auto t0 = std::chrono::steady_clock::now();
      BuildDashboardFleet(BRS_BINARY, dir, NowUnixMs());
      std::fprintf(stderr, "dashboard fleet built in %s in %.0f s\n", dir.c_str(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    auto t = app::ReadAdminToken(app::DataDir{dir});
    if (!t.ok()) Die(t.status().ToString());
    token = *t;
    StartDaemon();
  }
  ~Hub() {
    StopDaemon();
    if (remove) {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::path(dir).parent_path(), ec);
    }
  }

  void StartDaemon() {
    std::filesystem::remove(dir + "/daemon.json");
    daemon = ::fork();
    if (daemon == 0) {
      const std::string log = dir + "/serve.log";
      if (std::freopen(log.c_str(), "a", stdout) == nullptr ||
          std::freopen(log.c_str(), "a", stderr) == nullptr) {
        ::_exit(126);
      }
      ::execl(BRS_BINARY, BRS_BINARY, "serve", "--data", dir.c_str(), "--listen", "127.0.0.1:0",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Set-up, not a measurement: wait for the daemon to say where it listens.
    for (int i = 0; i < 1200 && !link; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto info = app::ReadDaemonInfo(app::DataDir{dir});
      if (info.ok()) {
        listen = info->listen;
        link = app::FindDaemon(app::DataDir{dir});
      }
    }
    if (!link) Die("the daemon did not start (see " + dir + "/serve.log)");
  }
  void StopDaemon() {
    if (daemon <= 0) return;
    link.reset();
    ::kill(daemon, SIGTERM);
    int status;
    ::waitpid(daemon, &status, 0);
    daemon = 0;
  }

  std::string Call(std::string_view path, const std::string& request) {
    auto body = link->client->Unary(path, request, link->auth, 60'000);
    if (!body.ok()) Die(std::string(path) + ": " + body.status().ToString());
    return *body;
  }
};

// Made by the first benchmark that needs it; the daemon is stopped and the
// fleet removed when the program exits (after every benchmark ran).
Hub* shared_hub = nullptr;
Hub& SharedHub() {
  if (shared_hub == nullptr) shared_hub = new Hub();
  return *shared_hub;
}
struct HubAtExit {
  ~HubAtExit() { delete shared_hub; }
};

void BM_FleetHealth(benchmark::State& state) {
  Hub& hub = SharedHub();
  health::v1::HealthRequest req;
  req.set_include_self(true);
  const std::string body = req.SerializeAsString();
  int plans = 0;
  for (auto _ : state) {
    health::v1::HealthReport r;
    if (!r.ParseFromString(hub.Call(app::kAdminHealth, body))) Die("malformed report");
    plans = r.plans_size();
    benchmark::DoNotOptimize(r);
  }
  if (plans != kFleetInstances * kFleetPlans) Die("plans: " + std::to_string(plans));
  state.counters["plans"] = plans;
}
BENCHMARK(BM_FleetHealth)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// As the fleet page asks it: JSON over HTTP/1.1.
void BM_FleetHealthJson(benchmark::State& state) {
  Hub& hub = SharedHub();
  Http1 conn(hub.listen);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string r = conn.Post(std::string(app::kAdminHealth), R"({"includeSelf":true})", hub.token);
    bytes = r.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_FleetHealthJson)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// One ops page (50 ops, as the page asks) for each filter of the page.
enum OpsCase {
  kNewest,
  kInstance,
  kInstancePlanStatus,
  kDeep,
  kTimeWindow,
  kFailed,
  kDeepFiltered
};
const char* const kOpsCaseNames[] = {"newest",  "instance",     "instance_plan_status", "deep",
                                     "time_1d", "status_error", "deep_instance"};

admin::v1::OpsQuery OpsCaseQuery(int c) {
  admin::v1::OpsQuery q;
  q.set_page_size(50);
  const int64_t now = NowUnixMs();
  switch (c) {
    case kNewest:
      break;
    case kInstance:
      q.set_instance_id(FleetInstance(500));
      break;
    case kInstancePlanStatus:
      q.set_instance_id(FleetInstance(500));
      q.set_plan_id("plan3");
      q.set_status(v1::STATUS_SUCCESS);
      break;
    case kDeep:
      q.set_before_id(500'000);
      break;  // page 10 000
    case kTimeWindow:
      q.set_start_after_ms(now - 10 * 86'400'000LL);
      q.set_start_before_ms(now - 9 * 86'400'000LL);
      break;
    case kFailed:
      q.set_status(v1::STATUS_ERROR);
      break;  // 1 op in 2 000
    case kDeepFiltered:
      q.set_instance_id(FleetInstance(10));
      q.set_before_id(10 * 1000 + 500);
      break;
  }
  return q;
}

void BM_OpsPage(benchmark::State& state) {
  Hub& hub = SharedHub();
  const admin::v1::OpsQuery q = OpsCaseQuery(static_cast<int>(state.range(0)));
  state.SetLabel(kOpsCaseNames[state.range(0)]);
  const std::string body = q.SerializeAsString();
  int n = 0;
  for (auto _ : state) {
    admin::v1::OpsPage page;
    if (!page.ParseFromString(hub.Call(app::kAdminQueryOps, body))) Die("malformed page");
    n = page.operations_size();
    benchmark::DoNotOptimize(page);
  }
  if (n == 0) Die(std::string("no ops for ") + kOpsCaseNames[state.range(0)]);
  state.counters["ops"] = n;
}
BENCHMARK(BM_OpsPage)->DenseRange(0, 6)->Unit(benchmark::kMillisecond)->UseRealTime();

// The ops page's own call: JSON over HTTP/1.1, one instance's newest.
void BM_OpsPageJson(benchmark::State& state) {
  Hub& hub = SharedHub();
  Http1 conn(hub.listen);
  const std::string req = R"({"instanceId":"host-500","pageSize":50})";
  for (auto _ : state) {
    std::string r = conn.Post(std::string(app::kAdminQueryOps), req, hub.token);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_OpsPageJson)->Unit(benchmark::kMillisecond)->UseRealTime();

// `backrest-sync health --data HUB`, the whole process, with the hub's
// daemon running (it answers the report).
void BM_HealthCommand(benchmark::State& state) {
  Hub& hub = SharedHub();
  for (auto _ : state) {
    const int code = RunProgram(BRS_BINARY, {"health", "--data", hub.dir});
    if (code < 0 || code > 3) Die("health exited " + std::to_string(code));
  }
}
BENCHMARK(BM_HealthCommand)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

// The page's files, gzipped as served (a first visit downloads them all).
void BM_DashboardAssets(benchmark::State& state) {
  const app::WebStatic files(app::kWebAssets, app::kWebAssetCount);
  rpc::Headers h = {{"accept-encoding", "gzip"}};
  for (auto _ : state) {
    for (const std::string& p : files.paths()) {
      auto r = files.Serve(p, h);
      benchmark::DoNotOptimize(r);
    }
  }
  state.counters["gzipped_bytes"] = static_cast<double>(files.gzipped_bytes());
}
BENCHMARK(BM_DashboardAssets)->Unit(benchmark::kMicrosecond);

// Last (it stops the daemon): `backrest-sync health` reading the store
// itself, as on a hub whose daemon is not running.
void BM_HealthCommandNoDaemon(benchmark::State& state) {
  Hub& hub = SharedHub();
  hub.StopDaemon();
  for (auto _ : state) {
    const int code = RunProgram(BRS_BINARY, {"health", "--data", hub.dir});
    if (code < 0 || code > 3) Die("health exited " + std::to_string(code));
  }
}
BENCHMARK(BM_HealthCommandNoDaemon)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

HubAtExit at_exit;

}  // namespace
}  // namespace brs::bench
