// `backrest-sync ops add [FILE|-]`, `ops update [FILE|-]`, `ops delete
// ID…` and `ops list`: this instance's oplog, directly or through the
// running daemon (app/ops_backend.h), whose hubs receive every change.
#include <chrono>
#include <set>

#include "app/commands.h"
#include "app/json_writer.h"
#include "app/op_input.h"
#include "app/ops_backend.h"
#include "app/table.h"

namespace brs::app {
namespace {

Outcome RunOpsAdd(CommandContext& ctx, const std::string& file) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(auto config, OpenConfig(dir));
  auto cfg = config->Get();
  BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(file));
  OpInputOptions o;
  o.source = InputName(file);
  o.instance_id = cfg->instance();
  o.now_ms = UnixMillis(ctx.env().NowWall());
  BRS_ASSIGN_OR_RETURN(std::vector<v1::Operation> ops, ParseOperationsInput(text, o));
  // Ops of repos outside the config are kept but never forwarded (SPEC §6):
  // one warning per repo.
  std::set<std::string> warned;
  for (const auto& op : ops) {
    bool known = false;
    for (const auto& r : cfg->repos()) known |= r.id() == op.repo_id();
    if (!known && warned.insert(op.repo_id()).second) {
      ctx.Warn("repo " + op.repo_id() +
               " is not in the config: its ops are stored but not forwarded to hubs (add it with "
               "`backrest-sync repo add --id " +
               op.repo_id() + " --guid GUID`)");
    }
  }
  BRS_ASSIGN_OR_RETURN(auto backend, OpenOpsBackend(dir));
  BRS_RETURN_IF_ERROR(backend->Add(ops));
  if (ctx.json()) {
    std::vector<std::string> ids;
    for (const auto& op : ops) ids.push_back(std::to_string(op.id()));
    ctx.out() << JsonObject()
                     .Int("added", static_cast<int64_t>(ops.size()))
                     .Raw("ids", JsonArray(ids))
                     .str()
              << "\n";
  } else {
    ctx.out() << "added " << ops.size() << " operation" << (ops.size() == 1 ? "" : "s") << "\n";
  }
  return Outcome();
}

Outcome RunOpsUpdate(CommandContext& ctx, const std::string& file) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(std::string text, ReadInputFile(file));
  OpInputOptions o;
  o.source = InputName(file);
  o.update = true;
  BRS_ASSIGN_OR_RETURN(std::vector<v1::Operation> ops, ParseOperationsInput(text, o));
  BRS_ASSIGN_OR_RETURN(auto backend, OpenOpsBackend(dir));
  BRS_RETURN_IF_ERROR(backend->Update(ops));
  if (ctx.json()) {
    std::vector<std::string> ids, modnos;
    for (const auto& op : ops) {
      ids.push_back(std::to_string(op.id()));
      modnos.push_back(std::to_string(op.modno()));
    }
    ctx.out() << JsonObject()
                     .Int("updated", static_cast<int64_t>(ops.size()))
                     .Raw("ids", JsonArray(ids))
                     .Raw("modnos", JsonArray(modnos))
                     .str()
              << "\n";
  } else {
    ctx.out() << "updated " << ops.size() << " operation" << (ops.size() == 1 ? "" : "s") << "\n";
  }
  return Outcome();
}

Outcome RunOpsDelete(CommandContext& ctx, const std::vector<int64_t>& given) {
  std::set<int64_t> unique;
  for (int64_t id : given) {
    if (id <= 0) return Outcome::Usage("operation IDs are positive, got " + std::to_string(id));
    unique.insert(id);
  }
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  BRS_ASSIGN_OR_RETURN(auto backend, OpenOpsBackend(dir));
  std::vector<int64_t> ids(unique.begin(), unique.end());
  BRS_ASSIGN_OR_RETURN(size_t n, backend->Delete(ids));
  if (ctx.json()) {
    std::vector<std::string> out;
    for (int64_t id : ids) out.push_back(std::to_string(id));
    ctx.out()
        << JsonObject().Int("deleted", static_cast<int64_t>(n)).Raw("ids", JsonArray(out)).str()
        << "\n";
  } else {
    ctx.out() << "deleted " << n << " operation" << (n == 1 ? "" : "s") << "\n";
  }
  return Outcome();
}

