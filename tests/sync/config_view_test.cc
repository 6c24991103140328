#include "sync/config_view.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace brs::sync {
namespace {

using Permission = v1::Multihost::Permission;
using SetConfig = v1sync::SyncStreamItem::SyncActionSetConfig;

template <typename M>
M Parse(const char* text) {
  M m;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &m)) << text;
  return m;
}

PermissionSet Perms(const char* text) {
  auto peer = Parse<v1::Multihost::Peer>(text);
  auto set = PermissionSet::FromProto(peer.permissions());
  EXPECT_TRUE(set.ok());
  return *set;
}

v1::Config HubConfig() {
  return Parse<v1::Config>(R"pb(
    instance: "hub"
    modno: 5
    version: 4
    repos { id: "r1" guid: "g1" uri: "/r1" shared: true }
    repos { id: "r2" guid: "g2" uri: "/r2" }
    repos { id: "r3" guid: "g3" uri: "/r3" shared: true }
    plans { id: "p1" repo: "r1" }
    plans { id: "p2" repo: "r2" }
  )pb");
}

TEST(RemoteConfigFor, OnlyViewableReposAndPlans) {
  auto perms = Perms(R"pb(
    permissions { type: PERMISSION_READ_CONFIG scopes: "repo:r1" scopes: "plan:p2" }
    permissions { type: PERMISSION_READ_OPERATIONS scopes: "*" }
  )pb");
  auto rc = RemoteConfigFor(HubConfig(), perms);
  EXPECT_EQ(rc.modno(), 5);
  EXPECT_EQ(rc.version(), 4);
  ASSERT_EQ(rc.repos_size(), 1);
  EXPECT_EQ(rc.repos(0).id(), "r1");
  ASSERT_EQ(rc.plans_size(), 1);
  EXPECT_EQ(rc.plans(0).id(), "p2");
}

TEST(ResourcesFor, ListsByGivenTypes) {
  auto perms = Perms(R"pb(
    permissions { type: PERMISSION_READ_OPERATIONS scopes: "repo:r2" }
    permissions { type: PERMISSION_READ_WRITE_CONFIG scopes: "plan:p1" }
  )pb");
  auto hub_view =
      ResourcesFor(HubConfig(), perms,
                   {Permission::PERMISSION_READ_CONFIG, Permission::PERMISSION_READ_WRITE_CONFIG});
  EXPECT_EQ(hub_view.repos_size(), 0);
  ASSERT_EQ(hub_view.plans_size(), 1);
  auto client_view =
      ResourcesFor(HubConfig(), perms,
                   {Permission::PERMISSION_READ_OPERATIONS, Permission::PERMISSION_READ_CONFIG,
                    Permission::PERMISSION_READ_WRITE_CONFIG});
  ASSERT_EQ(client_view.repos_size(), 1);
  EXPECT_EQ(client_view.repos(0).id(), "r2");
  EXPECT_EQ(client_view.repos(0).guid(), "g2");
  EXPECT_EQ(client_view.plans_size(), 1);
}

TEST(SharedReposFor, SharedAndPermittedWithOrigin) {
  auto scoped = Perms(R"pb(permissions {
                             type: PERMISSION_RECEIVE_SHARED_REPOS
                             scopes: "!repo:r3"
                             scopes: "*"
                           })pb");
  auto repos = SharedReposFor(HubConfig(), scoped);
  ASSERT_EQ(repos.size(), 1u);
  EXPECT_EQ(repos[0].id(), "r1");
  EXPECT_EQ(repos[0].origin_instance_id(), "hub");
  auto scopeless = Perms(R"pb(permissions { type: PERMISSION_RECEIVE_SHARED_REPOS })pb");
  EXPECT_EQ(SharedReposFor(HubConfig(), scopeless).size(), 2u);
  EXPECT_TRUE(SharedReposFor(HubConfig(), Perms("")).empty());
}

v1::Config ClientConfig() {
  return Parse<v1::Config>(R"pb(
    instance: "laptop"
    modno: 1
    repos { id: "local" guid: "gl" uri: "/local" }
    repos { id: "mine" guid: "gm" uri: "/mine" origin_instance_id: "hub" }
    plans { id: "daily" repo: "local" }
  )pb");
}

