// Every CLI command except serve, run as the real binary in temp data dirs:
// what it does, what it prints (--json parsed back), and its bad input.
#include <fcntl.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <regex>
#include <set>

#include "app/cli_test_util.h"
#include "v1/config.pb.h"
#include "v1/operations.pb.h"

namespace brs::app::testing {
namespace {

using google::protobuf::util::JsonStringToMessage;

google::protobuf::Struct ParseObject(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

std::string StrField(const google::protobuf::Struct& s, const std::string& k) {
  auto it = s.fields().find(k);
  return it == s.fields().end() ? "<absent>" : it->second.string_value();
}

double NumField(const google::protobuf::Struct& s, const std::string& k) {
  auto it = s.fields().find(k);
  return it == s.fields().end() ? -1 : it->second.number_value();
}

v1::Config ReadConfig(const TempDir& dir, const std::string& data) {
  v1::Config c;
  std::string text = Slurp(dir.File(data + "/config.json"));
  EXPECT_TRUE(JsonStringToMessage(text, &c).ok()) << text;
  return c;
}

std::vector<v1::Operation> ParseOpLines(const std::string& out) {
  std::vector<v1::Operation> ops;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    v1::Operation op;
    EXPECT_TRUE(JsonStringToMessage(line, &op).ok()) << line;
    ops.push_back(op);
  }
  return ops;
}

// Errors are one line: "backrest-sync: error: …".
void ExpectOneErrorLine(const Result& r, const std::string& what) {
  EXPECT_EQ(r.err.rfind("backrest-sync: error: ", 0), 0u) << what << ": " << r.err;
  EXPECT_EQ(CountLines(r.err), 1) << what << ": " << r.err;
}

std::string Init(const TempDir& dir, const std::string& data, const std::string& instance) {
  auto r = Sh(dir, "$B init --data " + data + " --instance " + instance + " --json");
  EXPECT_EQ(r.code, 0) << r.err;
  return StrField(ParseObject(r.out), "keyid");
}

const std::string kValidToken =
    "ed25519.iEf35bGCs920X7saIbuc3AxFOC82BbypUdgbwCn6DX8:" + std::string(64, 'a') + "#hub";

// Every command but init and serve, with arguments that are otherwise valid.
std::vector<std::string> AllCommands(const std::string& data) {
  const std::string d = " --data " + data;
  return {
      "$B status" + d,
      "$B repo list" + d,
      "$B repo add --id r --guid g" + d,
      "$B repo remove r" + d,
      "echo '{\"repoId\":\"r\",\"repoGuid\":\"g\",\"planId\":\"p\"}' | $B ops add -" + d,
      "$B ops list" + d,
      "echo '[]' | $B ops import-restic --repo r -" + d,
      "$B pair new" + d,
      "$B pair list" + d,
      "$B pair revoke x" + d,
      "$B join '" + kValidToken + "' --url http://127.0.0.1:1" + d,
      "$B peers" + d,
      "$B config push --peer k --delete-repo r" + d,
      "$B logs get ref" + d,
  };
}

TEST(Cli, VersionHelpAndUsageErrors) {
  TempDir dir;
  auto r = Sh(dir, "$B --version");
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(std::regex_match(r.out, std::regex("backrest-sync [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << r.out;
  for (const char* cmd : {"init", "serve", "status", "pair new", "pair list", "pair revoke", "join",
                          "peers", "repo add", "repo list", "repo remove", "ops add", "ops list",
                          "ops import-restic", "config push", "logs get"}) {
    r = Sh(dir, std::string("$B ") + cmd + " --help");
    EXPECT_EQ(r.code, 0) << cmd;
    EXPECT_TRUE(Contains(r.out, "--data")) << cmd << ": " << r.out;
    EXPECT_TRUE(Contains(r.out, "--log-format")) << cmd;
  }
  for (const char* bad : {"", "frobnicate", "ops", "repo", "repo add --id r", "ops list --bogus",
                          "ops list --peer k --instance i", "status --log-format xml",
                          "status --log-level loud", "join"}) {
    r = Sh(dir, std::string("$B ") + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
  }
}

TEST(Cli, InitCreatesTheDataDirAndABackrestConfig) {
  TempDir dir;
  auto r = Sh(dir, "$B init --data a/b/data --instance laptop-1 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = ParseObject(r.out);
  EXPECT_EQ(StrField(j, "instance"), "laptop-1");
  EXPECT_EQ(StrField(j, "data"), "a/b/data");
  const std::string keyid = StrField(j, "keyid");
  EXPECT_TRUE(std::regex_match(keyid, std::regex("ed25519\\.[A-Za-z0-9_-]{43}"))) << keyid;
  struct stat st;
  ASSERT_EQ(::stat(dir.File("a/b/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(dir.File("a/b/data/config.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  v1::Config c = ReadConfig(dir, "a/b/data");
  EXPECT_EQ(c.instance(), "laptop-1");
  EXPECT_GT(c.version(), 0);
  EXPECT_EQ(c.multihost().identity().keyid(), keyid);
  EXPECT_FALSE(c.multihost().identity().ed25519priv().empty());
  // The text form names instance and key.
  r = Sh(dir, "$B init --data other --instance x");
  ASSERT_EQ(r.code, 0);
  EXPECT_TRUE(Contains(r.out, "instance  x")) << r.out;
  EXPECT_TRUE(Contains(r.out, "key ID    ed25519.")) << r.out;
  // Default instance: the host name (sanitized).
  r = Sh(dir, "$B init --data third --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(StrField(ParseObject(r.out), "instance").empty());
}

TEST(Cli, InitRefusesAnIdentityABadNameAndACorruptConfig) {
  TempDir dir;
  Init(dir, "d", "one");
  const std::string before = Slurp(dir.File("d/config.json"));
  auto r = Sh(dir, "$B init --data d --instance two");
  EXPECT_EQ(r.code, 1);
  ExpectOneErrorLine(r, "init twice");
  EXPECT_TRUE(Contains(r.err, "already has an identity")) << r.err;
  EXPECT_EQ(Slurp(dir.File("d/config.json")), before);

  for (const std::string& bad :
       std::vector<std::string>{"'a b'", "'_x_'", "a/b", std::string(51, 'n')}) {
    r = Sh(dir, "$B init --data fresh --instance " + bad);
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(Contains(r.err, "--instance")) << r.err;
    EXPECT_NE(::access(dir.File("fresh").c_str(), F_OK), 0) << "nothing created for " << bad;
  }

  ASSERT_EQ(::mkdir(dir.File("broken").c_str(), 0700), 0);
  Spit(dir.File("broken/config.json"), "{\n  \"instance\": \"x\",\n  oops\n}\n");
  r = Sh(dir, "$B init --data broken --instance y");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "broken/config.json:3:")) << r.err;
  EXPECT_EQ(Slurp(dir.File("broken/config.json")), "{\n  \"instance\": \"x\",\n  oops\n}\n");
}

TEST(Cli, RepoAddListRemove) {
  TempDir dir;
  Init(dir, "d", "me");
  const std::string guid(64, 'c');
  auto r = Sh(dir, "$B repo add --data d --id repo1 --guid " + guid + " --uri /srv/restic");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "added repo repo1\n");
  EXPECT_EQ(r.err, "");
  r = Sh(dir, "$B repo add --data d --id repo2 --guid g-two --shared");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "added shared repo repo2\n");
  EXPECT_TRUE(Contains(r.err, "warning: GUID g-two is not 64 hex")) << r.err;

  r = Sh(dir, "$B repo add --data d --id repo1 --guid other");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "repo repo1 already exists")) << r.err;
  r = Sh(dir, "$B repo add --data d --id repo3 --guid g-two");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "already used by repo repo2")) << r.err;
  r = Sh(dir, "$B repo add --data d --id 'bad id' --guid x");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "--id \"bad id\"")) << r.err;

