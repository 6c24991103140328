// `ops add | update | delete | list` with real processes: Backrest's op
// validation at every entry point (CLI with and without a daemon, the admin
// API), updates and deletes reaching a hub live and after being offline,
// and one listing order, paged through the daemon without a cap.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "app/admin_service.h"
#include "app/cli_test_util.h"
#include "app/daemon_link.h"
#include "brs/admin.pb.h"
#include "store/invalid_ops.h"

namespace {

using namespace brs::app::testing;
using brs::store::testing::InvalidOpCases;

// One op as a JSON line; `override` ("key":value) replaces or adds a field.
std::string OpLine(const std::string& message, const std::string& override = "") {
  std::map<std::string, std::string> f = {{"repoId", "\"repo1\""},
                                          {"repoGuid", "\"g-repo1\""},
                                          {"planId", "\"daily\""},
                                          {"status", "\"STATUS_SUCCESS\""},
                                          {"displayMessage", "\"" + message + "\""}};
  if (!override.empty()) {
    auto colon = override.find(':');
    f[override.substr(1, colon - 2)] = override.substr(colon + 1);
  }
  std::string out = "{";
  for (const auto& [k, v] : f) out += (out.size() > 1 ? ",\"" : "\"") + k + "\":" + v;
  return out + "}";
}

int CountOps(const TempDir& dir, const std::string& data) {
  return CountLines(Sh(dir, "$B ops list --json --data " + data).out);
}

// Every Backrest rule a user can break in `ops add` input is refused with
// the line and field, nothing stored: directly, through the daemon, and at
// the admin API itself (a client that skips the CLI's checks).
TEST(OpsEdit, InvalidOpsAreRefusedAtEveryEntryPoint) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d --instance me").code, 0);
  auto add_cases = [&](const std::string& mode) {
    for (const auto& c : InvalidOpCases()) {
      if (c.json.empty()) continue;  // filled in by `ops add` or assigned by the store
      Spit(dir.File("ops.jsonl"), OpLine("fine") + "\n" + OpLine("bad", c.json) + "\n");
      auto r = Sh(dir, "$B ops add --data d ops.jsonl");
      EXPECT_EQ(r.code, 1) << mode << " " << c.name;
      EXPECT_TRUE(Contains(r.err, "ops.jsonl:2: " + c.message)) << mode << " " << c.name << r.err;
      EXPECT_EQ(CountOps(dir, "d"), 0) << mode << " " << c.name;
    }
  };
  add_cases("direct");
  Serve serve(dir, "d");
  add_cases("daemon");

  Spit(dir.File("one.jsonl"), OpLine("kept") + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data d one.jsonl").code, 0);
  const std::string before = Sh(dir, "$B ops list --json --data d").out;
  v1::Operation stored;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(before, &stored).ok()) << before;
  auto link = brs::app::FindDaemon(brs::app::DataDir{dir.File("d")});
  ASSERT_TRUE(link.has_value());
  for (const auto& c : InvalidOpCases()) {
    if (!c.store_assigned) {
      v1::OperationList add;
      v1::Operation op = stored;
      op.set_id(0);
      op.set_modno(0);
      c.breaks(op);
      *add.add_operations() = op;
      auto r =
          link->client->Unary(brs::app::kAdminAddOps, add.SerializeAsString(), link->auth, 10'000);
      ASSERT_FALSE(r.ok()) << c.name;
      EXPECT_EQ(r.status().code(), brs::Code::kInvalidArgument) << c.name;
      EXPECT_TRUE(Contains(r.status().message(), "operation #1: " + c.message))
          << c.name << ": " << r.status().message();
    }
    if (c.name == "no modno") continue;  // an update is given the next modno
    v1::OperationList update;
    v1::Operation op = stored;
    c.breaks(op);
    *update.add_operations() = op;
    auto r = link->client->Unary(brs::app::kAdminUpdateOps, update.SerializeAsString(), link->auth,
                                 10'000);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_TRUE(Contains(r.status().message(), c.message)) << c.name << r.status().message();
  }
  EXPECT_EQ(Sh(dir, "$B ops list --json --data d").out, before) << "nothing changed";
  // And `ops import-restic`: a snapshot dated at the epoch has no start time.
  Spit(dir.File("snaps.json"), "[{\"id\":\"" + std::string(64, 'e') +
                                   "\",\"time\":\"1970-01-01T00:00:00Z\",\"paths\":[\"/x\"]}]");
  auto imp = Sh(dir, "$B ops import-restic --data d --repo repo1 snaps.json");
  EXPECT_EQ(imp.code, 1);
  EXPECT_TRUE(Contains(imp.err, "unix_time_start_ms must be non-zero")) << imp.err;
  EXPECT_EQ(Sh(dir, "$B ops list --json --data d").out, before);
  EXPECT_EQ(serve.Stop(), 0);
}

// The JSON line of the op with this ID at the hub ("" when absent), found
// by its original ID.
std::string AtHub(const TempDir& dir, int64_t original_id) {
  std::istringstream lines(Sh(dir, "$B ops list --json --data hub").out);
  for (std::string line; std::getline(lines, line);) {
    if (JsonField(line, "originalId") == std::to_string(original_id)) return line;
  }
  return "";
}

std::string Edited(const std::string& laptop_line, const std::string& message) {
  v1::Operation op;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(laptop_line, &op).ok()) << laptop_line;
  op.set_display_message(message);
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(op, &json).ok());
  return json;
}

