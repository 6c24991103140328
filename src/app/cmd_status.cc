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

// What `status` shows, from the running daemon when it answers, else from
// the stores.
struct StatusView {
  DataDir dir;
  store::ConfigStore::ConfigPtr cfg;
  admin::v1::StatusResponse daemon;
  bool running = false;
  OpCounts counts;
  std::string ops_error;  // when the counts could not be read
  std::vector<v1sync::PeerState> states;
  std::vector<PeerLine> lines;  // point into cfg and states
  int64_t connected = 0;
};

// The daemon's own status; a warning when daemon.json names a daemon that
// does not answer (stopped uncleanly, or not the one we trust).
void AskDaemon(CommandContext& ctx, StatusView& v) {
  auto link = FindDaemon(v.dir);
  if (!link) return;
  auto r = link->client->Unary(kAdminStatus, "", link->auth, 5'000);
  v.running = r.ok() && v.daemon.ParseFromString(*r);
  if (!r.ok()) {
    ctx.Warn("the daemon at " + link->base_url + " did not answer: " + r.status().message());
  }
}

void CountOps(StatusView& v) {
  if (v.running) {
    v.counts = {v.daemon.ops_local(), v.daemon.ops_synced()};
    return;
  }
  auto backend = OpenDirectOpsBackend(v.dir);
  auto c = backend.ok() ? (*backend)->Count() : StatusOr<OpCounts>(backend.status());
  if (c.ok()) {
    v.counts = *c;
  } else {
    v.ops_error = c.status().message();
  }
}

// Every known host and authorized client with its last stored state.
void ListPeers(StatusView& v) {
  auto state_of = [&](const std::string& keyid) -> const v1sync::PeerState* {
    for (const auto& s : v.states) {
      if (s.peer_keyid() == keyid) return &s;
    }
    return nullptr;
  };
  for (const auto& p : v.cfg->multihost().known_hosts()) {
    v.lines.push_back({"known-host", &p, state_of(p.keyid())});
  }
  for (const auto& p : v.cfg->multihost().authorized_clients()) {
    v.lines.push_back({"client", &p, state_of(p.keyid())});
  }
  for (const auto& l : v.lines) {
    v.connected += l.state && l.state->state() == v1sync::CONNECTION_STATE_CONNECTED;
  }
  if (v.running) v.connected = v.daemon.peers_connected();
}

std::string StateText(const PeerLine& l) {
  return l.state ? ConnectionStateText(l.state->state()) : "DISCONNECTED";
}

void PrintStatusJson(CommandContext& ctx, const StatusView& v) {
  std::vector<std::string> peers;
  for (const auto& l : v.lines) {
    peers.push_back(
        JsonObject()
            .Str("role", l.role)
            .Str("instance", l.peer->instance_id())
            .Str("keyid", l.peer->keyid())
            .Str("url", l.peer->instance_url())
            .Str("state", StateText(l))
            .Str("message", l.state ? l.state->status_message() : "")
            .Int("last_heartbeat_millis", l.state ? l.state->last_heartbeat_millis() : 0)
            .str());
  }
  ctx.out() << JsonObject()
                   .Str("instance", v.cfg->instance())
                   .Str("keyid", v.cfg->multihost().identity().keyid())
                   .Str("data", v.dir.path)
                   .Str("version", BRS_VERSION)
                   .Bool("running", v.running)
                   .Str("listen", v.running ? v.daemon.listen() : "")
                   .Int("ops_local", v.counts.local)
                   .Int("ops_synced", v.counts.synced)
                   .Int("peers_connected", v.connected)
                   .Raw("peers", JsonArray(peers))
                   .str()
            << "\n";
}

void PrintStatusText(CommandContext& ctx, const StatusView& v) {
  const std::string& keyid = v.cfg->multihost().identity().keyid();
  auto& out = ctx.out();
  out << "instance     " << v.cfg->instance() << "\n"
      << "key ID       " << (keyid.empty() ? "(none: run backrest-sync init)" : keyid) << "\n"
      << "data         " << v.dir.path << "\n"
      << "daemon       " << (v.running ? "running on " + v.daemon.listen() : "not running") << "\n";
  if (v.running && v.daemon.started_unix() > 0) {
    out << "started      " << FormatLocalTime(v.daemon.started_unix()) << "\n";
  }
  if (v.ops_error.empty()) {
    out << "operations   " << v.counts.local << " own, " << v.counts.synced << " from peers\n";
  } else {
    out << "operations   unknown (" << v.ops_error << ")\n";
  }
  out << "peers        " << v.lines.size() << " (" << v.connected << " connected)\n";
  if (v.lines.empty()) return;
  Table t({"ROLE", "INSTANCE", "KEY ID", "STATE", "LAST HEARTBEAT", "MESSAGE"});
  for (const auto& l : v.lines) {
    t.AddRow({l.role, l.peer->instance_id(), l.peer->keyid(), StateText(l),
              FormatLocalTimeMillis(l.state ? l.state->last_heartbeat_millis() : 0),
              l.state && !l.state->status_message().empty() ? l.state->status_message() : "-"});
  }
  out << "\n";
  t.Print(out);
}

Outcome RunStatus(CommandContext& ctx) {
  StatusView v;
  BRS_ASSIGN_OR_RETURN(v.dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(auto config_store, OpenConfig(v.dir));
  v.cfg = config_store->Get();
  AskDaemon(ctx, v);
  CountOps(v);
  BRS_ASSIGN_OR_RETURN(v.states, StoredPeerStates(v.dir, *config_store));
  ListPeers(v);
  if (ctx.json()) {
    PrintStatusJson(ctx, v);
  } else {
    PrintStatusText(ctx, v);
  }
  return Outcome();
}

}  // namespace

void RegisterStatus(CommandRegistry& r) {
  r.AddCommand(nullptr, "status", "instance, key ID, daemon, op counts and peers",
               [](CommandContext& ctx) { return RunStatus(ctx); });
}

}  // namespace brs::app