  r = Sh(dir, "$B repo list --data d --json");
  ASSERT_EQ(r.code, 0);
  v1::Config holder;
  ASSERT_TRUE(JsonStringToMessage("{\"repos\":" + r.out + "}", &holder).ok()) << r.out;
  ASSERT_EQ(holder.repos_size(), 2);
  EXPECT_EQ(holder.repos(0).id(), "repo1");
  EXPECT_EQ(holder.repos(0).guid(), guid);
  EXPECT_EQ(holder.repos(0).uri(), "/srv/restic");
  EXPECT_EQ(holder.repos(1).id(), "repo2");
  EXPECT_FALSE(holder.repos(0).shared());
  EXPECT_TRUE(holder.repos(1).shared());

  r = Sh(dir, "$B repo list --data d");
  EXPECT_EQ(r.out, "ID     GUID" + std::string(62, ' ') + "URI          SHARED  ORIGIN\n" +
                       "repo1  " + guid + "  /srv/restic  no      -\n" + "repo2  g-two" +
                       std::string(61, ' ') + "-            yes     -\n");

  r = Sh(dir, "$B repo remove --data d repo1");
  ASSERT_EQ(r.code, 0) << r.err;
  r = Sh(dir, "$B repo remove --data d repo1");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "no repo repo1")) << r.err;
  EXPECT_EQ(ReadConfig(dir, "d").repos_size(), 1);
  EXPECT_EQ(Sh(dir, "$B repo remove --data d repo2").code, 0);
  EXPECT_TRUE(Contains(Sh(dir, "$B repo list --data d").out, "no repos"));
  EXPECT_EQ(Sh(dir, "$B repo list --data d --json").out, "[]\n");
}

