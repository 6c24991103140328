// A hostile network between peers (issue #14 §2): a hub and N client
// daemons (real processes), each client behind its own FaultProxy
// (tests/app/fault_proxy.h) that adds latency, jitter and a bandwidth limit
// and cuts, black-holes and resets connections at random byte offsets. Each
// client starts with a preloaded oplog; a mutator adds, updates and deletes
// ops at random clients while the faults are on. Then the network heals
// and, within a deadline, the hub must hold exactly each client's ops (each
// once, the latest modno, deletions applied); each client's dials, counted
// at its proxy, must respect the back-off (never two within the one-second
// floor, no more than one per second over the run); the hub's peak memory
// (VmHWM) is reported and bounded.
//
// Default: 5 clients x 1 000 ops, 20 s of faults. Long (ctest -L long):
// 20 x 5 000, 60 s. BRS_NET_CLIENTS, BRS_NET_OPS, BRS_NET_FAULT_S and
// BRS_NET_SEED override; the seed is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "app/chaos_util.h"
#include "app/fault_proxy.h"
#include "app/net_scenario.h"

namespace {

using namespace brs::app::testing;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

TEST(NetFault, ClientsConvergeThroughAHostileNetwork) {
  NetScenarioOptions o;
  o.clients = EnvInt("BRS_NET_CLIENTS", 5);
  o.ops_per_client = EnvInt("BRS_NET_OPS", 1'000);
  o.fault_s = EnvInt("BRS_NET_FAULT_S", 20);
  o.converge_s = 30;
  o.hub_hwm_bound_kb = 256 * 1024;
  RunNetScenario(o);
}

TEST(NetFaultLong, TwentyClientsFiveThousandOpsSixtySecondsOfFaults) {
  if (!std::getenv("BRS_RUN_LONG")) GTEST_SKIP() << "long: set BRS_RUN_LONG=1 (ctest -L long)";
  NetScenarioOptions o;
  o.clients = EnvInt("BRS_NET_CLIENTS", 20);
  o.ops_per_client = EnvInt("BRS_NET_OPS", 5'000);
  o.fault_s = EnvInt("BRS_NET_FAULT_S", 60);
  o.converge_s = 30;
  o.hub_hwm_bound_kb = 512 * 1024;
  RunNetScenario(o);
}

}  // namespace
