// `backrest-sync serve`: the hub and client roles of one data directory,
// on one listener (Sync stream, state service, admin API, /metrics,
// /healthz).
//
// The daemon's event loop (Run, on the caller's thread) handles what comes
// from outside the listener: SIGINT/SIGTERM stop it, SIGHUP re-reads the
// config and redials known hosts at once, an edit of config.json by another
// process (app/file_watch.h) is applied as soon as it is saved, and a
// progress line is logged while ops stream in or out. Config changes made
// by the CLI reach the daemon through its admin API (UpdateConfig), which
// writes config.json and applies the change before it answers.
#pragma once

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
  // How long Start waits for the oplog's lock while a command holds it and
  // no running daemon is advertised (app/oplog_lock_wait.h).
  int64_t store_lock_wait_ms = 30'000;
  const Env* env = &Env::Default();  // every "now" of the daemon
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Opens everything and starts serving. From its first step SIGINT,
  // SIGTERM and SIGHUP are the daemon's: one that arrives before Run is
  // handled when Run starts. Errors name what failed; FailedPrecondition
  // when the config disables auth on a non-loopback address without
  // insecure_no_auth (nothing is opened then). While a command holds the
  // oplog's lock it waits up to store_lock_wait_ms for it, running the event
  // loop (Canceled when SIGINT/SIGTERM or RequestStop ends the wait);
  // FailedPrecondition at once when daemon.json names another running
  // daemon (app/oplog_lock_wait.h).
  Status Start();
  // The address actually bound.
  std::string address() const;
  // Runs the event loop (see above) on the calling thread until SIGINT,
  // SIGTERM or RequestStop.
  void Run();
  // Makes Run return; thread safe. Before Run: Run returns at once.
  void RequestStop();
  // Drains sessions and stops (idempotent). Call it after Run returned.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Runs the daemon until SIGINT/SIGTERM (exit code 0), reloading on SIGHUP.
int RunDaemon(DaemonOptions options);

}  // namespace brs::app