TEST(Cli, OpsAddAThousandAndListThemBack) {
  TempDir dir;
  Init(dir, "d", "laptop");
  ASSERT_EQ(Sh(dir, "$B repo add --data d --id repo1 --guid g1").code, 0);
  {
    std::ofstream ops(dir.File("ops.jsonl"));
    for (int i = 0; i < 1000; ++i) {
      // Every tenth op is of a repo the config does not have.
      ops << "{\"repoId\":\"" << (i % 10 == 9 ? "elsewhere" : "repo1")
          << "\",\"repoGuid\":\"g1\",\"planId\":\"" << (i % 2 ? "odd" : "even")
          << "\",\"status\":\"STATUS_SUCCESS\",\"unixTimeStartMs\":\"" << 1'700'000'000'000 + i
          << "\",\"displayMessage\":\"op " << i << "\","
          << "\"operationBackup\":{}}\n";
    }
  }
  auto r = Sh(dir, "$B ops add --data d ops.jsonl");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "added 1000 operations\n");
  EXPECT_EQ(CountLines(r.err), 1) << "one warning per unknown repo: " << r.err;
  EXPECT_TRUE(Contains(r.err, "warning: repo elsewhere is not in the config")) << r.err;

  r = Sh(dir, "$B ops list --data d --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto ops = ParseOpLines(r.out);
  ASSERT_EQ(ops.size(), 1000u);
  std::set<int64_t> ids;
  for (size_t i = 0; i < ops.size(); ++i) {
    ids.insert(ops[i].id());
    EXPECT_EQ(ops[i].instance_id(), "laptop");
    EXPECT_EQ(ops[i].display_message(), "op " + std::to_string(999 - i));  // newest first
    EXPECT_GT(ops[i].modno(), 0);
    EXPECT_EQ(ops[i].flow_id(), ops[i].id());
  }
  EXPECT_EQ(ids.size(), 1000u);

  EXPECT_EQ(CountLines(Sh(dir, "$B ops list --data d --json --plan odd").out), 500);
  EXPECT_EQ(CountLines(Sh(dir, "$B ops list --data d --json --repo elsewhere").out), 100);
  EXPECT_EQ(CountLines(Sh(dir, "$B ops list --data d --json --repo repo1 --plan even").out), 500);
  EXPECT_EQ(Sh(dir, "$B ops list --data d --json --instance other").out, "");
  EXPECT_EQ(Sh(dir, "$B ops list --data d --instance other").out, "no operations\n");
  auto newest = ParseOpLines(Sh(dir, "$B ops list --data d --json --limit 3").out);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0].display_message(), "op 999");
  EXPECT_EQ(newest[2].display_message(), "op 997");
  EXPECT_EQ(Sh(dir, "$B ops list --data d --limit -1").code, 2);

  r = Sh(dir, "$B ops list --data d --limit 2");
  ASSERT_EQ(r.code, 0);
  ASSERT_EQ(CountLines(r.out), 3) << r.out;
  EXPECT_EQ(
      r.out.rfind("ID    FLOW  MODNO  KIND    STATUS   INSTANCE  REPO       PLAN  STARTED", 0), 0u)
      << r.out;
  EXPECT_TRUE(Contains(r.out, "backup  SUCCESS  laptop    elsewhere  odd")) << r.out;

  // One object over several lines, from stdin; --json gives the new ID.
  r = Sh(dir,
         "printf '{\\n \"repoId\": \"repo1\",\\n \"repoGuid\": \"g1\",\\n \"planId\": \"p\"\\n}\\n'"
         " | $B ops add --data d --json -");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"added\":1,\"ids\":[1001]}\n");
}

