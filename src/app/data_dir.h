// The data directory of one backrest-sync instance (mode 0700):
//   config.json    Backrest-format config with the identity (0600)
//   oplog.sqlite   operations (own and synced)
//   state.sqlite   peer states
//   logs.sqlite    operation logs
//   admin.token    bearer token for the CLI and the state service (0600)
//   daemon.json    written by `serve`: where the running daemon listens
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

// The data dir must exist: NotFound with a hint to run `backrest-sync init`.
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
