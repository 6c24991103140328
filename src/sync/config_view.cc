#include "sync/config_view.h"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>

namespace brs::sync {
namespace {

using Permission = v1::Multihost::Permission;
using google::protobuf::util::MessageDifferencer;

bool AnyAllowsRepo(const PermissionSet& perms, std::initializer_list<PermissionType> types,
                   std::string_view id) {
  return std::any_of(types.begin(), types.end(),
                     [&](PermissionType t) { return perms.AllowsRepo(t, id); });
}

bool AnyAllowsPlan(const PermissionSet& perms, std::initializer_list<PermissionType> types,
                   std::string_view id) {
  return std::any_of(types.begin(), types.end(),
                     [&](PermissionType t) { return perms.AllowsPlan(t, id); });
}

template <typename List, typename Pred>
int IndexOf(const List& list, Pred pred) {
  for (int i = 0; i < list.size(); ++i) {
    if (pred(list.Get(i))) return i;
  }
  return -1;
}

}  // namespace

v1sync::RemoteConfig RemoteConfigFor(const v1::Config& config, const PermissionSet& perms) {
  v1sync::RemoteConfig out;
  out.set_modno(config.modno());
  out.set_version(config.version());
  for (const v1::Repo& repo : config.repos()) {
    if (perms.CanViewRepo(repo.id())) *out.add_repos() = repo;
  }
  for (const v1::Plan& plan : config.plans()) {
    if (perms.CanViewPlan(plan.id())) *out.add_plans() = plan;
  }
  return out;
}

v1sync::SyncStreamItem::SyncActionReceiveResources ResourcesFor(
    const v1::Config& config, const PermissionSet& perms,
    std::initializer_list<PermissionType> types) {
  v1sync::SyncStreamItem::SyncActionReceiveResources out;
  for (const v1::Repo& repo : config.repos()) {
    if (!AnyAllowsRepo(perms, types, repo.id())) continue;
    auto* meta = out.add_repos();
    meta->set_id(repo.id());
    meta->set_guid(repo.guid());
  }
  for (const v1::Plan& plan : config.plans()) {
    if (AnyAllowsPlan(perms, types, plan.id())) out.add_plans()->set_id(plan.id());
  }
  return out;
}

std::vector<v1::Repo> SharedReposFor(const v1::Config& config, const PermissionSet& perms) {
  std::vector<v1::Repo> out;
  for (const v1::Repo& repo : config.repos()) {
    if (!repo.shared()) continue;
    if (!perms.AllowsRepo(Permission::PERMISSION_RECEIVE_SHARED_REPOS, repo.id())) continue;
    out.push_back(repo);
    out.back().set_origin_instance_id(config.instance());
  }
  return out;
}

std::string SetConfigRefusal::Reason() const {
  switch (kind) {
    case Kind::kPlan:
      return "host may not change plan \"" + id + "\"";
    case Kind::kRepo:
      return "host may not change repo \"" + id + "\"";
    case Kind::kDeletePlan:
      return "host may not delete plan \"" + id + "\"";
    case Kind::kDeleteRepo:
      return "host may not delete repo \"" + id + "\"";
    case Kind::kNone:
      break;
  }
  return "";
}

namespace {

using Refusal = SetConfigRefusal;

Status Refuse(SetConfigReport* report, Refusal::Kind kind, const std::string& id,
              const std::string& guid = "") {
  Refusal r{kind, id, guid};
  std::string reason = r.Reason();
  if (report) report->refusal = std::move(r);
  return PermissionDenied(reason);
}

Status ApplyPlans(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                  const PermissionSet& perms, v1::Config& next, SetConfigReport& r,
                  SetConfigReport* out) {
  const auto kWrite = Permission::PERMISSION_READ_WRITE_CONFIG;
  for (const v1::Plan& plan : set_config.plans()) {
    if (!perms.AllowsPlan(kWrite, plan.id())) return Refuse(out, Refusal::Kind::kPlan, plan.id());
    int i = IndexOf(next.plans(), [&](const v1::Plan& p) { return p.id() == plan.id(); });
    if (i >= 0) {
      if (!MessageDifferencer::Equals(next.plans(i), plan)) r.plans_updated.push_back(plan.id());
      *next.mutable_plans(i) = plan;
    } else {
      r.plans_new.push_back(plan.id());
      *next.add_plans() = plan;
    }
  }
  for (const std::string& id : set_config.plans_to_delete()) {
    if (!perms.AllowsPlan(kWrite, id)) return Refuse(out, Refusal::Kind::kDeletePlan, id);
    int i = IndexOf(next.plans(), [&](const v1::Plan& p) { return p.id() == id; });
    if (i >= 0) {
      next.mutable_plans()->DeleteSubrange(i, 1);
      r.plans_deleted.push_back(id);
    }
  }
  return Status::Ok();
}

Status ApplyRepos(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                  const PermissionSet& perms, std::string_view hub_instance_id, v1::Config& next,
                  SetConfigReport& r, SetConfigReport* out) {
  const auto kWrite = Permission::PERMISSION_READ_WRITE_CONFIG;
  const bool receives_shared = perms.Has(Permission::PERMISSION_RECEIVE_SHARED_REPOS);
  for (const v1::Repo& repo : set_config.repos()) {
    int i = IndexOf(next.repos(), [&](const v1::Repo& x) { return x.guid() == repo.guid(); });
    bool new_or_owned = i < 0 || next.repos(i).origin_instance_id() == hub_instance_id;
    bool allowed = (new_or_owned && receives_shared) || perms.AllowsRepo(kWrite, repo.id());
    if (!allowed) return Refuse(out, Refusal::Kind::kRepo, repo.id(), repo.guid());
    if (i >= 0) {
      if (!MessageDifferencer::Equals(next.repos(i), repo)) r.repos_updated.push_back(repo.id());
      *next.mutable_repos(i) = repo;
      continue;
    }
    bool clash = IndexOf(next.repos(), [&](const v1::Repo& x) {
                   return x.id() == repo.id() || x.uri() == repo.uri();
                 }) >= 0;
    if (clash) {
      r.repos_skipped.push_back(repo.id());
      continue;
    }
    r.repos_new.push_back(repo.id());
    *next.add_repos() = repo;
  }
  for (const std::string& id : set_config.repos_to_delete()) {
    if (!perms.AllowsRepo(kWrite, id)) return Refuse(out, Refusal::Kind::kDeleteRepo, id);
    int i = IndexOf(next.repos(), [&](const v1::Repo& x) { return x.id() == id; });
    if (i >= 0) {
      next.mutable_repos()->DeleteSubrange(i, 1);
      r.repos_deleted.push_back(id);
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplySetConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                      const PermissionSet& perms, std::string_view hub_instance_id,
                      v1::Config* config, SetConfigReport* report) {
  SetConfigReport r;
  v1::Config next = *config;
  // Any refused entry refuses the whole push: nothing is applied.
  BRS_RETURN_IF_ERROR(ApplyPlans(set_config, perms, next, r, report));
  BRS_RETURN_IF_ERROR(ApplyRepos(set_config, perms, hub_instance_id, next, r, report));
  r.changed = !MessageDifferencer::Equals(next, *config);
  if (r.changed) *config = std::move(next);
  if (report) *report = std::move(r);
  return Status::Ok();
}

ForwardFilter::ForwardFilter(const v1::Config& config, const PermissionSet& perms)
    : own_instance_(config.instance()) {
  const auto kRead = Permission::PERMISSION_READ_OPERATIONS;
  for (const v1::Repo& repo : config.repos()) {
    if (perms.AllowsRepo(kRead, repo.id())) repo_guids_.insert(repo.guid());
  }
  for (const v1::Plan& plan : config.plans()) {
    if (perms.AllowsPlan(kRead, plan.id())) plan_ids_.insert(plan.id());
  }
}

bool ForwardFilter::CanForward(const v1::Operation& op) const {
  return CanForward(op.original_instance_keyid(), op.instance_id(), op.repo_guid(), op.plan_id());
}

bool ForwardFilter::CanForward(std::string_view original_instance_keyid,
                               std::string_view instance_id, std::string_view repo_guid,
                               std::string_view plan_id) const {
  if (!original_instance_keyid.empty() || instance_id != own_instance_) return false;
  if (!repo_guid.empty() && repo_guids_.count(std::string(repo_guid))) return true;
  return !plan_id.empty() && plan_ids_.count(std::string(plan_id));
}

}  // namespace brs::sync