TEST(Cli, OpsAddNamesTheBadLine) {
  TempDir dir;
  Init(dir, "d", "me");
  Spit(dir.File("ops.jsonl"),
       "{\"repoId\":\"r\",\"repoGuid\":\"g\",\"planId\":\"p\"}\n{\"repoId\": 12,,}\n");
  auto r = Sh(dir, "$B ops add --data d ops.jsonl");
  EXPECT_EQ(r.code, 1);
  ExpectOneErrorLine(r, "bad op");
  EXPECT_TRUE(Contains(r.err, "ops.jsonl:2: not a v1.Operation")) << r.err;
  r = Sh(dir, "printf '\\n{\"repoId\":\"r\",\"planId\":\"p\"}\\n' | $B ops add --data d");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "stdin:2: repo_guid is required")) << r.err;
  r = Sh(dir, "$B ops add --data d missing.jsonl");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "missing.jsonl")) << r.err;
  EXPECT_EQ(Sh(dir, "$B ops list --data d --json").out, "") << "nothing was added";
}

TEST(Cli, ImportResticFromARealRepository) {
  TempDir dir;
  if (Sh(dir, "command -v restic").code != 0) GTEST_SKIP() << "restic is not installed";
  Init(dir, "d", "laptop");
  auto rr = Sh(dir,
               "export RESTIC_PASSWORD=pw RESTIC_REPOSITORY=$PWD/repo RESTIC_CACHE_DIR=$PWD/cache"
               " && restic init -q && mkdir -p data && echo one > data/a"
               " && restic backup -q --tag plan:nightly data && echo two > data/b"
               " && restic backup -q data && restic snapshots --json > snaps.json"
               " && restic cat config --json > cfg.json");
  ASSERT_EQ(rr.code, 0) << rr.err;
  std::string snaps_text = Slurp(dir.File("snaps.json"));
  google::protobuf::Value snaps;
  ASSERT_TRUE(JsonStringToMessage(snaps_text, &snaps).ok());
  ASSERT_EQ(snaps.list_value().values_size(), 2);
  std::set<std::string> snapshot_ids;
  for (const auto& s : snaps.list_value().values()) {
    snapshot_ids.insert(s.struct_value().fields().at("id").string_value());
  }
  const std::string restic_id = StrField(ParseObject(Slurp(dir.File("cfg.json"))), "id");
  ASSERT_EQ(restic_id.size(), 64u);

  auto r = Sh(dir,
              "$B ops import-restic --data d --repo repo1 --restic-config cfg.json "
              "snaps.json --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"imported\":2,\"skipped\":0,\"repo\":\"repo1\",\"guid\":\"" + restic_id +
                       "\",\"repo_added\":true}\n");
  v1::Config c = ReadConfig(dir, "d");
  ASSERT_EQ(c.repos_size(), 1);
  EXPECT_EQ(c.repos(0).id(), "repo1");
  EXPECT_EQ(c.repos(0).guid(), restic_id);

  auto ops = ParseOpLines(Sh(dir, "$B ops list --data d --json --repo repo1").out);
  ASSERT_EQ(ops.size(), 2u);
  std::set<std::string> got;
  std::set<std::string> plans;
  for (const auto& op : ops) {
    got.insert(op.snapshot_id());
    plans.insert(op.plan_id());
    EXPECT_EQ(op.repo_guid(), restic_id);
    EXPECT_EQ(op.instance_id(), "laptop");
    EXPECT_EQ(op.status(), v1::STATUS_SUCCESS);
    EXPECT_EQ(op.operation_index_snapshot().snapshot().id(), op.snapshot_id());
    EXPECT_GT(op.unix_time_start_ms(), 1'600'000'000'000);
  }
  EXPECT_EQ(got, snapshot_ids);
  EXPECT_EQ(plans, (std::set<std::string>{"nightly", "_unassociated_"}));

  // Again: nothing new. A third backup: one new, with a progress line.
  r = Sh(dir, "$B ops import-restic --data d --repo repo1 snaps.json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "imported 0 snapshots into repo repo1 (2 already known)\n");
  rr = Sh(dir,
          "export RESTIC_PASSWORD=pw RESTIC_REPOSITORY=$PWD/repo RESTIC_CACHE_DIR=$PWD/cache"
          " && echo three > data/c && restic backup -q data && restic snapshots --json > s2.json");
  ASSERT_EQ(rr.code, 0) << rr.err;
  r = Sh(dir, "cat s2.json | $B ops import-restic --data d --repo repo1 --plan daily --progress -");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "imported 1 snapshot into repo repo1 (2 already known)\n");
  EXPECT_EQ(r.err, "\rimporting: 1/1 snapshots (100%)\n");
  EXPECT_EQ(CountLines(Sh(dir, "$B ops list --data d --json --plan daily").out), 1);

  // The GUID of an existing repo cannot change.
  r = Sh(dir, "$B ops import-restic --data d --repo repo1 --guid other snaps.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "has GUID " + restic_id)) << r.err;
  // A new repo without a GUID gets a random one, and says so.
  r = Sh(dir, "$B ops import-restic --data d --repo repo2 snaps.json --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "note: repo repo2 is new")) << r.err;
  const std::string guid2 = StrField(ParseObject(r.out), "guid");
  EXPECT_TRUE(std::regex_match(guid2, std::regex("[0-9a-f]{64}"))) << guid2;
  // Bad input names itself; the config is not touched.
  const std::string before = Slurp(dir.File("d/config.json"));
  r = Sh(dir, "echo '[{\"id\":\"x\"}]' | $B ops import-restic --data d --repo repo3 -");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "stdin: snapshot #0")) << r.err;
  r = Sh(dir, "$B ops import-restic --data d --repo repo3 --restic-config snaps.json snaps.json");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "snaps.json: expected the JSON object")) << r.err;
  EXPECT_EQ(Slurp(dir.File("d/config.json")), before);
}

