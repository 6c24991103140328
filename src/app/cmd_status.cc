// `backrest-sync status`: instance, key ID, data dir, daemon, op counts,
// and every known host and authorized client with its last stored state.
#include "app/admin_service.h"
#include "app/commands.h"
#include "app/daemon_link.h"
#include "app/json_writer.h"
#include "app/ops_backend.h"
#include "app/peer_view.h"
#include "app/table.h"
#include "brs/admin.pb.h"

namespace brs::app {
namespace {

struct PeerLine {
  std::string role;  // "known-host" or "client"
  const v1::Multihost::Peer* peer;
  const v1sync::PeerState* state;  // nullptr when none was reported
};

Outcome RunStatus(CommandContext& ctx) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(auto config_store, OpenConfig(dir));
  auto cfg = config_store->Get();

  // A running daemon answers for itself; else the stores are read directly.
  admin::v1::StatusResponse daemon;
  bool running = false;
  if (auto link = FindDaemon(dir)) {
    auto r = link->client->Unary(kAdminStatus, "", link->auth, 5'000);
    running = r.ok() && daemon.ParseFromString(*r);
    if (!r.ok()) {
      // daemon.json names a daemon that did not answer (stopped uncleanly,
      // or not the one we trust): say so, then read the stores.
      ctx.err() << "backrest-sync: warning: the daemon at " << link->base_url
                << " did not answer: " << r.status().message() << "\n";
    }
  }
  OpCounts counts;
  std::string ops_error;
  if (running) {
    counts = {daemon.ops_local(), daemon.ops_synced()};
  } else {
    auto backend = OpenDirectOpsBackend(dir);
    auto c = backend.ok() ? (*backend)->Count() : StatusOr<OpCounts>(backend.status());
    if (c.ok()) {
      counts = *c;
    } else {
      ops_error = c.status().message();
    }
  }
  BRS_ASSIGN_OR_RETURN(auto states, StoredPeerStates(dir, *config_store));

  std::vector<PeerLine> lines;
  auto state_of = [&](const std::string& keyid) -> const v1sync::PeerState* {
    for (const auto& s : states) {
      if (s.peer_keyid() == keyid) return &s;
    }
    return nullptr;
  };
  for (const auto& p : cfg->multihost().known_hosts()) {
    lines.push_back({"known-host", &p, state_of(p.keyid())});
  }
  for (const auto& p : cfg->multihost().authorized_clients()) {
    lines.push_back({"client", &p, state_of(p.keyid())});
  }
  int connected = 0;
  for (const auto& l : lines) {
    connected += l.state && l.state->state() == v1sync::CONNECTION_STATE_CONNECTED;
  }
  if (running) connected = daemon.peers_connected();

  if (ctx.json()) {
    std::vector<std::string> peers;
    for (const auto& l : lines) {
      JsonObject o;
      o.Str("role", l.role)
          .Str("instance", l.peer->instance_id())
          .Str("keyid", l.peer->keyid())
          .Str("url", l.peer->instance_url())
          .Str("state", l.state ? ConnectionStateText(l.state->state()) : "DISCONNECTED")
          .Str("message", l.state ? l.state->status_message() : "")
          .Int("last_heartbeat_millis", l.state ? l.state->last_heartbeat_millis() : 0);
      peers.push_back(o.str());
    }
    JsonObject o;
    o.Str("instance", cfg->instance())
        .Str("keyid", cfg->multihost().identity().keyid())
        .Str("data", dir.path)
        .Str("version", BRS_VERSION)
        .Bool("running", running)
        .Str("listen", running ? daemon.listen() : "")
        .Int("ops_local", counts.local)
        .Int("ops_synced", counts.synced)
        .Int("peers_connected", connected)
        .Raw("peers", JsonArray(peers));
    ctx.out() << o.str() << "\n";
    return Outcome();
  }
  auto& out = ctx.out();
  out << "instance     " << cfg->instance() << "\n"
      << "key ID       "
      << (cfg->multihost().identity().keyid().empty() ? "(none: run backrest-sync init)"
                                                      : cfg->multihost().identity().keyid())
      << "\n"
      << "data         " << dir.path << "\n"
      << "daemon       " << (running ? "running on " + daemon.listen() : "not running") << "\n";
  if (running && daemon.started_unix() > 0) {
    out << "started      " << FormatLocalTime(daemon.started_unix()) << "\n";
  }
  if (ops_error.empty()) {
    out << "operations   " << counts.local << " own, " << counts.synced << " from peers\n";
  } else {
    out << "operations   unknown (" << ops_error << ")\n";
  }
  out << "peers        " << lines.size() << " (" << connected << " connected)\n";
  if (!lines.empty()) {
    Table t({"ROLE", "INSTANCE", "KEY ID", "STATE", "LAST HEARTBEAT", "MESSAGE"});
    for (const auto& l : lines) {
      t.AddRow({l.role, l.peer->instance_id(), l.peer->keyid(),
                l.state ? ConnectionStateText(l.state->state()) : "DISCONNECTED",
                FormatLocalTimeMillis(l.state ? l.state->last_heartbeat_millis() : 0),
                l.state && !l.state->status_message().empty() ? l.state->status_message() : "-"});
    }
    out << "\n";
    t.Print(out);
  }
  return Outcome();
}

}  // namespace

void RegisterStatus(CommandRegistry& r) {
  r.AddCommand(nullptr, "status", "instance, key ID, daemon, op counts and peers",
               [](CommandContext& ctx) { return RunStatus(ctx); });
}

}  // namespace brs::app
