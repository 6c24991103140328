// Trust, end to end with real processes: a pairing secret never reaches an
// impostor hub, and the audit trail names every trust decision without ever
// holding a secret.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <string>
#include <vector>

#include "app/cli_test_util.h"

namespace {

using namespace brs::app::testing;

int CountOf(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// The secret part of "<hub key ID>:<secret>#<hub instance>".
std::string SecretOf(const std::string& token) {
  const auto colon = token.find(':');
  return token.substr(colon + 1, token.rfind('#') - colon - 1);
}

// Another hub (its own key) answers at the URL the client was given. The
// client dials it 50 times; the impostor never receives a handshake, so
// never the secret. The same token then pairs with the genuine hub.
TEST(Security, ImpostorHubNeverReceivesThePairingSecret) {
  TempDir dir;
  ASSERT_EQ(Sh(dir,
               "$B init --data hub --instance hub && $B init --data fake --instance hub && "
               "$B init --data laptop --instance laptop")
                .code,
            0);
  Serve hub(dir, "hub");
  Serve impostor(dir, "fake");
  auto tok = Sh(dir, "$B pair new --data hub --label laptop");
  ASSERT_EQ(tok.code, 0) << tok.err;
  const std::string token = FirstLine(tok.out);
  ASSERT_EQ(
      Sh(dir, "$B join '" + token + "' --url http://" + impostor.address() + " --data laptop").code,
      0);
  {
    Serve laptop(dir, "laptop");
    const std::string refused = "handshake refused role=client";
    for (int dial = 1; dial <= 50; ++dial) {
      ASSERT_TRUE(WaitFor([&] { return CountOf(laptop.log(), refused) >= dial; }))
          << "dial " << dial << ":\n"
          << laptop.log();
      laptop.Signal(SIGHUP);  // redial at once instead of backing off
    }
    EXPECT_TRUE(Contains(laptop.log(), "is not the known host's key")) << laptop.log();
  }
  impostor.Stop();
  const std::string fake_log = impostor.log();
  EXPECT_FALSE(Contains(fake_log, "handshake refused")) << fake_log;
  EXPECT_FALSE(Contains(fake_log, "client paired")) << fake_log;
  EXPECT_FALSE(Contains(fake_log, SecretOf(token)));

  // The genuine hub: the unspent secret pairs.
  ASSERT_EQ(
      Sh(dir, "$B join '" + token + "' --url http://" + hub.address() + " --data laptop --replace")
          .code,
      0);
  Serve laptop(dir, "laptop");
  EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "client paired"); })) << hub.log();
  EXPECT_TRUE(
      WaitFor([&] { return Contains(Sh(dir, "$B peers --data laptop --json").out, "CONNECTED"); }));
}

// The issue as a user met it: `pair new --expires 1s`, then, once `pair
// list` shows the token expired, a client with it is refused (the hub
// compares with wall-clock time, not the machine's uptime).
TEST(Security, AnExpiredTokenDoesNotPair) {
  TempDir dir;
  ASSERT_EQ(
      Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop").code,
      0);
  Serve hub(dir, "hub");
  auto tok = Sh(dir, "$B pair new --data hub --label soon --expires 1s");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_TRUE(WaitFor(
      [&] { return Contains(Sh(dir, "$B pair list --data hub --json").out, "\"expired\":true"); }));
  ASSERT_EQ(Sh(dir, "$B join '" + FirstLine(tok.out) + "' --url http://" + hub.address() +
                        " --data laptop")
                .code,
            0);
  Serve laptop(dir, "laptop");
  EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "pairing token expired"); })) << hub.log();
  EXPECT_TRUE(WaitFor(
      [&] { return Contains(Sh(dir, "$B peers --data laptop --json").out, "ERROR_AUTH"); }));
  EXPECT_FALSE(Contains(hub.log(), "client paired"));
  EXPECT_FALSE(Contains(Slurp(dir.File("hub/config.json")), "authorizedClients"));
}