TEST(Cli, PairNewListRevoke) {
  TempDir dir;
  const std::string keyid = Init(dir, "hub", "hub-1");
  auto r = Sh(dir,
              "$B pair new --data hub --label laptop --expires 7d --max-uses 2 "
              "--grant read-operations:repo:r1 --grant read-config");
  ASSERT_EQ(r.code, 0) << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(r.out, m,
                               std::regex("(ed25519\\.[A-Za-z0-9_-]{43}):([0-9a-f]{64})"
                                          "#hub-1\n")))
      << r.out;
  EXPECT_EQ(m[1].str(), keyid);
  const std::string secret = m[2].str();
  EXPECT_TRUE(Contains(r.err, "shown only once")) << r.err;

  r = Sh(dir, "$B pair new --data hub --label other --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = ParseObject(r.out);
  const std::string secret2 = StrField(j, "token").substr(keyid.size() + 1, 64);
  EXPECT_EQ(StrField(j, "label"), "other");
  EXPECT_EQ(NumField(j, "max_uses"), 1);
  EXPECT_EQ(NumField(j, "expires_at_unix"), 0);
  EXPECT_EQ(StrField(j, "permissions"), "READ_OPERATIONS:*");
  const std::string fp2 = StrField(j, "fingerprint");
  EXPECT_TRUE(std::regex_match(fp2, std::regex("[0-9a-f]{8}"))) << fp2;

  v1::Config c = ReadConfig(dir, "hub");
  ASSERT_EQ(c.multihost().pairing_tokens_size(), 2);
  const auto& t = c.multihost().pairing_tokens(0);
  EXPECT_EQ(t.secret(), secret);
  EXPECT_EQ(t.max_uses(), 2);
  EXPECT_NEAR(static_cast<double>(t.expires_at_unix() - t.created_at_unix()), 7 * 86400, 1);
  ASSERT_EQ(t.permissions_size(), 2);

  for (const char* flags : {"", " --json"}) {
    r = Sh(dir, std::string("$B pair list --data hub") + flags);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(Contains(r.out, secret)) << "a secret is never listed";
    EXPECT_FALSE(Contains(r.out, secret2)) << "a secret is never listed";
    EXPECT_FALSE(Contains(r.out, secret.substr(0, 16)));
    EXPECT_TRUE(Contains(r.out, fp2)) << r.out;
  }
  r = Sh(dir, "$B pair list --data hub");
  EXPECT_TRUE(Contains(r.out, "0/2")) << r.out;
  EXPECT_TRUE(Contains(r.out, "READ_OPERATIONS:repo:r1 READ_CONFIG")) << r.out;
  EXPECT_TRUE(Contains(r.out, "never")) << r.out;
  google::protobuf::Value list;
  ASSERT_TRUE(JsonStringToMessage(Sh(dir, "$B pair list --data hub --json").out, &list).ok());
  ASSERT_EQ(list.list_value().values_size(), 2);
  EXPECT_EQ(StrField(list.list_value().values(0).struct_value(), "label"), "laptop");
  EXPECT_FALSE(list.list_value().values(0).struct_value().fields().at("expired").bool_value());

  // Revoke by fingerprint and by label; ambiguous and unknown ones refused.
  r = Sh(dir, "$B pair revoke --data hub " + fp2);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "revoked pairing token " + fp2 + "\n");
  ASSERT_EQ(Sh(dir, "$B pair new --data hub --label laptop").code, 0);
  r = Sh(dir, "$B pair revoke --data hub laptop");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "matches 2 tokens")) << r.err;
  r = Sh(dir, "$B pair revoke --data hub nothing-like-it");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "no pairing token")) << r.err;
  EXPECT_EQ(ReadConfig(dir, "hub").multihost().pairing_tokens_size(), 2);

  // Bad flags are usage errors and change nothing.
  const std::string before = Slurp(dir.File("hub/config.json"));
  for (const char* bad :
       {"--expires 5x", "--expires 7", "--expires 0s", "--expires=-1h", "--max-uses -1",
        "--grant READ_EVERYTHING", "--grant read-config:repo:a,bogus:b"}) {
    r = Sh(dir, std::string("$B pair new --data hub ") + bad);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    ExpectOneErrorLine(r, bad);
  }
  EXPECT_EQ(Slurp(dir.File("hub/config.json")), before);
}

