// How the CLI reaches the running daemon of a data directory: `serve`
// writes DIR/daemon.json ({"listen":"ADDR:PORT","pid":N,"tls":bool,
// "tls_cert":"/abs/cert.pem" with TLS}) once it
// listens and removes it on exit; the CLI calls the daemon's admin API
// (app/admin_service.h) there with the bearer token in DIR/admin.token.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/data_dir.h"
#include "base/status.h"
#include "rpc/client.h"

namespace brs::app {

struct DaemonLink {
  std::string base_url;  // http(s)://ADDR:PORT
  std::unique_ptr<rpc::Client> client;
  rpc::Headers auth;  // authorization: Bearer <admin token>
};

// The daemon's advertised address, from DIR/daemon.json. NotFound when no
// daemon has written one; InvalidArgument when the file is malformed.
struct DaemonInfo {
  std::string listen;  // as bound; 0.0.0.0 / [::] mapped to loopback
  bool tls = false;
  std::string tls_cert;  // with tls: the daemon's certificate, pinned by the CLI
  int64_t pid = 0;
};
StatusOr<DaemonInfo> ReadDaemonInfo(const DataDir& dir);

// A client for the daemon of `dir`, or nullopt when no daemon.json or admin
// token exists. (Whether the daemon answers shows on the first call.)
std::optional<DaemonLink> FindDaemon(const DataDir& dir);

// FindDaemon, or Unavailable saying how to start the daemon.
StatusOr<DaemonLink> RequireDaemon(const DataDir& dir);

}  // namespace brs::app
