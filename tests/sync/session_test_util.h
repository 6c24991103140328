// Nodes (an instance with its identity and metrics) and the config entries
// that join them, for the tests that run whole sessions (real crypto,
// runners on threads, in-memory pipes).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "crypto/identity.h"
#include "sync/handler_factory.h"
#include "sync/session.h"
#include "sync/sync_metrics.h"
#include "sync/sync_test_util.h"

namespace brs::sync::testing {

// The machine's clock in ms, for waits on the transports' real deadlines.
inline int64_t SteadyNowMsForTest() { return SteadyNowMsForTestImpl(); }

// Polls `done` until it holds or `timeout_ms` of real time passed; returns
// whether it held. For waiting on an event another thread causes.
inline bool WaitFor(const std::function<bool()>& done, int64_t timeout_ms = 20'000) {
  const int64_t give_up = SteadyNowMsForTest() + timeout_ms;
  while (!done()) {
    if (SteadyNowMsForTest() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

struct Node {
  crypto::Identity id;
  std::unique_ptr<Instance> inst;
  metrics::Registry registry;
  SyncMetrics metrics{registry};
  // What the peer announced (extensions), and the hub's throttle tuning.
  PeerFeatures peer_features;
  size_t throttle_backlog = 256;
  int64_t throttle_delay_ms = 200;
  SyncTunables tunables;

  explicit Node(const std::string& config_text)
      : id(*crypto::Identity::Generate()), inst(std::make_unique<Instance>(config_text)) {}
  std::string instance() const { return inst->config->Get()->instance(); }

  SessionOptions Options(Role role) {
    SessionOptions o;
    o.role = role;
    o.env = inst->env();
    // Runners on real threads over real waits: the machine's clocks (the
    // engine's time rules are tested with a fake clock in
    // session_engine_test.cc).
    o.env.clock = &Env::Default();
    o.env.metrics = &metrics;
    o.tunables = tunables;
    o.identity = &id;
    o.instance_id = instance();
    o.handshake_timeout_ms = 5'000;
    o.peer_features = peer_features;
    o.throttle_backlog = throttle_backlog;
    o.throttle_delay_ms = throttle_delay_ms;
    if (role == Role::kHub) {
      o.make_handler = NewHubHandler;
    } else {
      o.make_handler = NewClientHandler;
    }
    return o;
  }
  uint64_t Throttles(const std::string& direction) {
    return metrics.throttles.With({direction}).Value();
  }
};

// `hub` as a client's known host, allowed to read all its operations.
inline v1::Multihost::Peer HostEntry(const Node& hub, const std::string& secret = "") {
  v1::Multihost::Peer p;
  p.set_instance_id(hub.instance());
  p.set_keyid(hub.id.key_id());
  p.set_instance_url("pipe://");
  p.set_initial_pairing_secret(secret);
  auto* perm = p.add_permissions();
  perm->set_type(v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
  perm->add_scopes("*");
  return p;
}

inline void AddKnownHost(Node& client, const v1::Multihost::Peer& host) {
  ASSERT_TRUE(client.inst->config
                  ->Update([&](v1::Config& c) {
                    *c.mutable_multihost()->add_known_hosts() = host;
                    return Status();
                  })
                  .ok());
}

// Authorizes `client` at `hub` under `instance` (by default its own).
inline void Authorize(Node& hub, const Node& client, const std::string& instance = "") {
  ASSERT_TRUE(hub.inst->config
                  ->Update([&](v1::Config& c) {
                    auto* p = c.mutable_multihost()->add_authorized_clients();
                    p->set_instance_id(instance.empty() ? client.instance() : instance);
                    p->set_keyid(client.id.key_id());
                    return Status();
                  })
                  .ok());
}

}  // namespace brs::sync::testing