TEST(Cli, JoinAddsTheHubAsAKnownHost) {
  TempDir dir;
  const std::string hub_key = Init(dir, "hub", "hub-1");
  Init(dir, "laptop", "laptop");
  auto tok = Sh(dir, "$B pair new --data hub");
  ASSERT_EQ(tok.code, 0);
  const std::string token = tok.out.substr(0, tok.out.size() - 1);
  auto r = Sh(dir, "$B join --data laptop '" + token + "' --url http://127.0.0.1:9898");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Contains(r.out, "joined hub-1 (" + hub_key + ")")) << r.out;
  v1::Config c = ReadConfig(dir, "laptop");
  ASSERT_EQ(c.multihost().known_hosts_size(), 1);
  const auto& h = c.multihost().known_hosts(0);
  EXPECT_EQ(h.instance_id(), "hub-1");
  EXPECT_EQ(h.keyid(), hub_key);
  EXPECT_EQ(h.instance_url(), "http://127.0.0.1:9898");
  EXPECT_EQ(h.initial_pairing_secret(), token.substr(hub_key.size() + 1, 64));
  // Backrest's default for a known host: read every op, receive shared repos.
  ASSERT_EQ(h.permissions_size(), 2);
  EXPECT_EQ(h.permissions(0).type(), v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
  ASSERT_EQ(h.permissions(0).scopes_size(), 1);
  EXPECT_EQ(h.permissions(0).scopes(0), "*");
  EXPECT_EQ(h.permissions(1).type(), v1::Multihost::Permission::PERMISSION_RECEIVE_SHARED_REPOS);
  EXPECT_EQ(h.permissions(1).scopes_size(), 0);

  r = Sh(dir, "$B join --data laptop '" + token + "' --url http://127.0.0.1:9898");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "--replace")) << r.err;
  r = Sh(dir, "$B join --data laptop '" + token +
                  "' --url https://hub.example:8443/backrest --replace --json "
                  "--grant read-config:repo:r1");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = ParseObject(r.out);
  EXPECT_TRUE(j.fields().at("replaced").bool_value());
  EXPECT_EQ(StrField(j, "permissions"), "READ_CONFIG:repo:r1");
  c = ReadConfig(dir, "laptop");
  ASSERT_EQ(c.multihost().known_hosts_size(), 1);
  EXPECT_EQ(c.multihost().known_hosts(0).instance_url(), "https://hub.example:8443/backrest");

  r = Sh(dir, "$B join --data hub '" + token + "' --url http://127.0.0.1:1");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "this instance's own")) << r.err;

  const std::string before = Slurp(dir.File("laptop/config.json"));
  for (const char* url : {"ftp://x", "http://", "http://:80", "http://host:0", "http://host:99999",
                          "http://host:", "'http://ho st'", "http://h:p", "https://u@h",
                          "http://h/x?y", "127.0.0.1:9898", "'http://[::1'"}) {
    r = Sh(dir, "$B join --data laptop '" + kValidToken + "' --url " + url);
    EXPECT_EQ(r.code, 2) << url;
    EXPECT_TRUE(Contains(r.err, "--url")) << url << ": " << r.err;
  }
  for (const std::string& bad :
       {std::string("not-a-token"), std::string("a:b#c"), kValidToken.substr(0, 100),
        "ed25519.short:" + std::string(64, 'a') + "#hub",
        "ed25519.iEf35bGCs920X7saIbuc3AxFOC82BbypUdgbwCn6DX8:" + std::string(63, 'a') + "#hub",
        "ed25519.iEf35bGCs920X7saIbuc3AxFOC82BbypUdgbwCn6DX8:" + std::string(64, 'g') + "#hub",
        "ed25519.iEf35bGCs920X7saIbuc3AxFOC82BbypUdgbwCn6DX8:" + std::string(64, 'a') + "#"}) {
    r = Sh(dir, "$B join --data laptop '" + bad + "' --url http://h:1");
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(Contains(r.err, "pairing token")) << bad << ": " << r.err;
  }
  r = Sh(dir, "$B join --data laptop '" + kValidToken + "' --url http://h:1 --grant nope");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Contains(r.err, "--grant nope")) << r.err;
  EXPECT_EQ(Slurp(dir.File("laptop/config.json")), before);
}

