// `ops add` input: one protobuf-JSON Operation or JSON Lines.
#include "app/op_input.h"

#include <gtest/gtest.h>

namespace brs::app {
namespace {

OpInputOptions Opts() {
  OpInputOptions o;
  o.source = "ops.jsonl";
  o.instance_id = "me";
  o.now_ms = 1'700'000'000'000;
  return o;
}

const char* kOp = R"({"repoId":"r","repoGuid":"g","planId":"p","status":"STATUS_SUCCESS"})";

TEST(OpInput, OneObjectOverManyLines) {
  auto ops = ParseOperationsInput(
      "{\n  \"repoId\": \"r\",\n  \"repoGuid\": \"g\",\n"
      "  \"planId\": \"p\", \"id\": \"77\", \"modno\": \"3\"\n}\n",
      Opts());
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  ASSERT_EQ(ops->size(), 1u);
  const auto& op = (*ops)[0];
  EXPECT_EQ(op.instance_id(), "me");                      // filled in
  EXPECT_EQ(op.unix_time_start_ms(), 1'700'000'000'000);  // filled in
  EXPECT_EQ(op.id(), 0);                                  // the store assigns IDs
  EXPECT_EQ(op.modno(), 0);
}

TEST(OpInput, JsonLinesKeepOwnValuesAndSkipBlankLines) {
  std::string text = std::string(kOp) + "\n\n" +
                     R"({"repoId":"r2","repoGuid":"g","planId":"p","instanceId":"other",)"
                     R"("unixTimeStartMs":"5","flowId":"9"})" +
                     "\r\n";
  auto ops = ParseOperationsInput(text, Opts());
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[1].repo_id(), "r2");
  EXPECT_EQ((*ops)[1].instance_id(), "other");
  EXPECT_EQ((*ops)[1].unix_time_start_ms(), 5);
  EXPECT_EQ((*ops)[1].flow_id(), 9);
}

TEST(OpInput, ErrorsNameTheLine) {
  struct Case {
    std::string text, want;
  } cases[] = {
      {std::string(kOp) + "\n{\"repoId\": 12,,}\n", "ops.jsonl:2: not a v1.Operation"},
      {std::string(kOp) + "\n\n{\"nope\":1}\n", "ops.jsonl:3: not a v1.Operation"},
      {std::string(kOp) + "\n" + R"({"repoId":"r","planId":"p"})",
       "ops.jsonl:2: repo_guid is required"},
      {R"({"repoGuid":"g","planId":"p"})", "ops.jsonl:1: repo_id is required"},
      {"\n\n" + std::string(R"({"repoGuid":"g","repoId":"r"})"),
       "ops.jsonl:3: plan_id is required"},
      {R"({"repoId":"r","repoGuid":"g","planId":"p","originalInstanceKeyid":"k"})",
       "originalInstanceKeyid"},
      {std::string(kOp) + "\n" +
           R"({"repoId":"r","repoGuid":"g","planId":"p","snapshotId":"deadbeef"})",
       "ops.jsonl:2: snapshot_id is invalid: must be 64 characters"},
      {"", "no operations"},
      {" \n \n", "no operations"},
      {"[" + std::string(kOp) + "]", "ops.jsonl:1"},
  };
  for (const auto& c : cases) {
    auto ops = ParseOperationsInput(c.text, Opts());
    ASSERT_FALSE(ops.ok()) << c.text;
    EXPECT_NE(ops.status().message().find(c.want), std::string::npos)
        << c.text << " -> " << ops.status().message();
  }
}

TEST(OpInput, NoInstanceAnywhereIsAnError) {
  OpInputOptions o = Opts();
  o.instance_id.clear();
  auto ops = ParseOperationsInput(kOp, o);
  ASSERT_FALSE(ops.ok());
  EXPECT_NE(ops.status().message().find("instance_id is required"), std::string::npos);
}

TEST(OpInput, UpdatesAreWholeOpsWithAnIdAndNothingFilledIn) {
  OpInputOptions o = Opts();
  o.update = true;
  const std::string full =
      R"({"id":"5","modno":"9","flowId":"5","repoId":"r","repoGuid":"g","planId":"p",)"
      R"("instanceId":"me","unixTimeStartMs":"7"})";
  auto ops = ParseOperationsInput(full, o);
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  EXPECT_EQ((*ops)[0].id(), 5);
  EXPECT_EQ((*ops)[0].modno(), 0);  // the store bumps it
  struct Case {
    std::string text, want;
  } cases[] = {
      {kOp, "ops.jsonl:1: id is required"},
      {R"({"id":"5","repoId":"r","repoGuid":"g","planId":"p","instanceId":"me",)"
       R"("unixTimeStartMs":"7"})",
       "ops.jsonl:1: flow_id is required"},
      {R"({"id":"5","flowId":"5","repoId":"r","repoGuid":"g","planId":"p"})",
       "ops.jsonl:1: instance_id is required"},
      {R"({"id":"5","flowId":"5","repoId":"r","repoGuid":"g","planId":"p","instanceId":"me",)"
       R"("unixTimeStartMs":"7","snapshotId":"abc"})",
       "snapshot_id is invalid"},
  };
  for (const auto& c : cases) {
    auto bad = ParseOperationsInput(c.text, o);
    ASSERT_FALSE(bad.ok()) << c.text;
    EXPECT_NE(bad.status().message().find(c.want), std::string::npos) << bad.status().message();
  }
}

}  // namespace
}  // namespace brs::app
