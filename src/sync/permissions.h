// Permission sets: which repos, plans and capabilities a peer entry grants.
//
// A Multihost.Permission is a type plus scopes. Scopes are "*", "repo:<id>",
// "plan:<id>", "!repo:<id>", "!plan:<id>". An exclusion beats everything,
// "*" matches every ID, and a permission granted with no scopes at all
// matches every ID (Backrest treats a scopeless grant as a wildcard). Any
// other scope string is an error, reported when the set is built.
//
// Where a peer entry lists the same type twice, the grants are merged: an ID
// is covered when any entry of that type covers it and no entry of that type
// excludes it. (Backrest keeps only the last entry of a type.)
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "base/status.h"
#include "v1/config.pb.h"

namespace brs::sync {

using PermissionType = v1::Multihost::Permission::Type;

// The scopes of one permission type.
class ScopeSet {
 public:
  // Adds scopes; InvalidArgument names the first malformed one.
  Status Add(const google::protobuf::RepeatedPtrField<std::string>& scopes);
  void AddWildcard() { wildcard_ = true; }

  bool ContainsRepo(std::string_view repo_id) const;
  bool ContainsPlan(std::string_view plan_id) const;

 private:
  bool wildcard_ = false;
  std::set<std::string, std::less<>> repos_, plans_, excluded_repos_, excluded_plans_;
};

class PermissionSet {
 public:
  PermissionSet() = default;  // grants nothing

  // Builds the set from a peer entry's permissions. PERMISSION_UNKNOWN
  // entries are ignored; a malformed scope is InvalidArgument.
  static StatusOr<PermissionSet> FromProto(
      const google::protobuf::RepeatedPtrField<v1::Multihost::Permission>& permissions);

  // True when `type` was granted at all, whatever its scopes.
  bool Has(PermissionType type) const;
  // True when `type` was granted and covers the repo / plan ID.
  bool AllowsRepo(PermissionType type, std::string_view repo_id) const;
  bool AllowsPlan(PermissionType type, std::string_view plan_id) const;
  // True when READ_CONFIG or READ_WRITE_CONFIG covers the ID.
  bool CanViewRepo(std::string_view repo_id) const;
  bool CanViewPlan(std::string_view plan_id) const;

 private:
  std::map<PermissionType, ScopeSet> grants_;
};

// Parses the operator form "TYPE[:SCOPE,SCOPE...]", TYPE one of
// read-operations, read-config, read-write-config, receive-shared-repos (or
// the enum names, any case), e.g. "read-operations:repo:r1,!plan:p2".
// No scopes means a scopeless (match-all) grant.
StatusOr<v1::Multihost::Permission> ParsePermissionFlag(std::string_view text);

}  // namespace brs::sync
