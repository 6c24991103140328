// A node M that is a hub for a client D and a client of an upstream hub U
// (issue #15 §1): while U reads nothing, M's own writes fill its outbox
// towards U. M must go on ingesting D's operations at full speed (no oplog
// subscriber may hold the store's writers), and U must converge on M's
// operations once it reads again.
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "sync/pipe_transport.h"
#include "sync/session_error.h"
#include "sync/session_runner.h"
#include "sync/session_test_util.h"

namespace brs::sync {
namespace {

using testing::AddKnownHost;
using testing::Authorize;
using testing::HostEntry;
using testing::Node;
using testing::WaitFor;

// A transport whose reads wait while it is held: a peer that reads
// nothing (however long: the test decides when it reads again).
class HeldTransport final : public SyncTransport {
 public:
  explicit HeldTransport(SyncTransport* inner) : inner_(inner) {}
  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_steady_ms) override {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !held_; });
    }
    return inner_->Read(message, deadline_steady_ms);
  }
  void Wake() override { inner_->Wake(); }
  Status Write(std::string_view message) override { return inner_->Write(message); }
  void Finish(const Status& status) override { inner_->Finish(status); }
  size_t Backlog() const override { return inner_->Backlog(); }

 private:
  SyncTransport* inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
};

// One session runner on a thread of its own.
struct Running {
  std::shared_ptr<SessionRunner> runner;
  std::thread thread;

  Running(SessionOptions options, SyncTransport* transport) {
    runner = SessionRunner::Create(std::move(options), transport);
    thread = std::thread([r = runner] { (void)r->Run(); });
  }
  ~Running() {
    runner->Terminate(Disconnected("test done"));
    thread.join();
  }
};

constexpr char kRepo[] = "repos { id: \"repo1\" guid: \"guid-repo1\" uri: \"/r\" }";

v1::Operation OpOf(const std::string& instance, int64_t start_ms) {
  v1::Operation op = store::testing::MakeOp("plan1", "repo1", start_ms);
  op.set_instance_id(instance);
  return op;
}

// (id -> modno) of the node's own operations.
std::map<int64_t, int64_t> OwnOps(Node& n) {
  std::map<int64_t, int64_t> out;
  auto ops = n.inst->oplog->Query({});
  EXPECT_TRUE(ops.ok());
  for (const auto& op : *ops) {
    if (op.original_instance_keyid().empty()) out[op.id()] = op.modno();
  }
  return out;
}

// (original id -> modno) of what `hub` holds from `client`.
std::map<int64_t, int64_t> SyncedFrom(Node& hub, const Node& client) {
  std::map<int64_t, int64_t> out;
  auto list = hub.inst->oplog->ListSynced(client.id.key_id());
  EXPECT_TRUE(list.ok());
  for (const auto& e : *list) out[e.original_id] = e.modno;
  return out;
}

bool Connected(Node& at, const Node& peer) {
  auto s = at.inst->peers->Get(peer.id.key_id());
  return s.ok() && s->state() == v1sync::CONNECTION_STATE_CONNECTED;
}

TEST(SlowUpstream, IngestGoesOnAndTheUpstreamConvergesWhenItReadsAgain) {
  Node u("instance: \"u\""), m(std::string("instance: \"m\" ") + kRepo),
      d(std::string("instance: \"d\" ") + kRepo);
  // Small queues towards U, so that M's writes fill them quickly.
  m.tunables.outbox_high_water = 32;
  Authorize(u, m);
  AddKnownHost(m, HostEntry(u));
  Authorize(m, d);
  AddKnownHost(d, HostEntry(m));

  auto [m_to_u, u_from_m] = PipeTransport::Pair(4);
  auto [d_to_m, m_from_d] = PipeTransport::Pair();
  HeldTransport u_side(u_from_m.get());
  SessionOptions m_client = m.Options(Role::kClient), d_client = d.Options(Role::kClient);
  m_client.known_host = HostEntry(u);
  d_client.known_host = HostEntry(m);
  Running upstream(u.Options(Role::kHub), &u_side);
  Running m_up(std::move(m_client), m_to_u.get());
  Running m_down(m.Options(Role::kHub), m_from_d.get());
  Running downstream(std::move(d_client), d_to_m.get());
  struct ReleaseAtExit {
    HeldTransport& t;
    ~ReleaseAtExit() { t.Release(); }
  } release_at_exit{u_side};
  ASSERT_TRUE(WaitFor([&] { return Connected(u, m) && Connected(m, d); }));

  // U stops reading (in the story, for 30 s). Meanwhile M writes
  // 300 operations of its own (each one event towards U), updates and
  // deletes some, and D sends 1 000.
  u_side.Hold();
  constexpr int kOwn = 300, kFromD = 1'000;
  std::atomic<bool> own_written{false};
  std::thread m_writer([&] {
    std::vector<int64_t> ids;
    for (int i = 0; i < kOwn; ++i) {
      v1::Operation op = OpOf("m", 1'700'000'000'000 + i);
      EXPECT_TRUE(m.inst->oplog->Add(std::span(&op, 1)).ok());
      ids.push_back(op.id());
    }
    auto updated = m.inst->oplog->GetMany(std::span(ids).subspan(0, 10));
    EXPECT_TRUE(updated.ok() && m.inst->oplog->Update(*updated).ok());
    EXPECT_TRUE(m.inst->oplog->Delete(std::span(ids).subspan(10, 10)).ok());
    own_written = true;
  });
  for (int i = 0; i < kFromD; i += 10) {
    std::vector<v1::Operation> batch;
    for (int j = 0; j < 10; ++j) batch.push_back(OpOf("d", 1'700'000'000'000 + i + j));
    EXPECT_TRUE(d.inst->oplog->Add(batch).ok());
  }

  // M ingests all of D's operations and finishes its own writes while U
  // still reads nothing.
  EXPECT_TRUE(WaitFor([&] { return SyncedFrom(m, d).size() == size_t{kFromD}; }))
      << "M holds " << SyncedFrom(m, d).size() << " of D's operations";
  EXPECT_TRUE(WaitFor([&] { return own_written.load(); })) << "M's own writes stalled";
  EXPECT_LT(SyncedFrom(u, m).size(), size_t{kOwn}) << "U was meant to lag behind";

  // U reads again: it converges on M's operations, exactly.
  u_side.Release();
  m_writer.join();
  const std::map<int64_t, int64_t> want = OwnOps(m);
  EXPECT_EQ(want.size(), size_t{kOwn - 10});
  EXPECT_TRUE(WaitFor([&] { return SyncedFrom(u, m) == want; }))
      << "U holds " << SyncedFrom(u, m).size() << " of " << want.size();
}

}  // namespace
}  // namespace brs::sync