struct OpsListFlags {
  std::string peer;
  std::string instance;
  std::string repo;
  std::string plan;
  int64_t limit = 0;
};

// The kind of an op, from its oneof ("backup", "index_snapshot", …).
std::string OpKind(const v1::Operation& op) {
  const auto* field =
      op.GetReflection()->GetOneofFieldDescriptor(op, op.GetDescriptor()->FindOneofByName("op"));
  if (field == nullptr) return "-";
  std::string name = field->name();
  if (name.rfind("operation_", 0) == 0) name = name.substr(10);
  return name;
}

Outcome RunOpsList(CommandContext& ctx, const OpsListFlags& flags) {
  if (flags.limit < 0) return Outcome::Usage("--limit must not be negative");
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  admin::v1::OpsQuery q;
  q.set_peer_keyid(flags.peer);
  q.set_instance_id(flags.instance);
  q.set_repo_id(flags.repo);
  q.set_plan_id(flags.plan);
  q.set_limit(flags.limit);
  BRS_ASSIGN_OR_RETURN(auto backend, OpenOpsBackend(dir));
  BRS_ASSIGN_OR_RETURN(auto ops, backend->Query(q));
  if (ctx.json()) {
    for (const auto& op : ops) ctx.out() << ProtoToJson(op) << "\n";
    return Outcome();
  }
  if (ops.empty()) {
    ctx.out() << "no operations\n";
    return Outcome();
  }
  Table t(
      {"ID", "FLOW", "MODNO", "KIND", "STATUS", "INSTANCE", "REPO", "PLAN", "STARTED", "SNAPSHOT"});
  for (const auto& op : ops) {
    std::string status = v1::OperationStatus_Name(op.status());
    if (status.rfind("STATUS_", 0) == 0) status = status.substr(7);
    t.AddRow({std::to_string(op.id()), std::to_string(op.flow_id()), std::to_string(op.modno()),
              OpKind(op), status, op.instance_id(), op.repo_id(), op.plan_id(),
              FormatLocalTimeMillis(op.unix_time_start_ms()),
              op.snapshot_id().empty() ? "-" : op.snapshot_id().substr(0, 8)});
  }
  t.Print(ctx.out());
  return Outcome();
}

}  // namespace

void RegisterOps(CommandRegistry& r) {
  CLI::App* ops = r.Group("ops", "operations");

  auto file = std::make_shared<std::string>();
  CLI::App* add =
      r.AddCommand(ops, "add", "add operations (protobuf JSON: one object, or JSON Lines)",
                   [file](CommandContext& ctx) { return RunOpsAdd(ctx, *file); });
  add->add_option("file", *file, "file, or - for stdin (default)");

  auto ufile = std::make_shared<std::string>();
  CLI::App* update = r.AddCommand(
      ops, "update", "rewrite own operations (protobuf JSON with \"id\"; the modno is bumped)",
      [ufile](CommandContext& ctx) { return RunOpsUpdate(ctx, *ufile); });
  update->add_option("file", *ufile, "file, or - for stdin (default)");

  auto ids = std::make_shared<std::vector<int64_t>>();
  CLI::App* del = r.AddCommand(ops, "delete", "delete own operations by ID",
                               [ids](CommandContext& ctx) { return RunOpsDelete(ctx, *ids); });
  del->add_option("id", *ids, "operation IDs")->required();

  auto lf = std::make_shared<OpsListFlags>();
  CLI::App* list =
      r.AddCommand(ops, "list", "list operations, newest first (--json: protobuf JSON lines)",
                   [lf](CommandContext& ctx) { return RunOpsList(ctx, *lf); });
  CLI::Option* peer = list->add_option("--peer", lf->peer, "only ops synced from this key ID");
  CLI::Option* inst = list->add_option("--instance", lf->instance, "only ops of this instance");
  peer->excludes(inst);
  list->add_option("--repo", lf->repo, "only ops of this repo ID");
  list->add_option("--plan", lf->plan, "only ops of this plan ID");
  list->add_option("--limit", lf->limit, "only the newest N");
}

}  // namespace brs::app