TEST(ApplySetConfig, SharedRepoAcceptedNewAndOwned) {
  auto perms = Perms(
      R"pb(permissions { type: PERMISSION_RECEIVE_SHARED_REPOS scopes: "repo:unrelated" })pb");
  auto cfg = ClientConfig();
  auto item = Parse<SetConfig>(R"pb(
    repos { id: "shared" guid: "gs" uri: "/shared" origin_instance_id: "hub" }
    repos { id: "mine" guid: "gm" uri: "/mine2" origin_instance_id: "hub" }
  )pb");
  SetConfigReport report;
  ASSERT_TRUE(ApplySetConfig(item, perms, "hub", &cfg, &report).ok());
  EXPECT_TRUE(report.changed);
  EXPECT_EQ(report.repos_new, (std::vector<std::string>{"shared"}));
  EXPECT_EQ(report.repos_updated, (std::vector<std::string>{"mine"}));
  ASSERT_EQ(cfg.repos_size(), 3);
  EXPECT_EQ(cfg.repos(1).uri(), "/mine2");
  EXPECT_EQ(cfg.repos(2).id(), "shared");
  EXPECT_EQ(cfg.modno(), 1) << "modno is the caller's transaction's job";
}

TEST(ApplySetConfig, RefusalAppliesNothing) {
  auto perms = Perms(R"pb(permissions { type: PERMISSION_RECEIVE_SHARED_REPOS })pb");
  const auto before = ClientConfig();
  auto cfg = before;
  // The first repo would be accepted, the second (a local repo not owned by
  // the hub, no write permission) is refused: nothing may be applied.
  auto item = Parse<SetConfig>(R"pb(
    repos { id: "shared" guid: "gs" uri: "/shared" }
    repos { id: "local" guid: "gl" uri: "/evil" }
  )pb");
  SetConfigReport report;
  Status s = ApplySetConfig(item, perms, "hub", &cfg, &report);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(cfg, before));
  // The report names the entry that was refused, with the reason.
  EXPECT_EQ(report.refusal.kind, SetConfigRefusal::Kind::kRepo);
  EXPECT_EQ(report.refusal.id, "local");
  EXPECT_EQ(report.refusal.guid, "gl");
  EXPECT_EQ(s.message(), "host may not change repo \"local\"");
  EXPECT_EQ(report.refusal.Reason(), s.message());
  EXPECT_TRUE(report.repos_new.empty());

  auto plan_item = Parse<SetConfig>(R"pb(plans { id: "daily" repo: "x" })pb");
  EXPECT_EQ(ApplySetConfig(plan_item, perms, "hub", &cfg, nullptr).code(), Code::kPermissionDenied);
  auto del_item = Parse<SetConfig>(R"pb(repos_to_delete: "local")pb");
  SetConfigReport del_report;
  EXPECT_EQ(ApplySetConfig(del_item, perms, "hub", &cfg, &del_report).code(),
            Code::kPermissionDenied);
  EXPECT_EQ(del_report.refusal.kind, SetConfigRefusal::Kind::kDeleteRepo);
  EXPECT_EQ(del_report.refusal.Reason(), "host may not delete repo \"local\"");
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(cfg, before));
}

TEST(ApplySetConfig, SharedRepoFromAnotherHubIsRefused) {
  auto perms = Perms(R"pb(permissions { type: PERMISSION_RECEIVE_SHARED_REPOS })pb");
  auto cfg = ClientConfig();
  auto item = Parse<SetConfig>(R"pb(repos { id: "mine" guid: "gm" uri: "/mine" })pb");
  EXPECT_EQ(ApplySetConfig(item, perms, "other-hub", &cfg, nullptr).code(),
            Code::kPermissionDenied);
}

