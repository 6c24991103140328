// `backrest-sync config push --peer KEYID`: SetRemoteClientConfig through
// the running daemon, which sends set_config to that connected client.
#include <google/protobuf/util/json_util.h>

#include "app/commands.h"
#include "app/daemon_link.h"
#include "rpc/client.h"
#include "sync/rpc_glue.h"

namespace brs::app {
namespace {

struct PushFlags {
  std::string peer;
  std::string repos_file;
  std::vector<std::string> delete_repos;
  std::vector<std::string> delete_plans;
};

Outcome RunConfigPush(CommandContext& ctx, const PushFlags& flags) {
  if (flags.peer.empty()) return Outcome::Usage("config push needs --peer KEYID");
  if (flags.repos_file.empty() && flags.delete_repos.empty() && flags.delete_plans.empty()) {
    return Outcome::Usage("nothing to push: give --repos, --delete-repo or --delete-plan");
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
  BRS_RETURN_IF_ERROR(
      link.client->Unary(sync::kSetRemoteConfigPath, req.SerializeAsString(), link.auth, 30'000)
          .status());
  ctx.out() << "sent set_config to " << flags.peer << "\n";
  return Outcome();
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
}

}  // namespace brs::app
