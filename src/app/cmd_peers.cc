// `backrest-sync peers [--watch]`: the state of every known host and
// authorized client, from the running daemon's state service (a snapshot,
// or the snapshot and then every change with --watch); without a daemon,
// the last stored states.
#include "app/commands.h"
#include "app/daemon_link.h"
#include "app/json_writer.h"
#include "app/peer_view.h"
#include "app/table.h"
#include "rpc/client.h"
#include "sync/rpc_glue.h"

namespace brs::app {
namespace {

void PrintPeers(CommandContext& ctx, const std::vector<v1sync::PeerState>& states) {
  if (ctx.json()) {
    for (const auto& s : states) ctx.out() << ProtoToJson(s) << "\n";
    return;
  }
  Table t({"INSTANCE", "KEY ID", "STATE", "LAST HEARTBEAT", "MESSAGE"});
  for (const auto& s : states) {
    t.AddRow({s.peer_instance_id(), s.peer_keyid(), ConnectionStateText(s.state()),
              FormatLocalTimeMillis(s.last_heartbeat_millis()),
              s.status_message().empty() ? "-" : s.status_message()});
  }
  t.Print(ctx.out());
}

Outcome RunPeers(CommandContext& ctx, bool watch) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  auto link = FindDaemon(dir);
  if (!link) {
    if (watch) return Unavailable("--watch needs a running daemon (backrest-sync serve)");
    BRS_ASSIGN_OR_RETURN(auto config, OpenConfig(dir));
    BRS_ASSIGN_OR_RETURN(auto states, StoredPeerStates(dir, *config));
    PrintPeers(ctx, states);
    return Outcome();
  }
  BRS_ASSIGN_OR_RETURN(auto stream, link->client->Open(sync::kPeerStatesPath,
                                                       rpc::CallKind::kServerStream, link->auth));
  v1sync::SyncStateStreamRequest req;
  req.set_subscribe(watch);
  BRS_RETURN_IF_ERROR(stream->Write(req.SerializeAsString()));
  stream->Finish(Status());
  std::vector<v1sync::PeerState> states;
  std::string m;
  for (;;) {
    BRS_ASSIGN_OR_RETURN(auto r,
                         stream->Read(&m, watch ? rpc::kNoDeadline : rpc::SteadyNowMs() + 30'000));
    if (r == rpc::Stream::ReadResult::kTimeout) {
      return Status(Code::kDeadlineExceeded, "the daemon did not send the peer states in time");
    }
    if (r != rpc::Stream::ReadResult::kMessage) break;
    v1sync::PeerState s;
    if (!s.ParseFromString(m)) return Internal("the daemon sent a malformed PeerState");
    if (watch) {
      PrintPeers(ctx, {s});
      ctx.out().flush();
    } else {
      states.push_back(std::move(s));
    }
  }
  if (!watch) PrintPeers(ctx, states);
  return Outcome();
}

}  // namespace

void RegisterPeers(CommandRegistry& r) {
  auto watch = std::make_shared<bool>(false);
  CLI::App* c = r.AddCommand(nullptr, "peers", "state of every known host and client",
                             [watch](CommandContext& ctx) { return RunPeers(ctx, *watch); });
  c->add_flag("--watch", *watch, "keep printing changes (needs the daemon)");
}

}  // namespace brs::app
