// `backrest-sync logs get LOGREF [--peer KEYID]`: prints an operation's log
// from this instance's log store, or fetched from a connected peer, through
// the running daemon.
#include "app/admin_service.h"
#include "app/commands.h"
#include "app/daemon_link.h"
#include "brs/admin.pb.h"
#include "rpc/client.h"

namespace brs::app {
namespace {

struct LogsFlags {
  std::string logref;
  std::string peer;
};

Outcome RunLogsGet(CommandContext& ctx, const LogsFlags& flags) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(DaemonLink link, RequireDaemon(dir));
  admin::v1::FetchLogRequest req;
  req.set_log_id(flags.logref);
  req.set_peer_keyid(flags.peer);
  BRS_ASSIGN_OR_RETURN(auto stream,
                       link.client->Open(kAdminFetchLog, rpc::CallKind::kServerStream, link.auth));
  BRS_RETURN_IF_ERROR(stream->Write(req.SerializeAsString()));
  stream->Finish(Status());
  std::string m;
  for (;;) {
    BRS_ASSIGN_OR_RETURN(auto r, stream->Read(&m, rpc::SteadyNowMs() + 120'000));
    if (r == rpc::Stream::ReadResult::kTimeout) {
      return Status(Code::kDeadlineExceeded, "the log did not arrive in time");
    }
    if (r != rpc::Stream::ReadResult::kMessage) break;
    admin::v1::LogChunk c;
    if (!c.ParseFromString(m)) return Internal("the daemon sent a malformed log chunk");
    ctx.out() << c.data();
  }
  return Outcome();
}

}  // namespace

void RegisterLogs(CommandRegistry& r) {
  CLI::App* logs = r.Group("logs", "operation logs");
  auto flags = std::make_shared<LogsFlags>();
  CLI::App* c = r.AddCommand(logs, "get", "print a log (from a connected peer with --peer)",
                             [flags](CommandContext& ctx) { return RunLogsGet(ctx, *flags); });
  c->add_option("logref", flags->logref, "the op's logref")->required();
  c->add_option("--peer", flags->peer, "key ID of the peer that has the log");
}

}  // namespace brs::app
