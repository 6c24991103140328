#include "sync/set_config_result.h"

namespace brs::sync {

using Kind = SetConfigRefusal::Kind;

v1sync::SyncStreamItem SetConfigResultItem(const SetConfigRefusal& refusal) {
  v1sync::SyncStreamItem item;
  auto* set = item.mutable_set_config();
  switch (refusal.kind) {
    case Kind::kPlan:
      set->add_plans()->set_id(refusal.id);
      break;
    case Kind::kRepo: {
      v1::Repo* repo = set->add_repos();
      repo->set_id(refusal.id);
      repo->set_guid(refusal.guid);
      break;
    }
    case Kind::kDeletePlan:
      set->add_plans_to_delete(refusal.id);
      break;
    case Kind::kDeleteRepo:
      set->add_repos_to_delete(refusal.id);
      break;
    case Kind::kNone:
      break;
  }
  return item;
}

StatusOr<SetConfigRefusal> ParseSetConfigResult(
    const v1sync::SyncStreamItem::SyncActionSetConfig& answer) {
  const int entries = answer.plans_size() + answer.repos_size() + answer.plans_to_delete_size() +
                      answer.repos_to_delete_size();
  if (entries > 1) return InvalidArgument("set_config result with more than one entry");
  SetConfigRefusal r;
  if (answer.plans_size() == 1) {
    r = {Kind::kPlan, answer.plans(0).id(), ""};
  } else if (answer.repos_size() == 1) {
    r = {Kind::kRepo, answer.repos(0).id(), answer.repos(0).guid()};
  } else if (answer.plans_to_delete_size() == 1) {
    r = {Kind::kDeletePlan, answer.plans_to_delete(0), ""};
  } else if (answer.repos_to_delete_size() == 1) {
    r = {Kind::kDeleteRepo, answer.repos_to_delete(0), ""};
  }
  if (r.id.size() > kMaxResultIdBytes || r.guid.size() > kMaxResultIdBytes) {
    return InvalidArgument("set_config result with an ID over 256 bytes");
  }
  return r;
}

}  // namespace brs::sync