TEST(Cli, StatusJsonWithoutADaemon) {
  TempDir dir;
  const std::string keyid = Init(dir, "d", "me");
  ASSERT_EQ(Sh(dir, "$B join --data d '" + kValidToken + "' --url http://127.0.0.1:1").code, 0);
  ASSERT_EQ(
      Sh(dir, "echo '{\"repoId\":\"r\",\"repoGuid\":\"g\",\"planId\":\"p\"}' | $B ops add --data d")
          .code,
      0);
  auto r = Sh(dir, "$B status --data d --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = ParseObject(r.out);
  EXPECT_EQ(StrField(j, "instance"), "me");
  EXPECT_EQ(StrField(j, "keyid"), keyid);
  EXPECT_EQ(StrField(j, "data"), "d");
  EXPECT_FALSE(j.fields().at("running").bool_value());
  EXPECT_EQ(NumField(j, "ops_local"), 1);
  EXPECT_EQ(NumField(j, "ops_synced"), 0);
  EXPECT_EQ(NumField(j, "peers_connected"), 0);
  const auto& peers = j.fields().at("peers").list_value();
  ASSERT_EQ(peers.values_size(), 1);
  const auto& p = peers.values(0).struct_value();
  EXPECT_EQ(StrField(p, "role"), "known-host");
  EXPECT_EQ(StrField(p, "instance"), "hub");
  EXPECT_EQ(StrField(p, "url"), "http://127.0.0.1:1");
  EXPECT_EQ(StrField(p, "state"), "DISCONNECTED");
  r = Sh(dir, "$B status --data d");
  ASSERT_EQ(r.code, 0);
  EXPECT_TRUE(Contains(r.out, "operations   1 own, 0 from peers")) << r.out;
  EXPECT_TRUE(Contains(r.out, "daemon       not running")) << r.out;
  EXPECT_TRUE(Contains(r.out, "known-host  hub")) << r.out;
}

TEST(Cli, EveryCommandNeedsAnInitializedDataDir) {
  TempDir dir;
  for (const auto& cmd : AllCommands("nowhere")) {
    auto r = Sh(dir, cmd);
    EXPECT_EQ(r.code, 1) << cmd << ": " << r.err;
    ExpectOneErrorLine(r, cmd);
    EXPECT_TRUE(Contains(r.err, "`backrest-sync init --data nowhere`")) << cmd << ": " << r.err;
  }
  EXPECT_NE(::access(dir.File("nowhere").c_str(), F_OK), 0) << "no command but init creates it";
  // An empty directory is not a data dir either.
  ASSERT_EQ(::mkdir(dir.File("empty").c_str(), 0700), 0);
  auto r = Sh(dir, "$B repo list --data empty");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "empty/config.json does not exist")) << r.err;
  // $BACKREST_SYNC_DATA is the default.
  Init(dir, "env-data", "env");
  r = Sh(dir, "BACKREST_SYNC_DATA=env-data $B status --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(StrField(ParseObject(r.out), "instance"), "env");
}

