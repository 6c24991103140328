// `restic snapshots --json` → index-snapshot operations, as Backrest's
// indexSnapshotsHelper builds them.
#include "app/restic_import.h"

#include <gtest/gtest.h>

namespace brs::app {
namespace {

const std::string kId1 = "3f8b1a9e0c4d2b7f6e5a4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918abc";
const std::string kId2 = "0000000000000000000000000000000000000000000000000000000000000001";

// Restic 0.17-style output with a summary, and 0.14-style without one.
std::string Snapshots() {
  return R"([
  {"time":"2024-03-01T10:20:30.123456789+01:00","parent":"aa","tree":"bb",
   "paths":["/home/u","/etc"],"hostname":"laptop","username":"u","uid":1000,"gid":1000,
   "tags":["plan:nightly","created-by:laptop-backrest","extra"],
   "program_version":"restic 0.17.0",
   "summary":{"backup_start":"2024-03-01T10:20:30.5+01:00",
              "backup_end":"2024-03-01T10:21:00.75+01:00","files_new":3,"files_changed":1,
              "files_unmodified":7,"dirs_new":1,"dirs_changed":2,"dirs_unmodified":3,
              "data_blobs":4,"tree_blobs":5,"data_added":12345,"data_added_packed":999,
              "total_files_processed":11,"total_bytes_processed":67890},
   "id":")" +
         kId1 + R"(","short_id":"3f8b1a9e"},
  {"time":"2024-03-02T00:00:00Z","tree":"cc","paths":["/srv"],"hostname":"h","username":"root",
   "id":")" +
         kId2 + R"(","short_id":"00000000"}
])";
}

TEST(ResticImport, BuildsIndexSnapshotOpsAsBackrestDoes) {
  ResticImportOptions o{"repo1", "guid1", "", "this-host"};
  auto ops = ParseResticSnapshots(Snapshots(), o);
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  ASSERT_EQ(ops->size(), 2u);
  const v1::Operation& a = (*ops)[0];
  EXPECT_EQ(a.repo_id(), "repo1");
  EXPECT_EQ(a.repo_guid(), "guid1");
  EXPECT_EQ(a.plan_id(), "nightly");              // from the plan: tag
  EXPECT_EQ(a.instance_id(), "laptop-backrest");  // from the created-by: tag
  EXPECT_EQ(a.snapshot_id(), kId1);
  EXPECT_EQ(a.status(), v1::STATUS_SUCCESS);
  // 2024-03-01T09:20:30.123Z, fraction truncated to milliseconds.
  EXPECT_EQ(a.unix_time_start_ms(), 1709284830123);
  EXPECT_EQ(a.unix_time_end_ms(), 1709284830123 + 30250);  // + backup duration
  ASSERT_TRUE(a.has_operation_index_snapshot());
  const auto& s = a.operation_index_snapshot().snapshot();
  EXPECT_EQ(s.id(), kId1);
  EXPECT_EQ(s.unix_time_ms(), 1709284830123);
  EXPECT_EQ(s.hostname(), "laptop");
  EXPECT_EQ(s.username(), "u");
  EXPECT_EQ(s.tree(), "bb");
  EXPECT_EQ(s.parent(), "aa");
  ASSERT_EQ(s.paths_size(), 2);
  EXPECT_EQ(s.paths(1), "/etc");
  ASSERT_EQ(s.tags_size(), 3);
  EXPECT_EQ(s.summary().files_new(), 3);
  EXPECT_EQ(s.summary().files_changed(), 1);
  EXPECT_EQ(s.summary().files_unmodified(), 7);
  EXPECT_EQ(s.summary().dirs_new(), 1);
  EXPECT_EQ(s.summary().dirs_changed(), 2);
  EXPECT_EQ(s.summary().dirs_unmodified(), 3);
  EXPECT_EQ(s.summary().data_blobs(), 4);
  EXPECT_EQ(s.summary().tree_blobs(), 5);
  EXPECT_EQ(s.summary().data_added(), 12345);
  EXPECT_EQ(s.summary().total_files_processed(), 11);
  EXPECT_EQ(s.summary().total_bytes_processed(), 67890);
  EXPECT_DOUBLE_EQ(s.summary().total_duration(), 30.25);

  const v1::Operation& b = (*ops)[1];
  EXPECT_EQ(b.plan_id(), "_unassociated_");  // no tag, no --plan
  EXPECT_EQ(b.instance_id(), "this-host");   // no created-by: tag
  EXPECT_EQ(b.unix_time_start_ms(), 1709337600000);
  EXPECT_EQ(b.unix_time_end_ms(), b.unix_time_start_ms());
  EXPECT_TRUE(b.operation_index_snapshot().snapshot().has_summary());  // zero, as Backrest
}

