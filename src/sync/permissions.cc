#include "sync/permissions.h"

#include <cctype>

namespace brs::sync {
namespace {

using Permission = v1::Multihost::Permission;

// Removes `prefix` from `s` when `s` is longer than it and starts with it.
bool StripPrefix(std::string_view& s, std::string_view prefix) {
  if (s.size() <= prefix.size() || s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

template <typename Set>
bool Covers(const Set& included, const Set& excluded, bool wildcard, std::string_view id) {
  if (excluded.find(id) != excluded.end()) return false;
  return wildcard || included.find(id) != included.end();
}

}  // namespace

Status ScopeSet::Add(const google::protobuf::RepeatedPtrField<std::string>& scopes) {
  for (const std::string& scope : scopes) {
    std::string_view s = scope;
    if (s == "*") {
      wildcard_ = true;
    } else if (StripPrefix(s, "repo:")) {
      repos_.emplace(s);
    } else if (StripPrefix(s, "plan:")) {
      plans_.emplace(s);
    } else if (StripPrefix(s, "!repo:")) {
      excluded_repos_.emplace(s);
    } else if (StripPrefix(s, "!plan:")) {
      excluded_plans_.emplace(s);
    } else {
      return InvalidArgument("invalid permission scope \"" + scope +
                             "\" (want *, repo:ID, plan:ID, !repo:ID or !plan:ID)");
    }
  }
  return Status::Ok();
}

bool ScopeSet::ContainsRepo(std::string_view repo_id) const {
  return Covers(repos_, excluded_repos_, wildcard_, repo_id);
}

bool ScopeSet::ContainsPlan(std::string_view plan_id) const {
  return Covers(plans_, excluded_plans_, wildcard_, plan_id);
}

StatusOr<PermissionSet> PermissionSet::FromProto(
    const google::protobuf::RepeatedPtrField<Permission>& permissions) {
  PermissionSet set;
  for (const Permission& p : permissions) {
    if (p.type() == Permission::PERMISSION_UNKNOWN) continue;
    ScopeSet& scopes = set.grants_[p.type()];
    if (p.scopes().empty()) {
      scopes.AddWildcard();
      continue;
    }
    BRS_RETURN_IF_ERROR(scopes.Add(p.scopes()));
  }
  return set;
}

bool PermissionSet::Has(PermissionType type) const { return grants_.count(type) != 0; }

bool PermissionSet::AllowsRepo(PermissionType type, std::string_view repo_id) const {
  auto it = grants_.find(type);
  return it != grants_.end() && it->second.ContainsRepo(repo_id);
}

bool PermissionSet::AllowsPlan(PermissionType type, std::string_view plan_id) const {
  auto it = grants_.find(type);
  return it != grants_.end() && it->second.ContainsPlan(plan_id);
}

bool PermissionSet::CanViewRepo(std::string_view repo_id) const {
  return AllowsRepo(Permission::PERMISSION_READ_CONFIG, repo_id) ||
         AllowsRepo(Permission::PERMISSION_READ_WRITE_CONFIG, repo_id);
}

bool PermissionSet::CanViewPlan(std::string_view plan_id) const {
  return AllowsPlan(Permission::PERMISSION_READ_CONFIG, plan_id) ||
         AllowsPlan(Permission::PERMISSION_READ_WRITE_CONFIG, plan_id);
}

StatusOr<Permission> ParsePermissionFlag(std::string_view text) {
  std::string_view type_text = text;
  std::string_view scope_text;
  bool has_scopes = false;
  if (auto colon = text.find(':'); colon != std::string_view::npos) {
    type_text = text.substr(0, colon);
    scope_text = text.substr(colon + 1);
    has_scopes = true;
  }
  std::string norm;
  for (char c : type_text) {
    norm.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (norm.rfind("permission-", 0) == 0) norm.erase(0, 11);
  Permission p;
  if (norm == "read-operations") {
    p.set_type(Permission::PERMISSION_READ_OPERATIONS);
  } else if (norm == "read-config") {
    p.set_type(Permission::PERMISSION_READ_CONFIG);
  } else if (norm == "read-write-config") {
    p.set_type(Permission::PERMISSION_READ_WRITE_CONFIG);
  } else if (norm == "receive-shared-repos") {
    p.set_type(Permission::PERMISSION_RECEIVE_SHARED_REPOS);
  } else {
    return InvalidArgument("unknown permission type \"" + std::string(type_text) +
                           "\" (want read-operations, read-config, read-write-config or "
                           "receive-shared-repos)");
  }
  if (has_scopes) {
    if (scope_text.empty()) {
      return InvalidArgument("permission \"" + std::string(text) + "\": no scope after ':'");
    }
    size_t start = 0;
    while (start <= scope_text.size()) {
      size_t comma = scope_text.find(',', start);
      if (comma == std::string_view::npos) comma = scope_text.size();
      p.add_scopes(std::string(scope_text.substr(start, comma - start)));
      start = comma + 1;
    }
    ScopeSet check;
    BRS_RETURN_IF_ERROR(
        check.Add(p.scopes()).WithContext("permission \"" + std::string(text) + "\""));
  }
  return p;
}

}  // namespace brs::sync