// A tour of trust decisions: a refused pairing, a pairing, a token revoked,
// a client revoked. Each leaves its audit line; no log line anywhere holds
// a secret, token, key or password used in the tour.
TEST(Security, AuditTrailNamesEveryDecisionAndNoSecret) {
  TempDir dir;
  ASSERT_EQ(Sh(dir,
               "$B init --data hub --instance hub && $B init --data laptop --instance laptop "
               "&& $B init --data mallory --instance mallory")
                .code,
            0);
  Serve hub(dir, "hub");
  std::vector<std::string> secrets;
  std::string cli_output;
  auto run = [&](const std::string& cmd) {
    auto r = Sh(dir, cmd);
    cli_output += r.err;
    return r;
  };
  auto tok = run("$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0);
  const std::string token = FirstLine(tok.out);
  secrets.push_back(SecretOf(token));
  auto spare = run("$B pair new --data hub --label spare");
  secrets.push_back(SecretOf(FirstLine(spare.out)));
  // Mallory forges a token: the hub's key ID with a secret of her own.
  const std::string forged_secret(64, 'a');
  secrets.push_back(forged_secret);
  const std::string hub_key = token.substr(0, token.find(':'));
  ASSERT_EQ(run("$B join '" + hub_key + ":" + forged_secret + "#hub' --url http://" +
                hub.address() + " --data mallory")
                .code,
            0);
  {
    Serve mallory(dir, "mallory");
    EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "handshake refused role=hub"); }))
        << hub.log();
    cli_output += mallory.log();
  }
  ASSERT_EQ(run("$B join '" + token + "' --url http://" + hub.address() + " --data laptop").code,
            0);
  {
    Serve laptop(dir, "laptop");
    EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "client paired"); })) << hub.log();
    ASSERT_EQ(run("$B pair revoke --data hub spare").code, 0);
    auto key = run("$B status --data laptop --json");
    const std::string laptop_key = JsonField(key.out, "keyid");
    ASSERT_FALSE(laptop_key.empty()) << key.out;
    ASSERT_EQ(run("$B pair revoke --data hub " + laptop_key).code, 0);
    EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "client revoked"); })) << hub.log();
    EXPECT_TRUE(WaitFor([&] { return Contains(hub.log(), "pairing token revoked"); })) << hub.log();
    cli_output += laptop.log();
  }
  hub.Stop();
  const std::string log = hub.log();
  // The refused handshake: who, from where, why.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m,
                                std::regex("handshake refused role=hub remote=\\S+ "
                                           "key_id=ed25519\\.\\S+ instance=mallory "
                                           "reason=\"[^\"]*pairing refused[^\"]*\"")))
      << log;
  EXPECT_TRUE(std::regex_search(log, std::regex("client paired remote=\\S+ token_label=laptop "
                                                "token_fingerprint=[0-9a-f]{8} "
                                                "key_id=ed25519\\.\\S+ instance=laptop "
                                                "grants=READ_OPERATIONS:\\*")))
      << log;
  EXPECT_TRUE(Contains(log, "pairing token revoked label=spare")) << log;
  EXPECT_EQ(CountOf(log, "handshake refused role=hub"), 1) << "logged once:\n" << log;

  // No secret anywhere: pairing secrets, the admin token, private keys.
  secrets.push_back(FirstLine(Slurp(dir.File("hub/admin.token"))));
  for (const char* d : {"hub", "laptop", "mallory"}) {
    std::smatch k;
    const std::string cfg = Slurp(dir.File(std::string(d) + "/config.json"));
    if (std::regex_search(cfg, k, std::regex("\"ed25519priv\": \"([^\"]+)\""))) {
      secrets.push_back(k[1]);
    }
  }
  ASSERT_GE(secrets.size(), 6u);
  const std::string everything = log + cli_output;
  for (const auto& s : secrets) {
    ASSERT_GE(s.size(), 16u);
    EXPECT_FALSE(Contains(everything, s)) << "a secret in the logs: " << s.substr(0, 4) << "…";
  }
}

}  // namespace
