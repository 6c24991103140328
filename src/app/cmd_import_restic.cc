// `backrest-sync ops import-restic --repo ID [--plan ID] FILE|-`: turns
// `restic snapshots --json` output into index-snapshot operations, as
// Backrest indexes a repository (app/restic_import.h), so a host running
// plain restic can report to a Backrest hub. Snapshots already indexed for
// the repo are skipped; a repo missing from the config is added.
#include <set>

#include "app/commands.h"
#include "app/id_rules.h"
#include "app/json_writer.h"
#include "app/ops_backend.h"
#include "app/progress.h"
#include "app/restic_import.h"

namespace brs::app {
namespace {

// Ops per store transaction (and per progress step).
constexpr size_t kBatch = 5000;

struct ImportFlags {
  std::string repo;
  std::string plan;
  std::string guid;
  std::string restic_config;
  std::string file;
  bool progress = false;
};

// The repo's GUID: the config's when the repo exists (a different --guid is
// an error), else --guid, else the ID in --restic-config, else random.
StatusOr<std::string> ChooseGuid(CommandContext& ctx, const v1::Config& cfg,
                                 const ImportFlags& flags, bool* is_new) {
  std::string from_restic;
  if (!flags.restic_config.empty()) {
    BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(flags.restic_config));
    auto id = ParseResticConfigId(text);
    if (!id.ok()) return InvalidArgument(flags.restic_config + ": " + id.status().message());
    from_restic = *id;
  }
  const std::string wanted = !flags.guid.empty() ? flags.guid : from_restic;
  for (const auto& r : cfg.repos()) {
    if (r.id() != flags.repo) continue;
    if (!wanted.empty() && wanted != r.guid()) {
      return FailedPrecondition("repo " + flags.repo + " has GUID " + r.guid() +
                                " in the config, not " + wanted);
    }
    *is_new = false;
    return r.guid();
  }
  *is_new = true;
  if (!wanted.empty()) return wanted;
  BRS_ASSIGN_OR_RETURN(std::string guid, RandomGuid());
  ctx.Note("repo " + flags.repo + " is new: added it with the random GUID " + guid +
           " (pass --guid or --restic-config to use the restic repository ID)");
  return guid;
}

Outcome CheckImportFlags(const ImportFlags& flags) {
  if (Status st = CheckBackrestId("--repo", flags.repo, 0); !st.ok()) {
    return Outcome::Usage(st.message());
  }
  if (!flags.plan.empty()) {
    if (Status st = CheckBackrestId("--plan", flags.plan, 0); !st.ok()) {
      return Outcome::Usage(st.message());
    }
  }
  if (!flags.guid.empty() && flags.guid.size() > 256) {
    return Outcome::Usage("--guid is longer than 256 characters");
  }
  if (flags.file == "-" && flags.restic_config == "-") {
    return Outcome::Usage("only one of FILE and --restic-config can be stdin");
  }
  return Outcome();
}

// Adds the imported repo to the config (nothing to do when it was added
// meanwhile).
Status AddRepo(CommandContext& ctx, const std::string& repo, const std::string& guid) {
  return ctx.UpdateConfig([&](v1::Config& c) {
    for (const auto& r : c.repos()) {
      if (r.id() == repo) return Status();
      if (r.guid() == guid) {
        return Status(Code::kAlreadyExists, "GUID " + guid + " is already used by repo " + r.id());
      }
    }
    auto* r = c.add_repos();
    r->set_id(repo);
    r->set_guid(guid);
    return Status();
  });
}

// The ops of snapshots not indexed for the repo yet (indexed and not
// forgotten), each snapshot once.
StatusOr<std::vector<v1::Operation>> UnknownSnapshots(OpsBackend& backend, const std::string& repo,
                                                      std::vector<v1::Operation> ops) {
  admin::v1::OpsQuery q;
  q.set_repo_id(repo);
  BRS_ASSIGN_OR_RETURN(auto existing, backend.Query(q));
  std::set<std::string> known;
  for (const auto& op : existing) {
    if (op.has_operation_index_snapshot() && !op.operation_index_snapshot().forgot() &&
        !op.snapshot_id().empty()) {
      known.insert(op.snapshot_id());
    }
  }
  std::vector<v1::Operation> fresh;
  for (auto& op : ops) {
    if (known.insert(op.snapshot_id()).second) fresh.push_back(std::move(op));
  }
  return fresh;
}

// Stores `ops` kBatch at a time, with a progress line. An error names how
// many were stored before it.
Status StoreInBatches(CommandContext& ctx, OpsBackend& backend, std::vector<v1::Operation>& ops,
                      bool force_progress) {
  ProgressLine progress(ctx.err(), "importing", "snapshots", static_cast<int64_t>(ops.size()),
                        force_progress);
  for (size_t at = 0; at < ops.size(); at += kBatch) {
    const size_t end = std::min(ops.size(), at + kBatch);
    std::vector<v1::Operation> batch(std::make_move_iterator(ops.begin() + static_cast<long>(at)),
                                     std::make_move_iterator(ops.begin() + static_cast<long>(end)));
    if (Status st = backend.Add(batch); !st.ok()) {
      progress.Finish();
      return Status(st.code(), "after " + std::to_string(at) + " of " + std::to_string(ops.size()) +
                                   " snapshots: " + st.message());
    }
    progress.Update(static_cast<int64_t>(end));
  }
  progress.Finish();
  return Status();
}

void PrintImported(CommandContext& ctx, const ImportFlags& flags, const std::string& guid,
                   bool repo_added, size_t imported, size_t skipped) {
  if (ctx.json()) {
    ctx.out() << JsonObject()
                     .Int("imported", static_cast<int64_t>(imported))
                     .Int("skipped", static_cast<int64_t>(skipped))
                     .Str("repo", flags.repo)
                     .Str("guid", guid)
                     .Bool("repo_added", repo_added)
                     .str()
              << "\n";
  } else {
    ctx.out() << "imported " << imported << " snapshot" << (imported == 1 ? "" : "s")
              << " into repo " << flags.repo << " (" << skipped << " already known)\n";
  }
}

Outcome RunImport(CommandContext& ctx, const ImportFlags& flags) {
  if (Outcome usage = CheckImportFlags(flags); !usage.ok()) return usage;
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(auto config, OpenConfig(dir));
  // Parse everything before touching the config.
  bool is_new = false;
  BRS_ASSIGN_OR_RETURN(std::string guid, ChooseGuid(ctx, *config->Get(), flags, &is_new));
  BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(flags.file));
  ResticImportOptions o{flags.repo, guid, flags.plan, config->Get()->instance()};
  auto parsed = ParseResticSnapshots(text, o);
  if (!parsed.ok())
    return InvalidArgument(InputName(flags.file) + ": " + parsed.status().message());
  if (is_new) {
    BRS_RETURN_IF_ERROR(AddRepo(ctx, flags.repo, guid));
  }

