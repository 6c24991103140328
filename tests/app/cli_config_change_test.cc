// Config changes made by the CLI while a daemon runs (README "CLI
// reference"): they go through the daemon's admin API (UpdateConfig), so
// the daemon has applied them when the command returns; the file stays the
// source of truth. Without a reachable daemon the CLI edits the file.
#include <gtest/gtest.h>

#include "app/admin_service.h"
#include "app/cli_test_util.h"
#include "app/config_change.h"
#include "app/daemon_link.h"
#include "brs/admin.pb.h"
#include "store/config_store.h"

namespace {

using namespace brs::app::testing;
using brs::Code;
using brs::Status;
using brs::app::DataDir;

v1::Config ConfigFile(const TempDir& dir, const std::string& data) {
  auto c = brs::store::ParseConfigJson(Slurp(dir.File(data + "/config.json")), "config.json");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : v1::Config();
}

// The daemon's status through the admin API.
brs::admin::v1::StatusResponse DaemonStatus(const TempDir& dir, const std::string& data) {
  auto link = brs::app::FindDaemon(DataDir{dir.File(data)});
  EXPECT_TRUE(link.has_value());
  brs::admin::v1::StatusResponse s;
  if (!link) return s;
  auto r = link->client->Unary(brs::app::kAdminStatus, "", link->auth, 10'000);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (r.ok()) {
    EXPECT_TRUE(s.ParseFromString(*r));
  }
  return s;
}

TEST(CliConfigChange, AppliedByTheDaemonBeforeTheCommandReturns) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  ASSERT_FALSE(s.address().empty()) << s.log();
  auto c = ClientFor(s.address(), false);
  EXPECT_EQ(PeerStates(*c, Basic("alice:pw-alice")).status().code(), Code::kUnauthenticated);

  // No wait anywhere below: each command returns once the daemon applied it.
  auto add = Sh(dir, "printf 'pw-alice\\n' | $B user add alice --data d");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.err, "");
  auto n = PeerStates(*c, Basic("alice:pw-alice"));
  EXPECT_TRUE(n.ok()) << n.status().ToString();

  auto repo = Sh(dir, "$B repo add --data d --id r1 --guid g-r1");
  ASSERT_EQ(repo.code, 0) << repo.err;
  const v1::Config file = ConfigFile(dir, "d");
  ASSERT_EQ(file.repos_size(), 1);
  EXPECT_EQ(DaemonStatus(dir, "d").config_modno(), file.modno());

  ASSERT_EQ(Sh(dir, "$B user remove alice --data d").code, 0);
  EXPECT_EQ(PeerStates(*c, Basic("alice:pw-alice")).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(DaemonStatus(dir, "d").config_modno(), ConfigFile(dir, "d").modno());

  // The identity never left the file, and no secret reached the log.
  EXPECT_EQ(ConfigFile(dir, "d").multihost().identity().SerializeAsString(),
            file.multihost().identity().SerializeAsString());
  ASSERT_TRUE(WaitFor([&] { return Contains(s.log(), "config changed through the admin API"); }))
      << s.log();
  EXPECT_FALSE(Contains(s.log(), "pw-alice"));
  EXPECT_EQ(s.Stop(), 0);
}

TEST(CliConfigChange, UpdateConfigTakesNoIdentityNoStaleBaseAndNeedsTheToken) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  auto link = brs::app::FindDaemon(DataDir{dir.File("d")});
  ASSERT_TRUE(link.has_value());
  const v1::Config before = ConfigFile(dir, "d");
  brs::admin::v1::UpdateConfigRequest req;
  *req.mutable_config() = before;
  req.mutable_config()->add_repos()->set_id("r1");
  req.set_base_modno(before.modno());
  auto call = [&](const brs::admin::v1::UpdateConfigRequest& r, const brs::rpc::Headers& auth) {
    return link->client->Unary(brs::app::kAdminUpdateConfig, r.SerializeAsString(), auth, 10'000);
  };
  EXPECT_EQ(call(req, link->auth).status().code(), Code::kInvalidArgument) << "with the identity";
  req.mutable_config()->mutable_multihost()->clear_identity();
  EXPECT_EQ(call(req, {}).status().code(), Code::kUnauthenticated);
  auto stale = req;
  stale.set_base_modno(before.modno() - 1);
  EXPECT_EQ(call(stale, link->auth).status().code(), Code::kAborted);
  EXPECT_EQ(ConfigFile(dir, "d").SerializeAsString(), before.SerializeAsString());

  auto r = call(req, link->auth);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  brs::admin::v1::UpdateConfigResponse resp;
  ASSERT_TRUE(resp.ParseFromString(*r));
  const v1::Config after = ConfigFile(dir, "d");
  EXPECT_EQ(resp.modno(), after.modno());
  EXPECT_GT(after.modno(), before.modno());
  ASSERT_EQ(after.repos_size(), 1);
  EXPECT_EQ(after.multihost().identity().SerializeAsString(),
            before.multihost().identity().SerializeAsString());
}

TEST(CliConfigChange, AChangeMadeMeanwhileIsKeptAndTheCommandsChangeReapplied) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  const DataDir data{dir.File("d")};
  int runs = 0;
  std::vector<std::string> warnings;
  Status st = brs::app::ChangeConfig(
      data,
      [&](v1::Config& c) {
        if (++runs == 1) {
          // Another writer gets in between this read and the daemon's write.
          brs::store::ConfigStore::Options o;
          o.path = data.config();
          auto other = brs::store::ConfigStore::Open(o);
          EXPECT_TRUE(other.ok());
          EXPECT_TRUE((*other)
                          ->Update([](v1::Config& x) {
                            x.add_repos()->set_id("meanwhile");
                            return Status();
                          })
                          .ok());
        }
        c.add_repos()->set_id("mine");
        return Status();
      },
      [&](const std::string& w) { warnings.push_back(w); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(warnings.empty());
  const v1::Config file = ConfigFile(dir, "d");
  ASSERT_EQ(file.repos_size(), 2);
  EXPECT_EQ(file.repos(0).id(), "meanwhile");
  EXPECT_EQ(file.repos(1).id(), "mine");
  EXPECT_EQ(DaemonStatus(dir, "d").config_modno(), file.modno());
}

TEST(CliConfigChange, ADaemonThatDoesNotAnswerLeavesTheFileToTheCli) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  s.Kill();  // daemon.json stays behind
  ASSERT_TRUE(Contains(Slurp(dir.File("d/daemon.json")), "listen"));
  auto r = Sh(dir, "$B repo add --data d --id r1 --guid g-r1");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "did not answer")) << r.err;
  EXPECT_TRUE(Contains(r.err, "directly")) << r.err;
  EXPECT_EQ(ConfigFile(dir, "d").repos_size(), 1);
}

TEST(CliConfigChange, SighupAndSigtermTogetherStillStopTheDaemon) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  ASSERT_FALSE(s.address().empty()) << s.log();
  s.Signal(SIGHUP);
  EXPECT_EQ(s.Stop(), 0) << s.log();  // SIGTERM right behind the SIGHUP
  EXPECT_TRUE(Contains(s.log(), "stopping signal=SIGTERM")) << s.log();
  EXPECT_FALSE(Contains(Slurp(dir.File("d/daemon.json")), "listen"));
}

}  // namespace