TEST(ResticImport, PlanFlagIsTheFallbackForUntaggedSnapshots) {
  ResticImportOptions o{"repo1", "guid1", "daily", "me"};
  auto ops = ParseResticSnapshots(Snapshots(), o);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ((*ops)[0].plan_id(), "nightly");
  EXPECT_EQ((*ops)[1].plan_id(), "daily");
}

// A fuzz finding: a count beyond int64's range was cast from double
// (undefined behaviour); it now reads as absent, like a non-number.
TEST(ResticImport, CountsOutsideInt64ReadAsZero) {
  auto ops = ParseResticSnapshots(R"([{"id":")" + kId2 + R"(","time":"2024-03-02T00:00:00Z",
      "summary":{"files_new":1e300,"files_changed":-1e300,"dirs_new":9223372036854775808,
                 "data_blobs":4}}])",
                                  {"r", "g", "", "i"});
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  const auto& s = (*ops)[0].operation_index_snapshot().snapshot();
  EXPECT_EQ(s.summary().files_new(), 0);
  EXPECT_EQ(s.summary().files_changed(), 0);
  EXPECT_EQ(s.summary().dirs_new(), 0);
  EXPECT_EQ(s.summary().data_blobs(), 4);
}

TEST(ResticImport, EmptyArrayIsNoOps) {
  auto ops = ParseResticSnapshots("[]", {"r", "g", "", "i"});
  ASSERT_TRUE(ops.ok());
  EXPECT_TRUE(ops->empty());
}

TEST(ResticImport, RefusesWhatIsNotSnapshotsNamingTheSnapshot) {
  ResticImportOptions o{"r", "g", "", "i"};
  const std::string t = R"("time":"2024-03-02T00:00:00Z")";
  struct Case {
    std::string json, want;
  } cases[] = {
      {"not json", "restic snapshots --json"},
      {"{}", "restic snapshots --json"},
      {"[1]", "snapshot #0 is not an object"},
      {"[{" + t + "}]", "snapshot #0: \"id\" must be"},
      {"[{" + t + R"(,"id":"abc"}])", "snapshot #0: \"id\" must be"},
      {"[{" + t + R"(,"id":")" + kId1 + R"("},{"id":")" + kId2 + R"(","time":"yesterday"}])",
       "snapshot #1: not an RFC 3339 time"},
      {R"([{"id":")" + kId2 + R"(","time":"2024-13-02T00:00:00Z"}])", "not a valid date"},
      {R"([{"id":")" + kId2 + R"(","time":"2024-02-30T00:00:00Z"}])", "not a valid date"},
      {R"([{"id":")" + kId2 + R"(","time":"2024-02-01T00:00:00+0100"}])", "zone"},
      {R"([{"id":")" + std::string(64, 'G') + R"(","time":"2024-02-01T00:00:00Z"}])", "\"id\""},
  };
  for (const auto& c : cases) {
    auto ops = ParseResticSnapshots(c.json, o);
    ASSERT_FALSE(ops.ok()) << c.json;
    EXPECT_NE(ops.status().message().find(c.want), std::string::npos)
        << c.json << " -> " << ops.status().message();
  }
}

TEST(Rfc3339, FractionsAndZones) {
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseRfc3339Millis("1969-12-31T19:00:00.999999-05:00"), 999);
  EXPECT_EQ(*ParseRfc3339Millis("2024-02-29T12:00:00z"), 1709208000000);
  EXPECT_FALSE(ParseRfc3339Millis("").ok());
  EXPECT_FALSE(ParseRfc3339Millis("2024-02-29").ok());
  EXPECT_FALSE(ParseRfc3339Millis("2024-02-29T12:00:00Zjunk").ok());
  EXPECT_FALSE(ParseRfc3339Millis("2024-02-29T25:00:00Z").ok());
}

TEST(ResticConfig, RepositoryIdIsTheGuid) {
  auto id = ParseResticConfigId(R"({"version":2,"id":")" + kId1 +
                                R"(","chunker_polynomial":"3a0c9bc3c4ae4b"})");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(*id, kId1);
  EXPECT_FALSE(ParseResticConfigId(R"({"version":2})").ok());
  EXPECT_FALSE(ParseResticConfigId(R"({"id":"short"})").ok());
  EXPECT_FALSE(ParseResticConfigId("[]").ok());
}

}  // namespace
}  // namespace brs::app
