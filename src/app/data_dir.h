// The data directory of one backrest-sync instance. `init` creates it with
// mode 0700; every other command fails on a missing one with a message
// suggesting `backrest-sync init --data DIR`.
//
//   config.json        Backrest-format config (protobuf JSON, "sync" section
//                      with the identity), mode 0600, written atomically by
//                      store::ConfigStore (config.json.lock serializes writers
//                      across processes; a running daemon reloads on change)
//   oplog.sqlite       operations, own and synced (store::OplogStore; one
//                      owner at a time: oplog.sqlite.lock is flock'ed by it)
//   state.sqlite       peer states (store::PeerStateStore)
//   logs.sqlite        operation logs (store::LogStore)
//   health.json        the hub's health settings, optional, edited by hand
//                      (app/health_settings.h), webhooks included
//   notify.sqlite      health states and webhook events (app/notify_queue.h)
//   admin.token        bearer token for the daemon's admin API and state
//                      service (0600; created by init or serve)
//   daemon.json        written by `serve` once listening, removed on exit:
//                      {"listen":"ADDR:PORT","pid":N,"tls":bool}
//
// The directory: --data DIR, else $BACKREST_SYNC_DATA, else
// ~/.local/share/backrest-sync (DefaultDataDir).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "crypto/identity.h"
#include "store/config_store.h"
#include "store/log_store.h"
#include "store/oplog_store.h"
#include "store/peer_state_store.h"

namespace brs::app {

struct DataDir {
  std::string path;
  std::string config() const { return path + "/config.json"; }
  std::string oplog() const { return path + "/oplog.sqlite"; }
  std::string state() const { return path + "/state.sqlite"; }
  std::string logs() const { return path + "/logs.sqlite"; }
  std::string admin_token() const { return path + "/admin.token"; }
  std::string daemon_info() const { return path + "/daemon.json"; }
};

// --data, else $BACKREST_SYNC_DATA, else ~/.local/share/backrest-sync.
std::string DefaultDataDir();

// The data dir and its config.json must exist: NotFound with a hint to run
// `backrest-sync init --data PATH` otherwise. (The config is not parsed.)
StatusOr<DataDir> ExistingDataDir(const std::string& path);

// Opens the config (never creating it: `init` does).
StatusOr<std::unique_ptr<store::ConfigStore>> OpenConfig(const DataDir& dir);
// The config's identity, load-and-checked. FailedPrecondition when absent.
StatusOr<crypto::Identity> LoadIdentity(const v1::Config& config);

// The admin token, created (32 random bytes, hex, 0600) when missing.
StatusOr<std::string> EnsureAdminToken(const DataDir& dir);
StatusOr<std::string> ReadAdminToken(const DataDir& dir);

// Writes a small file atomically with the given mode.
Status WriteFileAtomic(const std::string& path, const std::string& content, int mode);
StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes = 1 << 20);

}  // namespace brs::app
