// `backrest-sync serve`: the hub and client roles of one data directory,
// on one listener (Sync stream, state service, admin API, /metrics,
// /healthz). Config changes made by the CLI (or any editor) are picked up
// within a second; SIGHUP reloads at once and redials known hosts.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "app/data_dir.h"
#include "base/env.h"
#include "base/metrics.h"
#include "base/status.h"

namespace brs::app {

struct DaemonOptions {
  DataDir dir;
  std::string listen = "127.0.0.1:9898";
  std::string tls_cert, tls_key;
  std::string ca_file;  // for dialing https:// known hosts with a private CA
  // Honour `auth.disabled` on a non-loopback listen address too
  // (app/auth_policy.h); without it Start refuses such a config.
  bool insecure_no_auth = false;
  int64_t heartbeat_interval_ms = 600'000;
  int64_t retry_delay_ms = 60'000;
  int io_threads = 2;
  const Env* env = &Env::Default();  // every "now" of the daemon
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Opens everything and starts serving. Errors name what failed;
  // FailedPrecondition when the config disables auth on a non-loopback
  // address without insecure_no_auth (nothing is opened then).
  Status Start();
  // The address actually bound.
  std::string address() const;
  // Drains sessions and stops (idempotent).
  void Stop();
  // Re-reads the config now and redials known hosts.
  void Reload();
  // Blocks until Stop is requested through RequestStop (signal-safe).
  void Wait();
  void RequestStop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs the daemon until SIGINT/SIGTERM (exit code 0), reloading on SIGHUP.
int RunDaemon(DaemonOptions options);

}  // namespace brs::app
