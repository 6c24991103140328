// The state service behind the RPC layer, authenticated as the daemon does
// it: a fresh data dir's config requires credentials (the bearer token or a
// Backrest user), over Connect and gRPC, and each refusal is reported once
// without the presented credential.
#include <gtest/gtest.h>

#include <mutex>

#include "base/encoding.h"
#include "rpc/client.h"
#include "rpc/server.h"
#include "sync/rpc_glue.h"
#include "sync/sync_service.h"
#include "sync/sync_test_util.h"

namespace brs::sync {
namespace {

using testing::Instance;

constexpr char kToken[] = "tok-0123456789abcdef";

std::string Basic(std::string_view user_colon_password) {
  return "Basic " + Base64Encode(reinterpret_cast<const uint8_t*>(user_colon_password.data()),
                                 user_colon_password.size(), Base64Alphabet::kStandard,
                                 Base64Padding::kPadded);
}

rpc::Headers Authz(const std::string& value) {
  if (value.empty()) return {};
  return {{"authorization", value}};
}

// A fresh instance (config as `init` creates it) with one known host,
// serving the state service on loopback; the authenticator is rebuilt from
// the config's auth section, as the daemon does.
struct StateServer {
  Instance inst{""};
  std::unique_ptr<SyncService> service;
  std::unique_ptr<rpc::Server> server;
  std::mutex mu;
  std::vector<std::string> refusals;  // "path: reason"

  StateServer() {
    EXPECT_TRUE(inst.config
                    ->Update([](v1::Config& c) {
                      auto* h = c.mutable_multihost()->add_known_hosts();
                      h->set_instance_id("hub");
                      h->set_keyid("ed25519.hubkey");
                      return Status();
                    })
                    .ok());
    SyncServiceOptions so;
    so.env = inst.env();
    service = std::make_unique<SyncService>(so, nullptr);
    rpc::ServerOptions ro;
    ro.listen = "127.0.0.1:0";
    server = std::make_unique<rpc::Server>(ro);
    RegisterSyncServices(
        *server, *service,
        [this] {
          return std::make_shared<const ApiAuthenticator>(inst.config->Get()->auth(),
                                                          std::vector<std::string>{kToken});
        },
        [this](const rpc::CallInfo& call, const Status& why) {
          std::lock_guard lock(mu);
          refusals.push_back(call.path + ": " + why.message());
        });
    EXPECT_TRUE(server->Start().ok());
  }
  ~StateServer() { server->Stop(1'000); }

  std::unique_ptr<rpc::Client> Client(bool grpc) {
    rpc::ClientOptions o;
    o.base_url = "http://" + server->address();
    o.grpc = grpc;
    auto c = rpc::Client::Create(o);
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  std::vector<std::string> Refusals() {
    std::lock_guard lock(mu);
    return refusals;
  }
};

// GetPeerSyncStatesStream without subscribing: the key IDs it sent, or the
// call's error.
StatusOr<std::vector<std::string>> PeerStates(rpc::Client& c, const std::string& authz) {
  BRS_ASSIGN_OR_RETURN(auto s,
                       c.Open(kPeerStatesPath, rpc::CallKind::kServerStream, Authz(authz), 10'000));
  BRS_RETURN_IF_ERROR(s->Write(v1sync::SyncStateStreamRequest().SerializeAsString()));
  s->Finish(Status());
  std::vector<std::string> keyids;
  std::string m;
  for (;;) {
    BRS_ASSIGN_OR_RETURN(auto r, s->Read(&m, rpc::SteadyNowMs() + 10'000));
    if (r != rpc::Stream::ReadResult::kMessage) return keyids;
    v1sync::PeerState st;
    if (!st.ParseFromString(m)) return Internal("malformed PeerState");
    keyids.push_back(st.peer_keyid());
  }
}

Status SetRemoteConfig(rpc::Client& c, const std::string& authz) {
  v1sync::SetRemoteClientConfigRequest req;
  req.set_peer_keyid("ed25519.hubkey");
  return c.Unary(kSetRemoteConfigPath, req.SerializeAsString(), Authz(authz), 10'000).status();
}

TEST(StateServiceAuth, FreshConfigRefusesCallsWithoutTheRightCredentials) {
  StateServer s;
  ASSERT_FALSE(s.inst.config->Get()->auth().disabled());
  ASSERT_TRUE(s.inst.config
                  ->Update([](v1::Config& c) {
                    auto* u = c.mutable_auth()->add_users();
                    u->set_name("alice");
                    u->set_password_bcrypt(*MakeBackrestPassword("pw-right", 4));
                    return Status();
                  })
                  .ok());
  const std::vector<std::string> wrong = {"", "Bearer tok-wrong-secret",
                                          Basic("alice:pw-wrong-secret"), Basic("mallory:pw-right"),
                                          "Digest x"};
  for (bool grpc : {false, true}) {
    SCOPED_TRACE(grpc ? "gRPC" : "Connect");
    auto c = s.Client(grpc);
    for (const auto& authz : wrong) {
      SCOPED_TRACE(authz);
      EXPECT_EQ(PeerStates(*c, authz).status().code(), Code::kUnauthenticated);
      EXPECT_EQ(SetRemoteConfig(*c, authz).code(), Code::kUnauthenticated);
    }
    for (const std::string& authz : {std::string("Bearer ") + kToken, Basic("alice:pw-right")}) {
      SCOPED_TRACE(authz);
      auto states = PeerStates(*c, authz);
      ASSERT_TRUE(states.ok()) << states.status().ToString();
      EXPECT_EQ(*states, std::vector<std::string>{"ed25519.hubkey"});
      // Past authentication: the peer is not connected.
      EXPECT_EQ(SetRemoteConfig(*c, authz).code(), Code::kNotFound);
    }
  }
  const auto refusals = s.Refusals();
  EXPECT_EQ(refusals.size(), 2 * 2 * wrong.size()) << "one report per refused call";
  for (const auto& r : refusals) {
    EXPECT_EQ(r.find("secret"), std::string::npos) << "credential echoed: " << r;
    EXPECT_EQ(r.find("pw-right"), std::string::npos) << "credential echoed: " << r;
  }
}

TEST(StateServiceAuth, DisabledByTheOperatorServesWithoutCredentials) {
  StateServer s;
  ASSERT_TRUE(s.inst.config
                  ->Update([](v1::Config& c) {
                    c.mutable_auth()->set_disabled(true);
                    return Status();
                  })
                  .ok());
  auto c = s.Client(false);
  auto states = PeerStates(*c, "");
  ASSERT_TRUE(states.ok()) << states.status().ToString();
  EXPECT_EQ(states->size(), 1u);
  EXPECT_EQ(SetRemoteConfig(*c, "").code(), Code::kNotFound);
  EXPECT_TRUE(s.Refusals().empty());
}

}  // namespace
}  // namespace brs::sync