TEST(OpsEdit, UpdatesAndDeletesReachTheHubLiveAndAfterBeingOffline) {
  TempDir dir;
  ASSERT_EQ(
      Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop").code,
      0);
  auto hub = std::make_unique<Serve>(dir, "hub");
  const std::string addr = hub->address();
  auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_EQ(Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" + addr +
                        " --data laptop")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  Spit(dir.File("ops.jsonl"), OpLine("one") + "\n" + OpLine("two") + "\n" + OpLine("three") + "\n" +
                                  OpLine("four") + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data laptop ops.jsonl").code, 0);
  auto laptop_ops = Sh(dir, "$B ops list --json --data laptop").out;  // newest first: 4, 3, 2, 1
  std::vector<std::string> line(5);
  {
    std::istringstream in(laptop_ops);
    for (std::string l; std::getline(in, l);) line[std::stoi(JsonField(l, "id"))] = l;
  }
  auto laptop = std::make_unique<Serve>(dir, "laptop");
  ASSERT_TRUE(WaitFor([&] { return CountOps(dir, "hub") == 4; })) << hub->log() << laptop->log();

  // Live, through the laptop's daemon.
  Spit(dir.File("u1.json"), Edited(line[1], "one, edited live"));
  auto u = Sh(dir, "$B ops update --data laptop --json u1.json");
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_TRUE(Contains(u.out, "\"updated\":1")) << u.out;
  EXPECT_TRUE(WaitFor([&] { return Contains(AtHub(dir, 1), "one, edited live"); }))
      << AtHub(dir, 1) << laptop->log();
  auto d = Sh(dir, "$B ops delete --data laptop 2");
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(d.out, "deleted 1 operation\n");
  EXPECT_TRUE(WaitFor([&] { return AtHub(dir, 2).empty(); })) << laptop->log();
  EXPECT_EQ(CountOps(dir, "hub"), 3);
  // The hub cannot change the laptop's ops (they would come back).
  const std::string hub_id = JsonField(AtHub(dir, 3), "id");
  auto refused = Sh(dir, "$B ops delete --data hub " + hub_id);
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(Contains(refused.err, "was synced from peer")) << refused.err;

  // Offline: the hub is down; the laptop's daemon takes the changes.
  EXPECT_EQ(hub->Stop(), 0);
  Spit(dir.File("u3.json"), Edited(line[3], "three, edited offline"));
  ASSERT_EQ(Sh(dir, "$B ops update --data laptop u3.json").code, 0);
  ASSERT_EQ(Sh(dir, "$B ops delete --data laptop 1").code, 0);
  // Both down: the CLI writes the laptop's store directly.
  EXPECT_EQ(laptop->Stop(), 0);
  Spit(dir.File("u4.json"), Edited(line[4], "four, edited directly"));
  auto direct = Sh(dir, "$B ops update --data laptop u4.json");
  ASSERT_EQ(direct.code, 0) << direct.err;
  hub = std::make_unique<Serve>(dir, "hub", "", addr);
  laptop = std::make_unique<Serve>(dir, "laptop");
  EXPECT_TRUE(WaitFor([&] {
    return CountOps(dir, "hub") == 2 && Contains(AtHub(dir, 3), "three, edited offline") &&
           Contains(AtHub(dir, 4), "four, edited directly");
  })) << Sh(dir, "$B ops list --json --data hub").out
      << hub->log() << laptop->log();
  EXPECT_TRUE(AtHub(dir, 1).empty());
  EXPECT_EQ(laptop->Stop(), 0);
  EXPECT_EQ(hub->Stop(), 0);
}

// More ops than one QueryOperations page: the daemon lists all of them, in
// the order the CLI lists them without a daemon (newest first).
TEST(OpsEdit, ListIsNewestFirstAndPagedThroughTheDaemon) {
  constexpr int kOps = 12'000;  // the daemon answers 5 000 per page
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d --instance me").code, 0);
  {
    std::ofstream out(dir.File("ops.jsonl"));
    for (int i = 0; i < kOps; ++i) out << OpLine("op " + std::to_string(i)) << "\n";
  }
  ASSERT_EQ(Sh(dir, "$B ops add --data d ops.jsonl").code, 0);
  const std::string direct = Sh(dir, "$B ops list --json --data d").out;
  ASSERT_EQ(CountLines(direct), kOps);
  EXPECT_EQ(JsonField(direct.substr(0, direct.find('\n')), "displayMessage"),
            "op " + std::to_string(kOps - 1));
  const std::string direct_limited = Sh(dir, "$B ops list --json --limit 7000 --data d").out;
  ASSERT_EQ(CountLines(direct_limited), 7000);
  Serve serve(dir, "d");
  auto through = Sh(dir, "$B ops list --json --data d");
  ASSERT_EQ(through.code, 0) << through.err;
  EXPECT_EQ(CountLines(through.out), kOps);
  EXPECT_TRUE(through.out == direct) << "same ops, same order";
  EXPECT_TRUE(Sh(dir, "$B ops list --json --limit 7000 --data d").out == direct_limited);
  EXPECT_EQ(serve.Stop(), 0);
}

}  // namespace
