// API authentication of the real daemon (README "Security"): a fresh data
// dir requires credentials for the state service and the admin API, over
// Connect and gRPC; `auth.disabled` is the operator's choice, honoured on
// loopback only unless `serve --insecure-no-auth`, and warned about.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "app/cli_test_util.h"
#include "store/config_store.h"
#include "sync/rpc_glue.h"

namespace {

using namespace brs::app::testing;
using brs::Code;
using brs::Status;
using brs::StatusOr;

Code SetRemoteConfig(brs::rpc::Client& c, const std::string& authz) {
  v1sync::SetRemoteClientConfigRequest req;
  req.set_peer_keyid("ed25519.nobody");
  return c.Unary(brs::sync::kSetRemoteConfigPath, req.SerializeAsString(), Authz(authz), 10'000)
      .status()
      .code();
}

int CountOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

// Sets auth.disabled in DIR/config.json, as an operator editing it would.
void DisableAuth(const TempDir& dir, const std::string& data, bool disabled = true) {
  brs::store::ConfigStore::Options o;
  o.path = dir.File(data + "/config.json");
  auto store = brs::store::ConfigStore::Open(o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)
                  ->Update([&](v1::Config& c) {
                    c.mutable_auth()->set_disabled(disabled);
                    return Status();
                  })
                  .ok());
}

TEST(CliAuth, FreshDataDirRequiresCredentialsForTheStateService) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  EXPECT_FALSE(Contains(Slurp(dir.File("d/config.json")), "disabled"));
  struct stat st {};
  ASSERT_EQ(::stat(dir.File("d/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto u = Sh(dir, "printf 'pw-right\\n' | $B user add alice --data d --json");
  ASSERT_EQ(u.code, 0) << u.err;
  EXPECT_EQ(u.out, "{\"added\":\"alice\",\"replaced\":false}\n");
  EXPECT_FALSE(Contains(Slurp(dir.File("d/config.json")), "pw-right"));
  std::string token = Slurp(dir.File("d/admin.token"));
  token.resize(token.find('\n'));

  Serve s(dir, "d");
  ASSERT_FALSE(s.address().empty());
  EXPECT_TRUE(Contains(s.log(), "auth=required")) << s.log();
  const std::vector<std::string> wrong = {"", "Bearer tok-wrong-secret",
                                          Basic("alice:pw-wrong-secret"), Basic("bob:pw-right")};
  for (bool grpc : {false, true}) {
    SCOPED_TRACE(grpc ? "gRPC" : "Connect");
    auto c = ClientFor(s.address(), grpc);
    for (const auto& authz : wrong) {
      SCOPED_TRACE(authz);
      EXPECT_EQ(PeerStates(*c, authz).status().code(), Code::kUnauthenticated);
      EXPECT_EQ(SetRemoteConfig(*c, authz), Code::kUnauthenticated);
    }
    for (const auto& authz : {"Bearer " + token, Basic("alice:pw-right")}) {
      auto n = PeerStates(*c, authz);
      EXPECT_TRUE(n.ok()) << n.status().ToString();
      EXPECT_EQ(SetRemoteConfig(*c, authz), Code::kNotFound) << "past auth: not connected";
    }
  }
  // The CLI goes through the token.
  auto peers = Sh(dir, "$B peers --data d --json");
  EXPECT_EQ(peers.code, 0) << peers.err;
  const int refused = 2 * 2 * static_cast<int>(wrong.size());
  ASSERT_TRUE(WaitFor([&] { return CountOf(s.log(), "API call refused") >= refused; })) << s.log();
  const std::string log = s.log();
  EXPECT_EQ(CountOf(log, "API call refused"), refused) << "one line per refused call";
  EXPECT_FALSE(Contains(log, "secret")) << "a credential was logged:\n" << log;
  EXPECT_FALSE(Contains(log, token)) << "the token was logged";
  EXPECT_FALSE(Contains(log, "authentication is disabled"));
}

TEST(CliAuth, AdminApiRequiresTheToken) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d");
  DisableAuth(dir, "d");  // the admin API ignores auth.disabled
  auto c = ClientFor(s.address(), false);
  for (const char* authz : {"", "Bearer tok-wrong-secret", "Basic YTpi"}) {
    EXPECT_EQ(c->Unary("/brs.admin.v1.Admin/Status", "", Authz(authz), 10'000).status().code(),
              Code::kUnauthenticated)
        << authz;
  }
  auto status = Sh(dir, "$B status --data d --json");
  EXPECT_EQ(status.code, 0) << status.err;
  EXPECT_TRUE(Contains(status.out, "\"running\":true")) << status.out;
  ASSERT_TRUE(WaitFor([&] { return CountOf(s.log(), "API call refused") >= 3; })) << s.log();
  EXPECT_EQ(CountOf(s.log(), "API call refused"), 3);
  EXPECT_FALSE(Contains(s.log(), "secret"));
}

TEST(CliAuth, ServeRefusesAWildcardListenWithAuthDisabled) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  DisableAuth(dir, "d");
  // `timeout`: a serve that wrongly starts ends the test instead of hanging it.
  auto r = Sh(dir, "timeout 20 $B serve --data d --listen 0.0.0.0:0");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "auth.disabled")) << r.err;
  EXPECT_TRUE(Contains(r.err, "is not a loopback address")) << r.err;
  EXPECT_TRUE(Contains(r.err, "--insecure-no-auth")) << r.err;
  EXPECT_FALSE(Contains(Slurp(dir.File("d/daemon.json")), "listen"));
  r = Sh(dir, "timeout 20 $B serve --data d --listen '[::]:0'");
  EXPECT_EQ(r.code, 1) << r.out << r.err;

