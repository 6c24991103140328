// The daemon as an operator runs it (the real backrest-sync binary):
//  - BM_ServeColdStart: exec of `serve` on an initialized data directory
//    until its port accepts a TCP connection (manual time per start).
//  - BM_IdleHubMemory: resident memory of a hub (no peers) after 2 s idle.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

extern char** environ;

namespace {

// An initialized data directory, made once per benchmark process.
const std::string& DataDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/brs-app-bench-XXXXXX";
    std::string d = mkdtemp(tmpl);
    std::string cmd = "'" BRS_BINARY "' init --data '" + d + "/hub' --instance bench >/dev/null";
    if (std::system(cmd.c_str()) != 0) std::abort();
    std::atexit([] { std::filesystem::remove_all(std::filesystem::path(DataDir())); });
    return d;
  }();
  return dir;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

pid_t StartServe(int port) {
  std::string data = DataDir() + "/hub";
  std::string listen = "127.0.0.1:" + std::to_string(port);
  const char* argv[] = {BRS_BINARY,     "serve",       "--data", data.c_str(), "--listen",
                        listen.c_str(), "--log-level", "warn",   nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, BRS_BINARY, &fa, nullptr, const_cast<char**>(argv), environ) != 0) {
    pid = -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

void StopServe(pid_t pid) {
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
}

void BM_ServeColdStart(benchmark::State& state) {
  DataDir();
  for (auto _ : state) {
    const int port = FreePort();
    auto start = std::chrono::steady_clock::now();
    pid_t pid = StartServe(port);
    if (pid < 0) {
      state.SkipWithError("cannot start " BRS_BINARY);
      return;
    }
    bool up = false;
    for (int i = 0; i < 20'000 && !up; ++i) {
      up = Accepts(port);
      if (!up) std::this_thread::sleep_for(std::chrono::microseconds(250));
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    StopServe(pid);
    if (!up) {
      state.SkipWithError("serve did not accept connections within 5 s");
      return;
    }
    state.SetIterationTime(took.count());
  }
}
BENCHMARK(BM_ServeColdStart)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(10);

int64_t RssKiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

void BM_IdleHubMemory(benchmark::State& state) {
  DataDir();
  for (auto _ : state) {
    const int port = FreePort();
    pid_t pid = StartServe(port);
    for (int i = 0; i < 5'000 && !Accepts(port); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
    state.counters["rss_mib"] = static_cast<double>(RssKiB(pid)) / 1024.0;
    StopServe(pid);
  }
}
BENCHMARK(BM_IdleHubMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