  BRS_ASSIGN_OR_RETURN(auto backend, OpenOpsBackend(dir));
  const size_t total = parsed->size();
  BRS_ASSIGN_OR_RETURN(auto fresh, UnknownSnapshots(*backend, flags.repo, std::move(*parsed)));
  BRS_RETURN_IF_ERROR(StoreInBatches(ctx, *backend, fresh, flags.progress));
  PrintImported(ctx, flags, guid, is_new, fresh.size(), total - fresh.size());
  return Outcome();
}

}  // namespace

void RegisterImportRestic(CommandRegistry& r) {
  CLI::App* ops = r.Group("ops", "operations");
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* c =
      r.AddCommand(ops, "import-restic", "index `restic snapshots --json` output as Backrest does",
                   [flags](CommandContext& ctx) { return RunImport(ctx, *flags); });
  c->add_option("--repo", flags->repo, "repo ID (added to the config when missing)")->required();
  c->add_option("--plan", flags->plan,
                "plan ID for snapshots without a plan: tag (default _unassociated_)");
  c->add_option("--guid", flags->guid, "repo GUID for a new repo (the restic repository ID)");
  c->add_option("--restic-config", flags->restic_config,
                "`restic cat config --json` output: its ID becomes the new repo's GUID");
  c->add_flag("--progress", flags->progress,
              "print a progress line even when stderr is not a terminal");
  c->add_option("file", flags->file, "`restic snapshots --json` output, or - for stdin (default)");
}

}  // namespace brs::app