  Serve s(dir, "d", "--insecure-no-auth", "0.0.0.0:0");
  ASSERT_FALSE(s.address().empty()) << s.log();
  EXPECT_EQ(CountOf(s.log(), "authentication is disabled"), 1) << s.log();
  auto c = ClientFor(s.address(), false);
  auto n = PeerStates(*c, "");
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(s.Stop(), 0);
}

TEST(CliAuth, DisabledAuthOnLoopbackIsHonouredWithAWarning) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  DisableAuth(dir, "d");
  Serve s(dir, "d");
  ASSERT_FALSE(s.address().empty()) << s.log();
  EXPECT_EQ(CountOf(s.log(), "authentication is disabled"), 1) << s.log();
  EXPECT_TRUE(Contains(s.log(), "auth=disabled")) << s.log();
  for (bool grpc : {false, true}) {
    auto c = ClientFor(s.address(), grpc);
    auto n = PeerStates(*c, "");
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(SetRemoteConfig(*c, ""), Code::kNotFound);
  }
}

TEST(CliAuth, ReloadedConfigCannotDisableAuthOnAWildcardListen) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  Serve s(dir, "d", "", "0.0.0.0:0");
  ASSERT_FALSE(s.address().empty()) << s.log();
  DisableAuth(dir, "d");
  ASSERT_TRUE(WaitFor([&] { return Contains(s.log(), "auth.disabled in config.json ignored"); }))
      << s.log();
  auto c = ClientFor(s.address(), false);
  EXPECT_EQ(PeerStates(*c, "").status().code(), Code::kUnauthenticated);
  EXPECT_EQ(SetRemoteConfig(*c, ""), Code::kUnauthenticated);
  EXPECT_FALSE(Contains(s.log(), "authentication is disabled"));
}

TEST(CliAuth, UserAddStoresABcryptHashAndRefusesBadInput) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data d").code, 0);
  ASSERT_EQ(Sh(dir, "printf 'first-pw\\n' | $B user add alice --data d").code, 0);
  auto again = Sh(dir, "printf 'other-pw\\n' | $B user add alice --data d");
  EXPECT_EQ(again.code, 1);
  EXPECT_TRUE(Contains(again.err, "already exists")) << again.err;
  EXPECT_EQ(Sh(dir, "$B user add bob --data d").code, 2) << "no password on stdin";
  EXPECT_EQ(Sh(dir, "printf 'pw\\n' | $B user add 'a:b' --data d").code, 2);
  EXPECT_EQ(Sh(dir, "printf '%073d\\n' 0 | $B user add carol --data d").code, 2)
      << "longer than bcrypt's 72 bytes";
  auto r = Sh(dir, "printf 'second-pw\\n' | $B user add alice --replace --data d --json");
  EXPECT_EQ(r.out, "{\"added\":\"alice\",\"replaced\":true}\n") << r.err;
  const std::string config = Slurp(dir.File("d/config.json"));
  EXPECT_EQ(CountOf(config, "\"name\""), 1) << config;
  EXPECT_FALSE(Contains(config, "-pw"));
  EXPECT_EQ(Sh(dir, "$B user remove alice --data d").code, 0);
  EXPECT_EQ(Sh(dir, "$B user remove alice --data d").code, 1);
  EXPECT_FALSE(Contains(Slurp(dir.File("d/config.json")), "alice"));
}

}  // namespace
