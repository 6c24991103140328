// rpc_test_peer: the C++ side of the RPC interop contract
// (tests/interop/README.md; the Go side is tests/interop/rpcpeer).
//
//   rpc_test_peer serve --listen 127.0.0.1:0 [--tls-cert F --tls-key F]
//   rpc_test_peer call  --url URL [--protocol connect|grpc] [--gzip] [--ca F]
//                       --test unary|stream|bidi|errors|all [--n N]
//   rpc_test_peer bench --url URL --test bidi --n N --size 256
//
// serve prints "listening <host>:<port>" once accepting and runs until
// SIGTERM/SIGINT (exit 0). call prints one line per check and exits 0 only
// when every check passed. bench prints "msgs_per_sec <float>".
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "echo_service.h"
#include "peer_checks.h"
#include "rpc/server.h"

namespace {

using namespace brs;
using namespace brs::rpc;

int Serve(const std::string& listen, const std::string& cert, const std::string& key) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  ServerOptions options;
  options.listen = listen;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  options.io_threads = 2;
  Server server(options);
  echo::Register(server);
  if (Status s = server.Start(); !s.ok()) {
    std::cerr << "serve: " << s.ToString() << "\n";
    return 1;
  }
  std::printf("listening %s\n", server.address().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop(2'000);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"C++ peer for the RPC interop tests (brs.test.v1.EchoService)"};
  app.require_subcommand(1);

  std::string listen = "127.0.0.1:0", cert, key;
  auto* serve = app.add_subcommand("serve", "serve the EchoService (h2c, HTTP/1.1 or TLS)");
  serve->add_option("--listen", listen, "host:port (port 0 picks one)");
  serve->add_option("--tls-cert", cert, "PEM certificate (enables TLS)");
  serve->add_option("--tls-key", key, "PEM private key");

  peer::CallConfig config;
  std::string test = "all";
  int n = 10'000;
  int size = 256;
  auto add_client_options = [&](CLI::App* c) {
    c->add_option("--url", config.url, "http://host:port (h2c) or https://host:port")->required();
    c->add_option("--protocol", config.protocol, "connect or grpc")
        ->check(CLI::IsMember({"connect", "grpc"}));
    c->add_flag("--gzip", config.gzip, "send gzip-compressed requests");
    c->add_option("--ca", config.ca_file, "PEM CA certificate for https");
    c->add_option("--n", n, "bidi message count")->check(CLI::NonNegativeNumber);
  };
  auto* call = app.add_subcommand("call", "run the contract's checks against a server");
  add_client_options(call);
  call->add_option("--test", test, "unary|stream|bidi|errors|all")
      ->check(CLI::IsMember({"unary", "stream", "bidi", "errors", "all"}));
  auto* bench = app.add_subcommand("bench", "bidi throughput, messages per second each way");
  add_client_options(bench);
  bench->add_option("--test", test, "bidi")->check(CLI::IsMember({"bidi"}));
  bench->add_option("--size", size, "message size in bytes")->check(CLI::Range(0, 16 << 20));

  CLI11_PARSE(app, argc, argv);
  if (serve->parsed()) {
    if (cert.empty() != key.empty()) {
      std::cerr << "serve: --tls-cert and --tls-key go together\n";
      return 2;
    }
    return Serve(listen, cert, key);
  }
  if (call->parsed()) {
    return peer::RunChecks(config, test, n,
                           [](const std::string& line) { std::cout << line << std::endl; });
  }
  if (n <= 0) {
    std::cerr << "bench: --n must be > 0\n";
    return 2;
  }
  auto rate = peer::BenchBidi(config, n, size);
  if (!rate.ok()) {
    std::cerr << "bench: " << rate.status().ToString() << "\n";
    return 1;
  }
  std::printf("msgs_per_sec %.1f\n", *rate);
  return 0;
}
