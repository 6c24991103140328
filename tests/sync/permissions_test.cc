#include "sync/permissions.h"

#include <gtest/gtest.h>

namespace brs::sync {
namespace {

using Permission = v1::Multihost::Permission;

google::protobuf::RepeatedPtrField<Permission> Perms(
    std::initializer_list<std::pair<Permission::Type, std::vector<std::string>>> list) {
  google::protobuf::RepeatedPtrField<Permission> out;
  for (const auto& [type, scopes] : list) {
    Permission* p = out.Add();
    p->set_type(type);
    for (const auto& s : scopes) p->add_scopes(s);
  }
  return out;
}

TEST(PermissionSet, WildcardAndExclusions) {
  auto set = PermissionSet::FromProto(
      Perms({{Permission::PERMISSION_READ_OPERATIONS, {"*", "!repo:secret", "!plan:p9"}}}));
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->AllowsRepo(Permission::PERMISSION_READ_OPERATIONS, "r1"));
  EXPECT_FALSE(set->AllowsRepo(Permission::PERMISSION_READ_OPERATIONS, "secret"));
  EXPECT_TRUE(set->AllowsPlan(Permission::PERMISSION_READ_OPERATIONS, "p1"));
  EXPECT_FALSE(set->AllowsPlan(Permission::PERMISSION_READ_OPERATIONS, "p9"));
  EXPECT_FALSE(set->AllowsRepo(Permission::PERMISSION_READ_CONFIG, "r1"));
  EXPECT_TRUE(set->Has(Permission::PERMISSION_READ_OPERATIONS));
  EXPECT_FALSE(set->Has(Permission::PERMISSION_READ_CONFIG));
}

TEST(PermissionSet, ExplicitScopesOnly) {
  auto set = PermissionSet::FromProto(
      Perms({{Permission::PERMISSION_READ_CONFIG, {"repo:r1", "plan:p1"}}}));
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->CanViewRepo("r1"));
  EXPECT_FALSE(set->CanViewRepo("r2"));
  EXPECT_TRUE(set->CanViewPlan("p1"));
  EXPECT_FALSE(set->CanViewPlan("r1"));  // a repo scope is not a plan scope
}

TEST(PermissionSet, ExclusionBeatsExplicitInclusionAndOtherEntries) {
  auto set = PermissionSet::FromProto(
      Perms({{Permission::PERMISSION_READ_WRITE_CONFIG, {"repo:r1", "!repo:r1"}},
             {Permission::PERMISSION_READ_WRITE_CONFIG, {"*"}}}));
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(set->AllowsRepo(Permission::PERMISSION_READ_WRITE_CONFIG, "r1"));
  EXPECT_TRUE(set->AllowsRepo(Permission::PERMISSION_READ_WRITE_CONFIG, "r2"));
  EXPECT_TRUE(set->CanViewRepo("r2"));
}

TEST(PermissionSet, ScopelessGrantMatchesEverything) {
  auto set = PermissionSet::FromProto(Perms({{Permission::PERMISSION_RECEIVE_SHARED_REPOS, {}}}));
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(set->Has(Permission::PERMISSION_RECEIVE_SHARED_REPOS));
  EXPECT_TRUE(set->AllowsRepo(Permission::PERMISSION_RECEIVE_SHARED_REPOS, "anything"));
  EXPECT_TRUE(set->AllowsPlan(Permission::PERMISSION_RECEIVE_SHARED_REPOS, "anything"));
}

TEST(PermissionSet, EmptyGrantsNothingAndUnknownIgnored) {
  auto set = PermissionSet::FromProto(Perms({{Permission::PERMISSION_UNKNOWN, {"*"}}}));
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(set->Has(Permission::PERMISSION_UNKNOWN));
  EXPECT_FALSE(set->CanViewRepo("r"));
  PermissionSet none;
  EXPECT_FALSE(none.AllowsRepo(Permission::PERMISSION_READ_OPERATIONS, "r"));
}

TEST(PermissionSet, MalformedScopesRejected) {
  for (const char* bad : {"repo:", "plan:", "!repo:", "-repo:r1", "repos:r1", "", "**", "Repo:r"}) {
    auto set = PermissionSet::FromProto(Perms({{Permission::PERMISSION_READ_CONFIG, {bad}}}));
    EXPECT_FALSE(set.ok()) << "accepted \"" << bad << "\"";
    if (!set.ok()) {
      EXPECT_EQ(set.status().code(), Code::kInvalidArgument);
    }
  }
}

TEST(ParsePermissionFlag, Forms) {
  auto p = ParsePermissionFlag("read-operations");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type(), Permission::PERMISSION_READ_OPERATIONS);
  EXPECT_EQ(p->scopes_size(), 0);

  p = ParsePermissionFlag("READ_WRITE_CONFIG:repo:r1,!plan:p2,*");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type(), Permission::PERMISSION_READ_WRITE_CONFIG);
  ASSERT_EQ(p->scopes_size(), 3);
  EXPECT_EQ(p->scopes(0), "repo:r1");
  EXPECT_EQ(p->scopes(1), "!plan:p2");
  EXPECT_EQ(p->scopes(2), "*");

  p = ParsePermissionFlag("PERMISSION_RECEIVE_SHARED_REPOS");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type(), Permission::PERMISSION_RECEIVE_SHARED_REPOS);
  EXPECT_TRUE(ParsePermissionFlag("read-config:*").ok());
}

TEST(ParsePermissionFlag, Rejects) {
  for (const char* bad : {"", "write", "read-config:", "read-config:repo:", "read-config:r1",
                          "read-config:repo:a,,plan:b", "read-config:repo:a,"}) {
    auto p = ParsePermissionFlag(bad);
    EXPECT_FALSE(p.ok()) << "accepted \"" << bad << "\"";
  }
}

}  // namespace
}  // namespace brs::sync
