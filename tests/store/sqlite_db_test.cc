#include "store/sqlite_db.h"

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::TempDir;

int64_t QueryInt(SqliteDb& db, const std::string& sql) {
  auto st = db.Prepare(sql);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  Status s;
  int64_t v = -1;
  if (st->Step(&s)) v = st->ColumnInt(0);
  EXPECT_TRUE(s.ok());
  return v;
}

TEST(SqliteDbTest, OpensInWalWithFullSync) {
  TempDir dir;
  auto db = std::move(SqliteDb::Open(dir.File("a/b/x.db"))).value();
  auto st = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(st.ok());
  Status s;
  ASSERT_TRUE(st->Step(&s));
  EXPECT_EQ(st->ColumnText(0), "wal");
  EXPECT_EQ(QueryInt(*db, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(QueryInt(*db, "PRAGMA foreign_keys"), 1);
}

TEST(SqliteDbTest, MigrationsApplyOnceInOrderAndAtomically) {
  TempDir dir;
  const std::string path = dir.File("m.db");
  const Migration v2[] = {
      {1, "CREATE TABLE t (a INTEGER)"},
      {2, "ALTER TABLE t ADD COLUMN b INTEGER DEFAULT 7; INSERT INTO t(a) VALUES (1)"},
  };
  {
    auto db = std::move(SqliteDb::Open(path)).value();
    ASSERT_TRUE(ApplyMigrations(*db, "comp", v2, 2).ok());
    ASSERT_TRUE(ApplyMigrations(*db, "comp", v2, 2).ok());  // idempotent
    EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM t"), 1);
    EXPECT_EQ(QueryInt(*db, "SELECT version FROM schema_version WHERE component = 'comp'"), 2);
  }
  // A failing third step leaves the database at version 2, untouched.
  const Migration v3_bad[] = {
      v2[0],
      v2[1],
      {3, "INSERT INTO t(a) VALUES (2); CREATE TABLE broken (("},
  };
  auto db = std::move(SqliteDb::Open(path)).value();
  Status s = ApplyMigrations(*db, "comp", v3_bad, 3);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("migration to version 3"), std::string::npos) << s.message();
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM t"), 1);
  EXPECT_EQ(QueryInt(*db, "SELECT version FROM schema_version WHERE component = 'comp'"), 2);
  const Migration v3[] = {v2[0], v2[1], {3, "INSERT INTO t(a) VALUES (3)"}};
  ASSERT_TRUE(ApplyMigrations(*db, "comp", v3, 3).ok());
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM t"), 2);
  // Another component has its own version.
  const Migration other[] = {{1, "CREATE TABLE u (x)"}};
  ASSERT_TRUE(ApplyMigrations(*db, "other", other, 1).ok());
  EXPECT_EQ(QueryInt(*db, "SELECT version FROM schema_version WHERE component = 'comp'"), 3);
}

TEST(SqliteDbTest, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  auto db = std::move(SqliteDb::Open(dir.File("t.db"))).value();
  ASSERT_TRUE(db->Exec("CREATE TABLE t (a)").ok());
  {
    Transaction tx(*db);
    ASSERT_TRUE(tx.BeginImmediate().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM t"), 0);
  {
    Transaction tx(*db);
    ASSERT_TRUE(tx.BeginImmediate().ok());
    ASSERT_TRUE(db->Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  EXPECT_EQ(QueryInt(*db, "SELECT COUNT(*) FROM t"), 1);
  EXPECT_FALSE(db->Exec("SELECT * FROM missing_table").ok());
}

}  // namespace
}  // namespace brs::store
