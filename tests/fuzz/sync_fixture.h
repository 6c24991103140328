// The stores of a hub or a client instance in a fresh temp dir (under this
// process's own scratch dir), and the configs of a hub and a client that
// know each other: shared by the sync_dispatch target and the seed
// generator (which records a real session between the two).
#pragma once

#include <google/protobuf/text_format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "base/fake_env.h"
#include "fuzz_util.h"
#include "store/config_store.h"
#include "store/log_store.h"
#include "store/oplog_store.h"
#include "store/peer_state_store.h"
#include "sync/role_handler.h"
#include "sync/sync_env.h"

namespace brs::fuzz {

using sync::ItemSink;
using sync::SyncEnv;
using sync::SyncStreamItem;

inline constexpr char kHubConfig[] = R"pb(
  instance: "hub"
  repos { id: "shared1" guid: "gs1" uri: "/srv/shared1" shared: true }
  repos { id: "private" guid: "gp" uri: "/srv/private" }
  plans { id: "hubplan" repo: "private" }
  multihost {
    authorized_clients {
      instance_id: "inst-a"
      keyid: "ed25519.clientkey"
      permissions { type: PERMISSION_READ_CONFIG scopes: "repo:shared1" }
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

inline constexpr char kClientConfig[] = R"pb(
  instance: "inst-a"
  repos { id: "repo1" guid: "guid-repo1" uri: "/backup/repo1" }
  repos { id: "repo2" guid: "guid-repo2" uri: "/backup/repo2" }
  plans { id: "plan1" repo: "repo1" }
  multihost {
    known_hosts {
      instance_id: "hub"
      keyid: "ed25519.hubkey"
      instance_url: "http://127.0.0.1:9898"
      permissions { type: PERMISSION_READ_OPERATIONS scopes: "repo:repo1" }
      permissions { type: PERMISSION_READ_CONFIG scopes: "repo:repo1" }
      permissions { type: PERMISSION_RECEIVE_SHARED_REPOS }
    }
  }
)pb";

// Items the handler sends, counted and dropped (thread safe: the client's
// oplog subscription sends from the store's delivery thread).
class CountingSink final : public ItemSink {
 public:
  void Send(SyncStreamItem) override {
    std::lock_guard lock(mu_);
    ++sent_;
  }

 private:
  std::mutex mu_;
  size_t sent_ = 0;
};

// Where the stores' temp dirs go: $BRS_FUZZ_TMPDIR, else /dev/shm (a tmpfs:
// SQLite's fsyncs, some 30 an input, cost nothing there), else /tmp.
inline std::string ScratchRoot() {
  if (const char* d = ::getenv("BRS_FUZZ_TMPDIR"); d != nullptr && *d != 0) return d;
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return "/tmp";
}

// This process's own dir under ScratchRoot(), brs-fuzz-<pid>-XXXXXX, made on
// first use and removed at a normal exit: parallel fuzzers (-jobs/-fork
// children, several scripts/fuzz runs) never share one, and a crashed
// process's leftovers are told apart by pid (scripts/fuzz and smoke.sh also
// point BRS_FUZZ_TMPDIR at a dir of their own and remove it afterwards).
inline const std::string& ProcessScratchDir() {
  // Never destroyed: the atexit handler runs after static destructors.
  static const std::string* dir = [] {
    std::string tmpl = ScratchRoot() + "/brs-fuzz-" + std::to_string(::getpid()) + "-XXXXXX";
    FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    auto* d = new std::string(tmpl);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    });
    return d;
  }();
  return *dir;
}

struct Instance {
  std::string dir;
  FakeEnv clock;
  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
  std::unique_ptr<store::LogStore> logs;

  explicit Instance(const char* config_text) {
    std::string tmpl = ProcessScratchDir() + "/sync-XXXXXX";
    FUZZ_CHECK(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    store::ConfigStore::Options co;
    co.path = dir + "/config.json";
    co.create_if_missing = true;
    auto c = store::ConfigStore::Open(co);
    FUZZ_CHECK(c.ok());
    config = std::move(*c);
    v1::Config wanted;
    FUZZ_CHECK(google::protobuf::TextFormat::ParseFromString(config_text, &wanted));
    FUZZ_CHECK(config
                   ->Update([&](v1::Config& cfg) {
                     cfg = wanted;
                     return Status();
                   })
                   .ok());
    store::OplogStore::Options oo;
    oo.path = dir + "/oplog.db";
    auto o = store::OplogStore::Open(oo);
    FUZZ_CHECK(o.ok());
    oplog = std::move(*o);
    auto p = store::PeerStateStore::Open(dir + "/peers.db");
    FUZZ_CHECK(p.ok());
    peers = std::move(*p);
    store::LogStore::Options lo;
    lo.path = dir + "/logs.db";
    lo.env = &clock;
    auto l = store::LogStore::Open(lo);
    FUZZ_CHECK(l.ok());
    logs = std::move(*l);
  }
  ~Instance() {
    logs.reset();
    peers.reset();
    oplog.reset();
    config.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  SyncEnv env() {
    SyncEnv e;
    e.config = config.get();
    e.oplog = oplog.get();
    e.peers = peers.get();
    e.logs = logs.get();
    e.clock = &clock;
    return e;
  }
  // Every op's (id, modno, status), in order: what a refused message must
  // not change.
  std::string OplogDigest() {
    auto ops = oplog->Query(store::OpQuery{});
    FUZZ_CHECK(ops.ok());
    std::string d;
    for (const auto& op : *ops) {
      d += std::to_string(op.id()) + "/" + std::to_string(op.modno()) + "/" +
           std::to_string(op.status()) + ";";
    }
    return d;
  }
};

inline v1::Operation LocalOp(int i) {
  v1::Operation op;
  op.set_repo_id("repo1");
  op.set_repo_guid("guid-repo1");
  op.set_plan_id("plan1");
  op.set_instance_id("inst-a");
  op.set_unix_time_start_ms(1'700'000'000'000 + i);
  op.set_status(v1::STATUS_SUCCESS);
  op.set_display_message("backup");
  return op;
}

}  // namespace brs::fuzz
