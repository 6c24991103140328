// The client's handling of a hub's set_config (SPEC §6, §6a): applied in
// one config transaction within the known host's permissions, or refused
// as a whole while the session goes on.
#include "sync/client_handler.h"
#include "sync/session_error.h"
#include "sync/set_config_result.h"

namespace brs::sync {
namespace {

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace

Status ClientHandler::HandleSetConfig(const SyncStreamItem::SyncActionSetConfig& item,
                                      ItemSink& out) {
  SetConfigReport report;
  auto updated = env_.config->Update([&](v1::Config& cfg) {
    return ApplySetConfig(item, perms_, known_host_.instance_id(), &cfg, &report);
  });
  const bool refused = !updated.ok() && report.refusal.refused();
  if (!updated.ok() && !refused) {
    return Internal("applying set_config: " + updated.status().message());
  }
  if (refused) {
    RecordSetConfigRefused(report.refusal);
  } else {
    RecordSetConfigApplied(report);
  }
  // Only to a hub that asked for it: a Backrest hub never hears of it.
  if (features_.set_config_result) {
    out.Send(SetConfigResultItem(refused ? report.refusal : SetConfigRefusal{}));
  }
  return Status();
}

void ClientHandler::RecordSetConfigRefused(const SetConfigRefusal& refusal) {
  const std::string reason = refusal.Reason();
  if (env_.metrics) env_.metrics->set_config_refused.With({"client"}).Inc();
  env_.Audit(
      "refused set_config from hub (nothing applied)", true,
      {{"hub", known_host_.instance_id()}, {"keyid", known_host_.keyid()}, {"reason", reason}});
  // Shown until a later push applies (or the session ends).
  refusal_shown_ = true;
  (void)env_.peers->Update(known_host_.keyid(), [&](v1sync::PeerState& s) {
    s.set_status_message("connected; refused the hub's set_config: " + reason);
    return Status();
  });
}

void ClientHandler::RecordSetConfigApplied(const SetConfigReport& report) {
  if (refusal_shown_) {
    refusal_shown_ = false;
    (void)env_.peers->Update(known_host_.keyid(), [&](v1sync::PeerState& s) {
      s.set_status_message("connected");
      return Status();
    });
  }
  // One line per push that changed something or skipped a repo; a shared
  // repo pushed again unchanged on every connect stays quiet. IDs only.
  if (!report.changed && report.repos_skipped.empty()) return;
  AuditFields fields = {{"hub", known_host_.instance_id()}, {"keyid", known_host_.keyid()}};
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"repos_new", &report.repos_new},         {"repos_updated", &report.repos_updated},
      {"repos_deleted", &report.repos_deleted}, {"plans_new", &report.plans_new},
      {"plans_updated", &report.plans_updated}, {"plans_deleted", &report.plans_deleted},
      {"repos_skipped", &report.repos_skipped}};
  for (const auto& [name, ids] : lists) {
    if (!ids->empty()) fields.emplace_back(name, Join(*ids));
  }
  env_.Audit("applied set_config from hub", !report.repos_skipped.empty(), fields);
}

}  // namespace brs::sync
