// `backrest-sync logs get LOGREF [--peer KEYID]`: prints an operation's log
// from this instance's log store, or fetched from a connected peer, through
// the running daemon. `logs add LOGREF --op ID FILE|-`: stores a log (e.g.
// restic's output of a backup added with `ops add`) in this instance's log
// store, where the daemon serves it to its peers and its dashboard.
#include "app/admin_service.h"
#include "app/commands.h"
#include "app/daemon_link.h"
#include "app/duration.h"
#include "brs/admin.pb.h"
#include "rpc/client.h"
#include "store/log_store.h"

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

struct LogsAddFlags {
  std::string logref;
  int64_t op = 0;
  std::string expires;
  std::string file;
};

// The log store is SQLite: a running daemon sees the new log at once.
Outcome RunLogsAdd(CommandContext& ctx, const LogsAddFlags& flags) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_RETURN_IF_ERROR(store::ValidateLogName(flags.logref));
  int64_t expires_unix = 0;
  if (!flags.expires.empty()) {
    BRS_ASSIGN_OR_RETURN(int64_t s, ParseDuration(flags.expires));
    expires_unix = UnixSeconds(ctx.env().NowWall()) + s;
  }
  BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(flags.file));
  store::LogStore::Options o;
  o.path = dir.logs();
  o.env = &ctx.env();
  BRS_ASSIGN_OR_RETURN(auto logs, store::LogStore::Open(o));
  BRS_ASSIGN_OR_RETURN(auto writer, logs->Create(flags.logref, flags.op, expires_unix));
  if (Status s = writer->Append(text); !s.ok()) {
    (void)logs->Delete(flags.logref);  // not half a log
    return s;
  }
  BRS_RETURN_IF_ERROR(writer->Close());
  if (ctx.json()) {
    ctx.out() << "{\"logref\":\"" << flags.logref << "\",\"bytes\":" << text.size() << "}\n";
  } else {
    ctx.out() << "stored log " << flags.logref << " (" << text.size() << " bytes)\n";
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

  auto add = std::make_shared<LogsAddFlags>();
  CLI::App* a = r.AddCommand(logs, "add", "store an operation's log (FILE, or - for stdin)",
                             [add](CommandContext& ctx) { return RunLogsAdd(ctx, *add); });
  a->add_option("logref", add->logref, "the log's name (the op's logref)")->required();
  a->add_option("file", add->file, "the log's text (- or none: stdin)");
  a->add_option("--op", add->op, "ID of the operation the log belongs to")->required();
  a->add_option("--expires", add->expires,
                "delete the log after this long (e.g. 30d; default never)");
}

}  // namespace brs::app
