// RPC layer benchmarks (Connect over h2c on loopback, in-process):
//  - BM_BidiThroughput: one bidi stream on one connection, 256-byte
//    messages, a writer thread and a reader thread; messages/s each way
//    (the server echoes). Target >= 200 000/s.
//  - BM_UnaryConcurrent: 64 clients (own connections) calling unary echo.
//  - BM_IdleConnectionMemory: resident memory per idle h2c connection
//    (preface + SETTINGS sent, then silence) of a server in its own process
//    (rpc_test_peer serve), for 1 000 and 10 000 connections. Target
//    <= 64 KiB each.
//  - BM_Http1UnaryLatency: Connect unary calls over one keep-alive
//    HTTP/1.1 connection (curl, browsers and health checks use HTTP/1.1).
//  - BM_Http1ConnectionPerRequest: a new HTTP/1.1 connection per GET
//    (Connection: close), as a health check makes them.
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio.hpp>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "rpc/client.h"
#include "rpc/server.h"

namespace brs::rpc {
namespace {

Server& EchoServer() {
  static Server* s = [] {
    auto* server = new Server(ServerOptions{});
    server->HandleBidi("/bench.Echo/Bidi", [](const CallInfo&, Stream& st) -> Status {
      std::string m;
      for (;;) {
        auto r = st.Read(&m);
        if (!r.ok()) return r.status();
        if (*r == Stream::ReadResult::kEnd) return Status();
        BRS_RETURN_IF_ERROR(st.Write(m));
      }
    });
    server->HandleUnary("/bench.Echo/Unary",
                        [](const CallInfo&, std::string_view b) -> StatusOr<std::string> {
                          return std::string(b);
                        });
    server->HandleGet("/bench/get", [](const std::string&, const Headers&) {
      return HttpResponse{200, "text/plain; charset=utf-8", "ok\n", {}};
    });
    if (!server->Start().ok()) std::abort();
    return server;
  }();
  return *s;
}

std::string Url() { return "http://127.0.0.1:" + std::to_string(EchoServer().port()); }

void BM_BidiThroughput(benchmark::State& state) {
  ClientOptions o;
  o.base_url = Url();
  auto client = Client::Create(o);
  const int64_t n = state.range(0);
  const std::string msg(256, 'm');
  for (auto _ : state) {
    auto s = (*client)->Open("/bench.Echo/Bidi", CallKind::kBidi);
    if (!s.ok()) std::abort();
    std::thread writer([&] {
      for (int64_t i = 0; i < n; ++i) {
        if (!(*s)->Write(msg).ok()) std::abort();
      }
      (*s)->Finish(Status());
    });
    std::string m;
    int64_t got = 0;
    for (;;) {
      auto r = (*s)->Read(&m);
      if (!r.ok()) std::abort();
      if (*r == Stream::ReadResult::kEnd) break;
      ++got;
    }
    writer.join();
    if (got != n) std::abort();
  }
  state.SetItemsProcessed(state.iterations() * n);  // each way
}
BENCHMARK(BM_BidiThroughput)->Arg(200'000)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_UnaryConcurrent(benchmark::State& state) {
  const int clients = static_cast<int>(state.range(0));
  const int per_client = 500;
  std::vector<std::unique_ptr<Client>> cs;
  for (int i = 0; i < clients; ++i) {
    ClientOptions o;
    o.base_url = Url();
    cs.push_back(std::move(*Client::Create(o)));
  }
  const std::string req(64, 'u');
  for (auto _ : state) {
    std::vector<std::thread> ts;
    for (int i = 0; i < clients; ++i) {
      ts.emplace_back([&, i] {
        for (int k = 0; k < per_client; ++k) {
          if (!cs[static_cast<size_t>(i)]->Unary("/bench.Echo/Unary", req).ok()) std::abort();
        }
      });
    }
    for (auto& t : ts) t.join();
  }
  state.SetItemsProcessed(state.iterations() * clients * per_client);
}
BENCHMARK(BM_UnaryConcurrent)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The server process of the idle-connection benchmark: rpc_test_peer serve
// (a separate process, so the clients' memory is not counted).
struct PeerProcess {
  pid_t pid = -1;
  int port = 0;
  ~PeerProcess() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
  bool Start() {
    int out[2];
    if (pipe(out) != 0) return false;
    pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      execl(BRS_RPC_TEST_PEER, BRS_RPC_TEST_PEER, "serve", "--listen", "127.0.0.1:0", nullptr);
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    auto colon = line.rfind(':');
    if (line.rfind("listening ", 0) != 0 || colon == std::string::npos) return false;
    port = std::stoi(line.substr(colon + 1));
    return true;
  }
  int64_t RssBytes() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/statm");
    int64_t size = 0, resident = 0;
    f >> size >> resident;
    return resident * sysconf(_SC_PAGESIZE);
  }
  size_t OpenFiles() const {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return n;
  }
};

void BM_IdleConnectionMemory(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, static_cast<rlim_t>(2 * n + 1000));
  setrlimit(RLIMIT_NOFILE, &rl);  // inherited by the server process
  PeerProcess server;
  if (!server.Start()) {
    state.SkipWithError("could not start " BRS_RPC_TEST_PEER);
    return;
  }
  // Preface + an empty SETTINGS frame: a complete, idle HTTP/2 client.
  const std::string hello = std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                            std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9);
  for (auto _ : state) {
    asio::io_context io;
    std::vector<asio::ip::tcp::socket> socks;
    socks.reserve(static_cast<size_t>(n));
    asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"),
                               static_cast<uint16_t>(server.port));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const size_t files_before = server.OpenFiles();
    const int64_t before = server.RssBytes();
    for (int i = 0; i < n; ++i) {
      socks.emplace_back(io);
      asio::error_code ec;
      socks.back().connect(ep, ec);
      if (ec) {
        state.SkipWithError(("connect failed: " + ec.message()).c_str());
        return;
      }
      asio::write(socks.back(), asio::buffer(hello), ec);
    }
    // Let the server accept and settle every connection.
    for (int i = 0; i < 400 && server.OpenFiles() < files_before + static_cast<size_t>(n); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const int64_t after = server.RssBytes();
    state.counters["connections"] = static_cast<double>(server.OpenFiles() - files_before);
    state.counters["server_rss_mib"] = static_cast<double>(after) / (1 << 20);
    state.counters["bytes_per_conn"] = static_cast<double>(after - before) / n;
    for (auto& s : socks) s.close();
  }
}
BENCHMARK(BM_IdleConnectionMemory)
    ->Arg(10000)
    ->Arg(1000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace brs::rpc

namespace brs::rpc {
namespace {
void BM_UnaryLatency(benchmark::State& state) {
  ClientOptions o;
  o.base_url = Url();
  auto client = Client::Create(o);
  const std::string req(64, 'u');
  for (auto _ : state) {
    if (!(*client)->Unary("/bench.Echo/Unary", req).ok()) std::abort();
  }
}
BENCHMARK(BM_UnaryLatency)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_BidiPingPong(benchmark::State& state) {
  ClientOptions o;
  o.base_url = Url();
  auto client = Client::Create(o);
  auto s = (*client)->Open("/bench.Echo/Bidi", CallKind::kBidi);
  const std::string msg(256, 'p');
  std::string m;
  for (auto _ : state) {
    if (!(*s)->Write(msg).ok()) std::abort();
    auto r = (*s)->Read(&m);
    if (!r.ok() || *r != Stream::ReadResult::kMessage) std::abort();
  }
  (*s)->Finish(Status());
}
BENCHMARK(BM_BidiPingPong)->Unit(benchmark::kMicrosecond)->UseRealTime();
}  // namespace
}  // namespace brs::rpc

namespace brs::rpc {
namespace {
// Reads one HTTP/1.1 response with a Content-Length from `s` (bytes past it
// stay in `buf`); false on a short read or a status other than 200.
bool ReadHttp1Response(asio::ip::tcp::socket& s, std::string& buf) {
  asio::error_code ec;
  const size_t head_end = asio::read_until(s, asio::dynamic_buffer(buf), "\r\n\r\n", ec);
  if (ec || buf.compare(0, 12, "HTTP/1.1 200") != 0) return false;
  const size_t cl = buf.find("Content-Length: ");
  if (cl == std::string::npos || cl > head_end) return false;
  const size_t want = head_end + std::stoul(buf.substr(cl + 16));
  if (buf.size() < want)
    asio::read(s, asio::dynamic_buffer(buf), asio::transfer_exactly(want - buf.size()), ec);
  if (ec) return false;
  buf.erase(0, want);
  return true;
}

void BM_Http1UnaryLatency(benchmark::State& state) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(EchoServer().port())});
  s.set_option(asio::ip::tcp::no_delay(true));
  const std::string body(64, 'u');
  const std::string req =
      "POST /bench.Echo/Unary HTTP/1.1\r\nHost: bench\r\nContent-Type: application/proto\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string buf;
  for (auto _ : state) {
    asio::write(s, asio::buffer(req));
    if (!ReadHttp1Response(s, buf)) std::abort();
  }
}
BENCHMARK(BM_Http1UnaryLatency)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Http1ConnectionPerRequest(benchmark::State& state) {
  asio::io_context io;
  const asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"),
                                   static_cast<uint16_t>(EchoServer().port()));
  const std::string req = "GET /bench/get HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
  std::string buf;
  for (auto _ : state) {
    asio::ip::tcp::socket s(io);
    s.connect(ep);
    asio::write(s, asio::buffer(req));
    buf.clear();
    if (!ReadHttp1Response(s, buf)) std::abort();
  }
}
BENCHMARK(BM_Http1ConnectionPerRequest)->Unit(benchmark::kMicrosecond)->UseRealTime();
}  // namespace
}  // namespace brs::rpc