TEST(ApplySetConfig, ClashingNewRepoSkipped) {
  auto perms = Perms(R"pb(permissions { type: PERMISSION_RECEIVE_SHARED_REPOS })pb");
  auto cfg = ClientConfig();
  auto item = Parse<SetConfig>(R"pb(
    repos { id: "local" guid: "new-guid-1" uri: "/elsewhere" }
    repos { id: "other" guid: "new-guid-2" uri: "/local" }
  )pb");
  SetConfigReport report;
  ASSERT_TRUE(ApplySetConfig(item, perms, "hub", &cfg, &report).ok());
  EXPECT_FALSE(report.changed);
  EXPECT_EQ(report.repos_skipped, (std::vector<std::string>{"local", "other"}));
  EXPECT_EQ(cfg.repos_size(), 2);
}

TEST(ApplySetConfig, ReadWriteConfigCoversPlansAndDeletes) {
  auto perms = Perms(
      R"pb(permissions { type: PERMISSION_READ_WRITE_CONFIG scopes: "*" scopes: "!plan:keep" })pb");
  auto cfg = ClientConfig();
  auto item = Parse<SetConfig>(R"pb(
    plans { id: "daily" repo: "local" paths: "/home" }
    plans { id: "weekly" repo: "local" }
    repos { id: "local" guid: "gl" uri: "/local" flags: "-v" }
    plans_to_delete: "absent"
    repos_to_delete: "mine"
  )pb");
  SetConfigReport report;
  ASSERT_TRUE(ApplySetConfig(item, perms, "hub", &cfg, &report).ok());
  EXPECT_TRUE(report.changed);
  EXPECT_EQ(report.plans_updated, (std::vector<std::string>{"daily"}));
  EXPECT_EQ(report.plans_new, (std::vector<std::string>{"weekly"}));
  EXPECT_EQ(report.repos_updated, (std::vector<std::string>{"local"}));
  EXPECT_EQ(report.repos_deleted, (std::vector<std::string>{"mine"}));
  EXPECT_TRUE(report.plans_deleted.empty()) << "\"absent\" was not there";
  EXPECT_EQ(cfg.plans_size(), 2);
  EXPECT_EQ(cfg.repos_size(), 1);
  EXPECT_EQ(cfg.plans(0).paths(0), "/home");

  auto keep = Parse<SetConfig>(R"pb(plans { id: "keep" })pb");
  EXPECT_EQ(ApplySetConfig(keep, perms, "hub", &cfg, nullptr).code(), Code::kPermissionDenied);
}

TEST(ApplySetConfig, UnchangedIsNotAChange) {
  auto perms = Perms(R"pb(permissions { type: PERMISSION_READ_WRITE_CONFIG })pb");
  auto cfg = ClientConfig();
  auto item = Parse<SetConfig>(R"pb(plans { id: "daily" repo: "local" })pb");
  SetConfigReport report;
  ASSERT_TRUE(ApplySetConfig(item, perms, "hub", &cfg, &report).ok());
  EXPECT_FALSE(report.changed);
}

TEST(ForwardFilter, OnlyOwnOpsInPermittedReposOrPlans) {
  auto cfg = ClientConfig();
  cfg.add_repos()->CopyFrom(Parse<v1::Repo>(R"pb(id: "noguid" uri: "/ng")pb"));
  auto perms = Perms(R"pb(
    permissions {
      type: PERMISSION_READ_OPERATIONS
      scopes: "repo:local"
      scopes: "repo:noguid"
      scopes: "plan:daily"
    }
  )pb");
  ForwardFilter f(cfg, perms);
  auto op = Parse<v1::Operation>(R"pb(instance_id: "laptop" repo_guid: "gl")pb");
  EXPECT_TRUE(f.CanForward(op));
  op.set_repo_guid("gm");
  EXPECT_FALSE(f.CanForward(op));
  op.set_plan_id("daily");
  EXPECT_TRUE(f.CanForward(op));
  op.set_instance_id("someone-else");
  EXPECT_FALSE(f.CanForward(op));
  op.set_instance_id("laptop");
  op.set_original_instance_keyid("ed25519.x");
  EXPECT_FALSE(f.CanForward(op));
  // A repo without a GUID must not make GUID-less ops forwardable.
  EXPECT_FALSE(f.CanForward("", "laptop", "", ""));
}

}  // namespace
}  // namespace brs::sync
