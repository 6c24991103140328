// OplogStore::ScanGroups: every group once, its ops newest first, read only
// as far as the caller asks.
#include <gtest/gtest.h>

#include <map>

#include "store/oplog_store.h"
#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::MakeOp;
using testing::MakeRemoteOp;
using testing::TempDir;

TEST(OplogGroups, EveryGroupWithItsOpsNewestFirst) {
  TempDir dir;
  auto store = OplogStore::Open({dir.File("oplog.sqlite")});
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::vector<v1::Operation> local = {MakeOp("daily"), MakeOp("weekly"), MakeOp("daily"),
                                      MakeOp("daily", "repo2")};
  ASSERT_TRUE((*store)->Add(local).ok());
  ASSERT_TRUE(
      (*store)
          ->UpsertSynced("KEY1", {MakeRemoteOp(7, 7, 1, "daily"), MakeRemoteOp(9, 9, 1, "daily")})
          .ok());

  std::map<std::string, std::vector<int64_t>> seen;  // "keyid/instance/repo/plan" -> ids
  ASSERT_TRUE((*store)
                  ->ScanGroups([&](const OpGroup& g, GroupOpReader& ops) {
                    auto& ids = seen[g.original_instance_keyid + "/" + g.instance_id + "/" +
                                     g.repo_id + "/" + g.plan_id];
                    EXPECT_TRUE(ids.empty()) << "group listed twice";
                    EXPECT_EQ(g.repo_guid, "guid-" + g.repo_id);
                    v1::Operation op;
                    while (ops.Next(&op)) ids.push_back(op.id());
                    EXPECT_FALSE(ops.Next(&op));  // stays at the end
                    return true;
                  })
                  .ok());
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen["/inst-a/repo1/daily"], (std::vector<int64_t>{local[2].id(), local[0].id()}));
  EXPECT_EQ(seen["/inst-a/repo1/weekly"], (std::vector<int64_t>{local[1].id()}));
  EXPECT_EQ(seen["/inst-a/repo2/daily"], (std::vector<int64_t>{local[3].id()}));
  ASSERT_EQ(seen["KEY1/client-inst/repo1/daily"].size(), 2u);
  EXPECT_GT(seen["KEY1/client-inst/repo1/daily"][0], seen["KEY1/client-inst/repo1/daily"][1]);
}

TEST(OplogGroups, ReadsOnlyWhatIsAskedAndStopsWhenToldTo) {
  TempDir dir;
  auto store = OplogStore::Open({dir.File("oplog.sqlite")});
  ASSERT_TRUE(store.ok());
  std::vector<v1::Operation> ops = {MakeOp("a"), MakeOp("a"), MakeOp("a"), MakeOp("b")};
  ASSERT_TRUE((*store)->Add(ops).ok());
  int groups = 0;
  ASSERT_TRUE((*store)
                  ->ScanGroups([&](const OpGroup& g, GroupOpReader& reader) {
                    ++groups;
                    v1::Operation op;
                    EXPECT_TRUE(reader.Next(&op));
                    EXPECT_EQ(g.plan_id, "a");
                    EXPECT_EQ(op.id(), ops[2].id());  // the newest only
                    return false;
                  })
                  .ok());
  EXPECT_EQ(groups, 1);
}

}  // namespace
}  // namespace brs::store
