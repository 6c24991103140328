// `backrest-sync repo add | list | remove`: the config's repos, which decide
// whose operations a client forwards to its hubs (SPEC §6). Each change is
// one config transaction, picked up by a running daemon at once.
#include "app/commands.h"
#include "app/id_rules.h"
#include "app/json_writer.h"
#include "app/table.h"

namespace brs::app {
namespace {

struct RepoAddFlags {
  std::string id;
  std::string guid;
  std::string uri;
  bool shared = false;
};

Outcome RunRepoAdd(CommandContext& ctx, const RepoAddFlags& flags) {
  if (Status st = CheckBackrestId("--id", flags.id, 0); !st.ok()) {
    return Outcome::Usage(st.message());
  }
  if (flags.guid.empty()) return Outcome::Usage("--guid is empty");
  if (flags.guid.size() > 256) return Outcome::Usage("--guid is longer than 256 characters");
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    for (const auto& r : c.repos()) {
      if (r.id() == flags.id) {
        return Status(Code::kAlreadyExists, "repo " + flags.id + " already exists");
      }
      if (r.guid() == flags.guid) {
        return Status(Code::kAlreadyExists,
                      "repo GUID " + flags.guid + " is already used by repo " + r.id());
      }
    }
    auto* r = c.add_repos();
    r->set_id(flags.id);
    r->set_guid(flags.guid);
    r->set_uri(flags.uri);
    r->set_shared(flags.shared);
    return Status();
  }));
  if (!IsBackrestGuid(flags.guid)) {
    ctx.Warn("GUID " + flags.guid +
             " is not 64 hex characters; Backrest's own repos use the restic repository ID "
             "(`restic cat config --json`)");
  }
  if (ctx.json()) {
    ctx.out() << JsonObject().Str("added", flags.id).Bool("shared", flags.shared).str() << "\n";
  } else {
    ctx.out() << "added " << (flags.shared ? "shared repo " : "repo ") << flags.id << "\n";
  }
  return Outcome();
}

Outcome RunRepoList(CommandContext& ctx) {
  BRS_ASSIGN_OR_RETURN(auto config, ctx.OpenConfigStore());
  auto cfg = config->Get();
  if (ctx.json()) {
    std::vector<std::string> items;
    for (const auto& r : cfg->repos()) items.push_back(ProtoToJson(r));
    ctx.out() << JsonArray(items) << "\n";
    return Outcome();
  }
  if (cfg->repos().empty()) {
    ctx.out() << "no repos (add one with `backrest-sync repo add`)\n";
    return Outcome();
  }
  Table t({"ID", "GUID", "URI", "SHARED", "ORIGIN"});
  for (const auto& r : cfg->repos()) {
    t.AddRow({r.id(), r.guid(), r.uri().empty() ? "-" : r.uri(), r.shared() ? "yes" : "no",
              r.origin_instance_id().empty() ? "-" : r.origin_instance_id()});
  }
  t.Print(ctx.out());
  return Outcome();
}

Outcome RunRepoRemove(CommandContext& ctx, const std::string& id) {
  return RemoveFromConfig(
      ctx, "repo", id,
      [&](v1::Config& c) {
        return EraseFirst(*c.mutable_repos(), [&](const v1::Repo& r) { return r.id() == id; });
      },
      "removed repo " + id + " (its operations stay in the oplog)");
}

}  // namespace

void RegisterRepo(CommandRegistry& r) {
  CLI::App* repo = r.Group("repo", "the config's repos (which ops a client forwards)");

  auto add = std::make_shared<RepoAddFlags>();
  CLI::App* a = r.AddCommand(repo, "add", "add a repo",
                             [add](CommandContext& ctx) { return RunRepoAdd(ctx, *add); });
  a->add_option("--id", add->id, "repo ID")->required();
  a->add_option("--guid", add->guid, "repo GUID (the restic repository ID)")->required();
  a->add_option("--uri", add->uri, "restic repository URI");
  a->add_flag("--shared", add->shared,
              "a hub pushes this repo to clients that grant it RECEIVE_SHARED_REPOS");

  r.AddCommand(repo, "list", "list repos", [](CommandContext& ctx) { return RunRepoList(ctx); });

  auto id = std::make_shared<std::string>();
  CLI::App* rm = r.AddCommand(repo, "remove", "remove a repo",
                              [id](CommandContext& ctx) { return RunRepoRemove(ctx, *id); });
  rm->add_option("id", *id, "repo ID")->required();
}

}  // namespace brs::app
