// The SQL built for OpQuery, without a database: which clauses, in which
// order, with which arguments (the planner-relevant choices included).
#include "store/oplog_query.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace brs::store {
namespace {

constexpr char kFrom[] = " FROM operations o CROSS JOIN op_groups g ON g.ogid = o.ogid";

std::vector<SqlArg> Args(std::initializer_list<SqlArg> args) { return args; }

TEST(OplogQueryTest, EmptyQueryOrdersByIdWithoutLimit) {
  SqlWithArgs s = OpsSql(OpColumns::kIdAndBytes, OpQuery{}, nullptr);
  EXPECT_EQ(s.sql, std::string("SELECT o.id, o.operation") + kFrom +
                       " WHERE 1=1 ORDER BY o.id ASC LIMIT ? OFFSET ?");
  EXPECT_EQ(s.args, Args({int64_t{-1}, int64_t{0}}));  // no limit, no offset
}

TEST(OplogQueryTest, ColumnFiltersPagingAndReverse) {
  OpQuery q;
  q.flow_id = 7;
  q.id_lt = 100;
  q.modno_gte = 3;
  q.status = 4;
  q.start_time_ms_gte = 10;
  q.start_time_ms_lt = 20;
  q.snapshot_id = "snap";
  q.limit = 5;
  q.offset = -2;  // a negative offset counts as none
  q.reversed = true;
  SqlWithArgs s = OpsSql(OpColumns::kIdAndBytes, q, nullptr);
  EXPECT_EQ(s.sql, std::string("SELECT o.id, o.operation") + kFrom +
                       " WHERE 1=1 AND o.flow_id = ? AND o.id < ? AND o.modno >= ?"
                       " AND o.status = ? AND o.start_time_ms >= ? AND o.start_time_ms < ?"
                       " AND o.snapshot_id = ? ORDER BY o.id DESC LIMIT ? OFFSET ?");
  EXPECT_EQ(s.args, Args({int64_t{7}, int64_t{100}, int64_t{3}, int64_t{4}, int64_t{10},
                          int64_t{20}, std::string("snap"), int64_t{5}, int64_t{0}}));
}

TEST(OplogQueryTest, GroupColumnsSelectGroupsFirst) {
  OpQuery q;
  EXPECT_FALSE(HasGroupFilter(q));
  q.repo_id = "repo1";
  q.plan_id = "plan1";
  EXPECT_TRUE(HasGroupFilter(q));
  SqlWithArgs g = GroupsSql(q);
  EXPECT_EQ(g.sql,
            "SELECT ogid FROM op_groups WHERE 1=1 AND repo_id = ? AND plan_id = ?"
            " ORDER BY ogid");
  EXPECT_EQ(g.args, Args({std::string("repo1"), std::string("plan1")}));
  // The group columns themselves are not repeated on operations.
  std::vector<int64_t> one = {9};
  SqlWithArgs s = OpsSql(OpColumns::kCount, q, &one);
  EXPECT_EQ(s.sql, std::string("SELECT COUNT(*)") + kFrom + " WHERE 1=1 AND o.ogid = ?");
  EXPECT_EQ(s.args, Args({int64_t{9}}));
}

TEST(OplogQueryTest, SeveralGroupsAreScannedInIdOrderNotThroughTheGroupIndex) {
  OpQuery q;
  q.instance_id = "inst";
  std::vector<int64_t> three = {1, 4, 6};
  SqlWithArgs s = OpsSql(OpColumns::kCount, q, &three);
  // "+o.ogid" keeps the planner off ops_group, so rows come in id order.
  EXPECT_EQ(s.sql, std::string("SELECT COUNT(*)") + kFrom + " WHERE 1=1 AND +o.ogid IN (?,?,?)");
  EXPECT_EQ(s.args, Args({int64_t{1}, int64_t{4}, int64_t{6}}));
}

TEST(OplogQueryTest, SyncedLookupNamesThePeerOnOperationsForItsIndex) {
  OpQuery q;
  q.original_instance_keyid = "ed25519.peer";
  q.original_id = 42;
  std::vector<int64_t> one = {3};
  SqlWithArgs s = OpsSql(OpColumns::kMetadata, q, &one);
  EXPECT_NE(s.sql.find(" WHERE 1=1 AND o.ogid = ? AND o.original_instance_keyid = ?"
                       " AND o.original_id = ? ORDER BY o.id ASC"),
            std::string::npos)
      << s.sql;
  EXPECT_EQ(s.args,
            Args({int64_t{3}, std::string("ed25519.peer"), int64_t{42}, int64_t{-1}, int64_t{0}}));
  // Without an original ID the peer is matched through its group only.
  q.original_id.reset();
  s = OpsSql(OpColumns::kMetadata, q, &one);
  EXPECT_EQ(s.sql.find("o.original_instance_keyid = ?"), std::string::npos) << s.sql;
}

}  // namespace
}  // namespace brs::store