TEST(Cli, EveryCommandRefusesACorruptConfigAndLeavesItAlone) {
  TempDir dir;
  Init(dir, "d", "me");
  const std::string corrupt = "{\n  \"instance\": \"me\",\n  \"repos\": [ oops ]\n}\n";
  Spit(dir.File("d/config.json"), corrupt);
  auto cmds = AllCommands("d");
  cmds.push_back("$B init --data d");
  for (const auto& cmd : cmds) {
    auto r = Sh(dir, cmd);
    EXPECT_EQ(r.code, 1) << cmd << ": " << r.err;
    ExpectOneErrorLine(r, cmd);
    EXPECT_TRUE(Contains(r.err, "d/config.json:3:")) << cmd << ": " << r.err;
    EXPECT_EQ(Slurp(dir.File("d/config.json")), corrupt) << cmd;
  }
}

TEST(Cli, AHeldOplogIsExplained) {
  TempDir dir;
  Init(dir, "d", "me");
  // Another owner of the oplog (as `serve` is) holds its lock.
  int fd = ::open(dir.File("d/oplog.sqlite.lock").c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto r = Sh(dir, "$B ops list --data d");
  EXPECT_EQ(r.code, 1);
  ExpectOneErrorLine(r, "held");
  EXPECT_TRUE(Contains(r.err, "is held by another process")) << r.err;
  // An advertised daemon that does not answer.
  Spit(dir.File("d/daemon.json"), "{\"listen\":\"127.0.0.1:1\",\"pid\":1,\"tls\":false}\n");
  r = Sh(dir, "$B ops list --data d");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err,
                       "the daemon at http://127.0.0.1:1 holds the oplog but does not "
                       "answer"))
      << r.err;
  // Config commands work regardless.
  EXPECT_EQ(Sh(dir, "$B repo add --data d --id r --guid g").code, 0);
  ::close(fd);
  EXPECT_EQ(Sh(dir, "$B ops list --data d").out, "no operations\n");
}

}  // namespace
}  // namespace brs::app::testing
