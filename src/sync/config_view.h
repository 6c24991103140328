// What of a config a peer may see or change, decided by its permissions
// (SPEC §6). Pure functions over v1::Config: the session handlers call them
// and send or store the results.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "sync/permissions.h"
#include "v1/config.pb.h"
#include "v1/operations.pb.h"
#include "v1sync/syncservice.pb.h"

namespace brs::sync {

// The repos and plans that READ_CONFIG or READ_WRITE_CONFIG cover, with the
// config's modno and version.
v1sync::RemoteConfig RemoteConfigFor(const v1::Config& config, const PermissionSet& perms);

// Repo (id, guid) and plan (id) metadata for every repo/plan that any of
// `types` covers. The hub lists what the client may view (READ_CONFIG,
// READ_WRITE_CONFIG); a client also lists what it forwards (READ_OPERATIONS).
v1sync::SyncStreamItem::SyncActionReceiveResources ResourcesFor(
    const v1::Config& config, const PermissionSet& perms,
    std::initializer_list<PermissionType> types);

// The hub's repos marked `shared` that RECEIVE_SHARED_REPOS covers for this
// client, each a copy with origin_instance_id set to the hub's instance.
std::vector<v1::Repo> SharedReposFor(const v1::Config& config, const PermissionSet& perms);

// The first entry of a set_config that the known host may not apply (the
// reason the whole push was refused).
struct SetConfigRefusal {
  enum class Kind { kNone, kPlan, kRepo, kDeletePlan, kDeleteRepo };
  Kind kind = Kind::kNone;
  std::string id;    // plan or repo ID
  std::string guid;  // kRepo: the repo's GUID
  bool refused() const { return kind != Kind::kNone; }
  // "host may not change repo \"x\"" and the like.
  std::string Reason() const;
};

// What ApplySetConfig did, by ID, for the log line.
struct SetConfigReport {
  std::vector<std::string> plans_new, plans_updated, plans_deleted;
  std::vector<std::string> repos_new, repos_updated, repos_deleted;
  std::vector<std::string> repos_skipped;  // new repos whose ID or URI clashed
  bool changed = false;                    // the config differs from before
  SetConfigRefusal refusal;                // set when the push was refused
};

// Applies a hub's set_config to a client's config, as a known host with
// `perms` and instance ID `hub_instance_id` may:
// - plans need READ_WRITE_CONFIG for their ID (create, update, delete);
// - a repo (matched by GUID) is accepted when it is new or already has
//   origin_instance_id = hub_instance_id and the host holds
//   RECEIVE_SHARED_REPOS (scopes ignored), or when READ_WRITE_CONFIG covers
//   its ID; a new repo whose ID or URI clashes with a local repo is skipped
//   and reported;
// - repo deletions (by ID) need READ_WRITE_CONFIG.
// Any refusal returns PermissionDenied (message: refusal.Reason()), fills
// report->refusal and leaves `config` untouched; on success `config` holds
// the result. modno is not touched: the caller's
// config transaction bumps it when report->changed.
Status ApplySetConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                      const PermissionSet& perms, std::string_view hub_instance_id,
                      v1::Config* config, SetConfigReport* report);

// Decides which local operations a client forwards to one known host: those
// created here (no original_instance_keyid, instance_id = own instance)
// whose repo GUID belongs to a repo READ_OPERATIONS covers, or whose plan ID
// READ_OPERATIONS covers.
class ForwardFilter {
 public:
  ForwardFilter(const v1::Config& config, const PermissionSet& perms);

  bool CanForward(const v1::Operation& op) const;
  // The same decision from indexed metadata columns.
  bool CanForward(std::string_view original_instance_keyid, std::string_view instance_id,
                  std::string_view repo_guid, std::string_view plan_id) const;

 private:
  std::string own_instance_;
  std::unordered_set<std::string> repo_guids_;
  std::unordered_set<std::string> plan_ids_;
};

}  // namespace brs::sync
