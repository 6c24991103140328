// `backrest-sync config push --peer KEYID [--wait 5s]`: the running daemon
// sends set_config to that connected client and waits for what the client
// did with it (StateService::PushConfigAndWait). Exit 0 when applied, 1
// when refused, 3 when no outcome was seen within --wait ("0": send only,
// exit 0).
#include <google/protobuf/util/json_util.h>

#include "app/admin_service.h"
#include "app/commands.h"
#include "app/daemon_link.h"
#include "app/duration.h"
#include "brs/admin.pb.h"
#include "rpc/client.h"

namespace brs::app {
namespace {

struct PushFlags {
  std::string peer;
  std::string repos_file;
  std::vector<std::string> delete_repos;
  std::vector<std::string> delete_plans;
  std::string wait = "5s";
};

// Exit code of a push whose outcome did not show within --wait.
constexpr int kExitNoOutcome = 3;

Outcome Report(CommandContext& ctx, const std::string& peer,
               const admin::v1::PushConfigResponse& resp, bool waited) {
  using R = admin::v1::PushConfigResponse;
  switch (resp.outcome()) {
    case R::OUTCOME_APPLIED:
      ctx.out() << "applied by " << peer
                << (resp.message().empty() ? "" : " (" + resp.message() + ")") << "\n";
      return Outcome();
    case R::OUTCOME_REFUSED:
      ctx.out() << "refused by " << peer << ": " << resp.message() << "\n";
      return Outcome::Silent(1);
    default:
      ctx.out() << "sent set_config to " << peer;
      if (!waited) {
        ctx.out() << "\n";
        return Outcome();
      }
      ctx.out() << "; " << resp.message() << "\n";
      return Outcome::Silent(kExitNoOutcome);
  }
}

Outcome RunConfigPush(CommandContext& ctx, const PushFlags& flags) {
  if (flags.peer.empty()) return Outcome::Usage("config push needs --peer KEYID");
  if (flags.repos_file.empty() && flags.delete_repos.empty() && flags.delete_plans.empty()) {
    return Outcome::Usage("nothing to push: give --repos, --delete-repo or --delete-plan");
  }
  int64_t wait_ms = 0;
  if (flags.wait != "0") {
    auto secs = ParseDuration(flags.wait);
    if (!secs.ok()) return Outcome::Usage("--wait: " + secs.status().message());
    wait_ms = *secs * 1000;
    if (wait_ms > kMaxPushWaitMs) return Outcome::Usage("--wait is at most 5m");
  }
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  v1sync::SetRemoteClientConfigRequest req;
  req.set_peer_keyid(flags.peer);
  if (!flags.repos_file.empty()) {
    // A JSON array of Backrest repo objects, or a config whose repos and
    // plans are pushed.
    BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(flags.repos_file));
    const size_t first = text.find_first_not_of(" \t\r\n");
    const bool array = first != std::string::npos && text[first] == '[';
    v1::Config holder;
    auto st = google::protobuf::util::JsonStringToMessage(array ? "{\"repos\":" + text + "}" : text,
                                                          &holder);
    if (!st.ok()) {
      return InvalidArgument(
          InputName(flags.repos_file) +
          ": not a JSON array of repos or a Backrest config: " + std::string(st.message()));
    }
    *req.mutable_repos() = holder.repos();
    *req.mutable_plans() = holder.plans();
  }
  for (const auto& r : flags.delete_repos) req.add_repos_to_delete(r);
  for (const auto& p : flags.delete_plans) req.add_plans_to_delete(p);
  BRS_ASSIGN_OR_RETURN(DaemonLink link, RequireDaemon(dir));
  admin::v1::PushConfigRequest push;
  *push.mutable_request() = std::move(req);
  push.set_wait_ms(wait_ms);
  BRS_ASSIGN_OR_RETURN(
      std::string body,
      link.client->Unary(kAdminPushConfig, push.SerializeAsString(), link.auth, 30'000 + wait_ms));
  admin::v1::PushConfigResponse resp;
  if (!resp.ParseFromString(body)) return Internal("the daemon sent a malformed PushConfig answer");
  return Report(ctx, flags.peer, resp, wait_ms > 0);
}

}  // namespace

void RegisterConfigPush(CommandRegistry& r) {
  CLI::App* config = r.Group("config", "configure connected clients");
  auto flags = std::make_shared<PushFlags>();
  CLI::App* c = r.AddCommand(config, "push", "send set_config to a connected client",
                             [flags](CommandContext& ctx) { return RunConfigPush(ctx, *flags); });
  c->add_option("--peer", flags->peer, "the client's key ID")->required();
  c->add_option("--repos", flags->repos_file,
                "JSON array of repos (Backrest format) or a config.json (- for stdin)");
  c->add_option("--delete-repo", flags->delete_repos, "repo ID to delete on the client");
  c->add_option("--delete-plan", flags->delete_plans, "plan ID to delete on the client");
  c->add_option("--wait", flags->wait,
                "how long to wait for the client's outcome (default 5s; 0: send only)");
}

}  // namespace brs::app
