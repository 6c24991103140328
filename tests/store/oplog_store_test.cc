#include "store/oplog_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::MakeOp;
using testing::MakeRemoteOp;
using testing::TempDir;

constexpr char kPeerA[] = "ed25519.peerA";
constexpr char kPeerB[] = "ed25519.peerB";

std::unique_ptr<OplogStore> OpenStore(const std::string& path) {
  OplogStore::Options o;
  o.path = path;
  auto s = OplogStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Records every event a subscriber receives.
struct Recorder {
  std::mutex mu;
  std::vector<OpEvent> events;
  OpCallback Callback() {
    return [this](const OpEvent& e) {
      std::lock_guard l(mu);
      events.push_back(e);
    };
  }
  size_t Count(OpEventKind kind) {
    std::lock_guard l(mu);
    size_t n = 0;
    for (const auto& e : events) n += e.kind == kind ? e.ops.size() : 0;
    return n;
  }
};

TEST(OplogStoreTest, AddAssignsIncreasingIdsModnosAndFlowIds) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp(), MakeOp(), MakeOp()};
  ops[2].set_flow_id(1);  // joins the first op's flow (ids start at 1)
  ASSERT_TRUE(store->Add(ops).ok());
  EXPECT_EQ(ops[0].id(), 1);
  EXPECT_EQ(ops[1].id(), 2);
  EXPECT_EQ(ops[2].id(), 3);
  EXPECT_EQ(ops[0].modno(), 1);
  EXPECT_EQ(ops[2].modno(), 3);
  EXPECT_EQ(ops[0].flow_id(), 1);
  EXPECT_EQ(ops[1].flow_id(), 2);
  EXPECT_EQ(ops[2].flow_id(), 1);
  auto got = store->Get(2);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), ops[1].SerializeAsString());
  EXPECT_EQ(store->Get(99).status().code(), Code::kNotFound);
}

TEST(OplogStoreTest, GetManySkipsMissingAndKeepsOrder) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp(), MakeOp(), MakeOp()};
  ASSERT_TRUE(store->Add(ops).ok());
  std::vector<int64_t> ids = {3, 99, 1, 3};
  auto got = store->GetMany(ids);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].id(), 3);
  EXPECT_EQ((*got)[1].id(), 1);
  EXPECT_EQ((*got)[2].id(), 3);
}

TEST(OplogStoreTest, AddRejectsOpsWithIdOrModno) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp()};
  ops[0].set_id(5);
  EXPECT_EQ(store->Add(ops).code(), Code::kInvalidArgument);
  ops[0].set_id(0);
  ops[0].set_modno(5);
  EXPECT_EQ(store->Add(ops).code(), Code::kInvalidArgument);
}

TEST(OplogStoreTest, AddValidatesLikeBackrest) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp()};
  ops[0].clear_repo_guid();
  EXPECT_EQ(store->Add(ops).code(), Code::kInvalidArgument);
  EXPECT_EQ(ops[0].id(), 0);  // not assigned on failure
  EXPECT_EQ(*store->Count({}), 0);
}

TEST(OplogStoreTest, IdsAndModnosStayMonotonicAcrossDeleteAndReopen) {
  TempDir dir;
  const std::string path = dir.File("oplog.db");
  int64_t last_id, last_modno;
  {
    auto store = OpenStore(path);
    std::vector<v1::Operation> ops = {MakeOp(), MakeOp(), MakeOp()};
    ASSERT_TRUE(store->Add(ops).ok());
    ASSERT_TRUE(store->Update(std::span(ops).subspan(0, 1)).ok());
    last_id = ops[2].id();
    last_modno = ops[0].modno();
    int64_t newest = ops[2].id();
    ASSERT_TRUE(store->Delete(std::span<const int64_t>(&newest, 1)).ok());
  }
  auto store = OpenStore(path);
  std::vector<v1::Operation> ops = {MakeOp()};
  ASSERT_TRUE(store->Add(ops).ok());
  EXPECT_GT(ops[0].id(), last_id) << "a deleted op's id must not be reused";
  EXPECT_GT(ops[0].modno(), last_modno);
}

TEST(OplogStoreTest, UpdateBumpsModnoAndRequiresExistingOp) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp()};
  ASSERT_TRUE(store->Add(ops).ok());
  int64_t before = ops[0].modno();
  ops[0].set_display_message("changed");
  ASSERT_TRUE(store->Update(ops).ok());
  EXPECT_GT(ops[0].modno(), before);
  EXPECT_EQ(store->Get(ops[0].id())->display_message(), "changed");
  EXPECT_EQ(store->Get(ops[0].id())->modno(), ops[0].modno());

  std::vector<v1::Operation> missing = {MakeOp()};
  missing[0].set_id(1000);
  missing[0].set_flow_id(1000);
  EXPECT_EQ(store->Update(missing).code(), Code::kNotFound);
}

TEST(OplogStoreTest, SetInsertsAndUpdatesKeepingGivenModno) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp()};
  ops[0].set_modno(77);
  ASSERT_TRUE(store->Set(ops).ok());
  EXPECT_EQ(ops[0].id(), 1);
  EXPECT_EQ(ops[0].modno(), 77);
  ops[0].set_modno(80);
  ops[0].set_display_message("x");
  ASSERT_TRUE(store->Set(ops).ok());
  EXPECT_EQ(store->Get(1)->modno(), 80);
  EXPECT_EQ(*store->Count({}), 1);
}

TEST(OplogStoreTest, DeleteIsAllOrNothing) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp(), MakeOp()};
  ASSERT_TRUE(store->Add(ops).ok());
  std::vector<int64_t> ids = {1, 42};
  EXPECT_EQ(store->Delete(ids).status().code(), Code::kNotFound);
  EXPECT_EQ(*store->Count({}), 2);
  ids = {1, 2};
  auto removed = store->Delete(ids);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->size(), 2u);
  EXPECT_EQ(*store->Count({}), 0);
}

TEST(OplogStoreTest, QueriesByColumnsWithOrderLimitOffset) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops;
  for (int i = 0; i < 10; ++i) ops.push_back(MakeOp(i % 2 ? "odd" : "even", i < 5 ? "r1" : "r2"));
  const std::string snapshot(64, 'a');  // Backrest accepts only full IDs
  ops[3].set_snapshot_id(snapshot);
  ASSERT_TRUE(store->Add(ops).ok());

  OpQuery q;
  q.plan_id = "odd";
  EXPECT_EQ(*store->Count(q), 5);
  q.repo_guid = "guid-r2";
  auto r = store->Query(q);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);  // ids 6, 8, 10
  EXPECT_EQ((*r)[0].id(), 6);
  EXPECT_EQ((*r)[2].id(), 10);

  OpQuery page;
  page.limit = 3;
  page.offset = 2;
  page.reversed = true;
  r = store->Query(page);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id(), 8);
  EXPECT_EQ((*r)[2].id(), 6);

  OpQuery below;  // a page below a cursor, newest first
  below.id_lt = 8;
  below.limit = 2;
  below.reversed = true;
  r = store->Query(below);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id(), 7);
  EXPECT_EQ((*r)[1].id(), 6);

  OpQuery by_repo_id;
  by_repo_id.repo_id = "r1";
  by_repo_id.instance_id = "inst-a";
  EXPECT_EQ(*store->Count(by_repo_id), 5);
  OpQuery by_snapshot;
  by_snapshot.snapshot_id = snapshot;
  EXPECT_EQ(store->Query(by_snapshot)->at(0).id(), 4);
  OpQuery by_flow;
  by_flow.flow_id = 7;
  EXPECT_EQ(*store->Count(by_flow), 1);
  OpQuery by_status;
  by_status.status = v1::STATUS_SUCCESS;
  EXPECT_EQ(*store->Count(by_status), 10);
  by_status.status = v1::STATUS_ERROR;
  EXPECT_EQ(*store->Count(by_status), 0);
  OpQuery by_time;
  by_time.start_time_ms_gte = 1700000000000;
  by_time.start_time_ms_lt = 1700000000001;
  EXPECT_EQ(*store->Count(by_time), 10);
  by_time.start_time_ms_gte = 1700000000001;
  EXPECT_EQ(*store->Count(by_time), 0);
  OpQuery no_group;
  no_group.plan_id = "nonexistent";
  EXPECT_EQ(*store->Count(no_group), 0);
  EXPECT_TRUE(store->Query(no_group)->empty());

  std::vector<int64_t> seen;
  ASSERT_TRUE(store
                  ->ScanMetadata({},
                                 [&](const OpMetadata& m) {
                                   seen.push_back(m.id);
                                   EXPECT_EQ(m.repo_guid,
                                             m.repo_id == "r1" ? "guid-r1" : "guid-r2");
                                   return seen.size() < 4;
                                 })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4}));
}

// A query over a few groups (one instance's plans) is one walk per group
// merged by ID: every paging of it gives what filtering all ops gives.
TEST(OplogStoreTest, AQueryOverSeveralGroupsGivesWhatAFilterOfAllOpsGives) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops;
  for (int i = 0; i < 90; ++i) {  // interleaved: 3 instances x 3 plans
    v1::Operation op = MakeOp("plan" + std::to_string(i % 3), "repo1", 1700000000000 + i);
    op.set_instance_id("inst-" + std::to_string((i / 3) % 3));
    op.set_status(i % 7 == 0 ? v1::STATUS_ERROR : v1::STATUS_SUCCESS);
    ops.push_back(op);
  }
  auto added = store->Add(ops);
  ASSERT_TRUE(added.ok()) << added.ToString();
  auto all = store->Query({});
  ASSERT_TRUE(all.ok());
  for (bool reversed : {false, true}) {
    for (int64_t limit : {0, 1, 7, 30, 100}) {
      for (int64_t offset : {0, 5}) {
        for (std::optional<int64_t> below :
             {std::optional<int64_t>(), std::optional<int64_t>(50)}) {
          for (std::optional<int32_t> status :
               {std::optional<int32_t>(), std::optional<int32_t>(v1::STATUS_ERROR)}) {
            OpQuery q;
            q.instance_id = "inst-1";
            q.reversed = reversed;
            q.limit = limit;
            q.offset = offset;
            q.id_lt = below;
            q.status = status;
            std::vector<int64_t> want;
            for (const auto& op : *all) {
              if (op.instance_id() == "inst-1" && (!below || op.id() < *below) &&
                  (!status || op.status() == *status)) {
                want.push_back(op.id());
              }
            }
            if (reversed) std::reverse(want.begin(), want.end());
            want.erase(want.begin(), want.begin() + std::min<size_t>(offset, want.size()));
            if (limit > 0 && want.size() > static_cast<size_t>(limit)) want.resize(limit);
            auto got = store->Query(q);
            ASSERT_TRUE(got.ok()) << got.status().ToString();
            std::vector<int64_t> ids;
            for (const auto& op : *got) ids.push_back(op.id());
            EXPECT_EQ(ids, want) << "reversed " << reversed << " limit " << limit << " offset "
                                 << offset << " below " << below.value_or(0) << " status "
                                 << status.value_or(0);
          }
        }
      }
    }
  }
}

TEST(OplogStoreTest, SyncedOpsMapIdsAndFlowsPerPeer) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> local = {MakeOp()};
  ASSERT_TRUE(store->Add(local).ok());  // local id 1

  // Peer A: ops 100 and 101 in flow 100, op 200 in its own flow.
  auto a = store->UpsertSynced(
      kPeerA, {MakeRemoteOp(100, 100, 5), MakeRemoteOp(101, 100, 6), MakeRemoteOp(200, 200, 7)});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->size(), 3u);
  const auto& a100 = (*a)[0];
  const auto& a101 = (*a)[1];
  const auto& a200 = (*a)[2];
  EXPECT_EQ(a100.id(), 2);
  EXPECT_EQ(a100.flow_id(), a100.id());
  EXPECT_EQ(a101.flow_id(), a100.id()) << "same original flow -> same local flow";
  EXPECT_EQ(a200.flow_id(), a200.id());
  EXPECT_EQ(a100.original_id(), 100);
  EXPECT_EQ(a100.original_flow_id(), 100);
  EXPECT_EQ(a100.original_instance_keyid(), kPeerA);
  EXPECT_EQ(a101.modno(), 6) << "the client's modno is kept";

  // Same (K, original_id) again -> same local id; modno follows the client.
  auto again = store->UpsertSynced(kPeerA, {MakeRemoteOp(101, 100, 9)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].id(), a101.id());
  EXPECT_EQ((*again)[0].flow_id(), a100.id());
  EXPECT_EQ(store->Get(a101.id())->modno(), 9);

  // Peer B uses the same original ids: no collision.
  auto b = store->UpsertSynced(kPeerB, {MakeRemoteOp(100, 100, 5)});
  ASSERT_TRUE(b.ok());
  EXPECT_NE((*b)[0].id(), a100.id());
  EXPECT_NE((*b)[0].flow_id(), a100.flow_id());
  EXPECT_EQ(store->GetSynced(kPeerB, 100)->id(), (*b)[0].id());
  EXPECT_EQ(store->GetSynced(kPeerA, 100)->id(), a100.id());
  EXPECT_EQ(store->GetSynced(kPeerA, 999).status().code(), Code::kNotFound);
  EXPECT_EQ(*store->Count({}), 5);

  // Synced ops do not move the local modno counter.
  EXPECT_EQ(store->last_modno(), 1);
  // A later local op still gets a fresh id above all synced ones.
  std::vector<v1::Operation> more = {MakeOp()};
  ASSERT_TRUE(store->Add(more).ok());
  EXPECT_EQ(more[0].id(), 6);
}

TEST(OplogStoreTest, SyncedFlowMappingSurvivesAcrossBatches) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  auto first = store->UpsertSynced(kPeerA, {MakeRemoteOp(10, 10, 1)});
  ASSERT_TRUE(first.ok());
  auto second = store->UpsertSynced(kPeerA, {MakeRemoteOp(11, 10, 1)});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)[0].flow_id(), (*first)[0].id());
}

TEST(OplogStoreTest, SyncedOpWithoutModnoGetsALocalOne) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> local = {MakeOp()};
  ASSERT_TRUE(store->Add(local).ok());
  auto r = store->UpsertSynced(kPeerA, {MakeRemoteOp(5, 5, 0)});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].modno(), local[0].modno() + 1);
  auto zero_id = store->UpsertSynced(kPeerA, {MakeRemoteOp(0, 5, 1)});
  EXPECT_EQ(zero_id.status().code(), Code::kInvalidArgument);
}

TEST(OplogStoreTest, LocalWritesRefuseSyncedOps) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp()};
  ops[0].set_original_instance_keyid(kPeerA);
  EXPECT_EQ(store->Add(ops).code(), Code::kInvalidArgument);
  EXPECT_EQ(store->Set(ops).code(), Code::kInvalidArgument);
}

TEST(OplogStoreTest, BatchUpsertIsOneTransaction) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  Recorder rec;
  store->Subscribe({}, rec.Callback());
  std::vector<v1::Operation> batch;
  for (int i = 1; i <= 100; ++i) batch.push_back(MakeRemoteOp(i, i, 1));
  batch[49].clear_repo_guid();  // fails validation after 49 rows were written
  auto r = store->UpsertSynced(kPeerA, batch);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*store->Count({}), 0) << "nothing of a failed batch may be applied";
  EXPECT_TRUE(rec.events.empty()) << "no event for a rolled-back transaction";
  // The ids consumed by the failed batch are given back.
  batch[49].set_repo_guid("guid-repo1");
  r = store->UpsertSynced(kPeerA, batch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].id(), 1);
  EXPECT_EQ(*store->Count({}), 100);
  EXPECT_EQ(rec.Count(OpEventKind::kCreated), 100u);
  EXPECT_EQ(rec.events.size(), 1u) << "one batch, one event";
}

// The ID mapper's bounded cache never changes an answer: the same script
// of synced batches (two peers, shared flows, a rolled-back batch, deletes
// that end a flow, a manifest) gives the same local ids and flow ids with
// a 2-entry or a roomy cache as with none.
TEST(OplogStoreTest, IdMapperCacheGivesTheSameIdsAsTheIndex) {
  TempDir dir;
  auto run = [&](const std::string& name, size_t cache_entries) {
    OplogStore::Options o;
    o.path = dir.File(name);
    o.id_map_cache_entries = cache_entries;
    auto store = std::move(OplogStore::Open(o)).value();
    for (int round = 0; round < 3; ++round) {
      for (const char* peer : {kPeerA, kPeerB}) {
        std::vector<v1::Operation> batch;
        for (int i = 1; i <= 40; ++i) {
          batch.push_back(MakeRemoteOp(round * 100 + i, 1000 + (i % 7), round + 1));
        }
        if (round == 1) {
          auto bad = batch;
          bad[30].clear_repo_guid();  // rolls the whole batch back
          EXPECT_FALSE(store->UpsertSynced(peer, bad).ok());
        }
        EXPECT_TRUE(store->UpsertSynced(peer, batch).ok());
      }
      // End flow 1003 of peer A (all its ops so far), then reuse it.
      std::vector<int64_t> del;
      auto listed = store->ListSynced(kPeerA);
      for (const auto& e : *listed) {
        auto op = store->Get(e.id);
        if (op.ok() && op->original_flow_id() == 1003) del.push_back(e.original_id);
      }
      EXPECT_TRUE(store->DeleteSynced(kPeerA, del).ok());
      EXPECT_TRUE(store->UpsertSynced(kPeerA, {MakeRemoteOp(round * 100 + 99, 1003, 9)}).ok());
    }
    std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>> out;
    for (const char* peer : {kPeerA, kPeerB}) {
      auto listed = store->ListSynced(peer);
      for (const auto& e : *listed) {
        auto op = store->Get(e.id);
        EXPECT_TRUE(op.ok()) << e.original_id << " " << e.id << " " << op.status().ToString();
        if (!op.ok()) continue;
        out.emplace_back(peer, e.original_id, op->id(), op->flow_id());
      }
    }
    return out;
  };
  auto uncached = run("none.db", 0);
  EXPECT_FALSE(uncached.empty());
  EXPECT_EQ(run("tiny.db", 2), uncached);
  EXPECT_EQ(run("roomy.db", 4096), uncached);
}

TEST(OplogStoreTest, UnknownFieldsSurviveTheRawPath) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::string bytes = MakeRemoteOp(5, 5, 3).SerializeAsString();
  // Field 999, varint 42: a field a newer Backrest might send.
  const std::string unknown = {static_cast<char>(0xb8), static_cast<char>(0x3e), 42};
  bytes += unknown;
  std::vector<std::string> raw = {bytes};
  auto r = store->UpsertSyncedRaw(kPeerA, raw);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto stored = store->GetRaw((*r)[0].id());
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->find(unknown), std::string::npos);
  auto op = store->Get((*r)[0].id());
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->GetReflection()->GetUnknownFields(*op).field_count(), 1);
  EXPECT_EQ(op->original_id(), 5);

  std::vector<std::string> garbage = {"\xff\xff\xff"};
  EXPECT_EQ(store->UpsertSyncedRaw(kPeerA, garbage).status().code(), Code::kInvalidArgument);
}

TEST(OplogStoreTest, OversizedOpIsRefused) {
  TempDir dir;
  OplogStore::Options o;
  o.path = dir.File("oplog.db");
  o.max_operation_bytes = 1024;
  auto store = std::move(OplogStore::Open(o)).value();
  auto op = MakeRemoteOp(1, 1, 1);
  op.set_display_message(std::string(2000, 'x'));
  EXPECT_EQ(store->UpsertSynced(kPeerA, {op}).status().code(), Code::kInvalidArgument);
}

TEST(OplogStoreTest, DeleteSyncedIgnoresUnknownIds) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  ASSERT_TRUE(store->UpsertSynced(kPeerA, {MakeRemoteOp(1, 1, 1), MakeRemoteOp(2, 1, 1)}).ok());
  ASSERT_TRUE(store->UpsertSynced(kPeerB, {MakeRemoteOp(1, 1, 1)}).ok());
  std::vector<int64_t> del = {1, 77};
  auto n = store->DeleteSynced(kPeerA, del);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_EQ(store->GetSynced(kPeerA, 1).status().code(), Code::kNotFound);
  EXPECT_TRUE(store->GetSynced(kPeerA, 2).ok());
  EXPECT_TRUE(store->GetSynced(kPeerB, 1).ok()) << "another peer's op with the same id stays";
}

TEST(OplogStoreTest, ReconcileManifestDeletesExactlyTheMissingAndRequestsChanged) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> batch;
  for (int i = 1; i <= 10; ++i) batch.push_back(MakeRemoteOp(i * 10, i * 10, 1));
  ASSERT_TRUE(store->UpsertSynced(kPeerA, batch).ok());
  ASSERT_TRUE(store->UpsertSynced(kPeerB, {MakeRemoteOp(30, 30, 1)}).ok());
  Recorder rec;
  store->Subscribe({}, rec.Callback());

  // Manifest: 30 and 70 gone; 50 changed; 55 and 5 new; 90 listed twice
  // (once unchanged, once changed); unordered.
  std::vector<int64_t> ids = {100, 55, 10, 20, 40, 50, 60, 80, 90, 5, 90};
  std::vector<int64_t> modnos = {1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 3};
  auto r = store->ReconcileManifest(kPeerA, ids, modnos);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->request_ids, (std::vector<int64_t>{55, 50, 5, 90}));
  std::vector<int64_t> deleted_originals;
  for (const auto& e : rec.events) {
    ASSERT_EQ(e.kind, OpEventKind::kDeleted);
    for (const auto& op : e.ops) deleted_originals.push_back(op.original_id());
  }
  std::sort(deleted_originals.begin(), deleted_originals.end());
  EXPECT_EQ(deleted_originals, (std::vector<int64_t>{30, 70}));
  EXPECT_EQ(r->deleted_ids.size(), 2u);
  EXPECT_EQ(*store->Count({}), 9);
  EXPECT_TRUE(store->GetSynced(kPeerB, 30).ok()) << "only the manifest's peer is reconciled";

  std::vector<int64_t> bad_modnos = {1};
  EXPECT_EQ(store->ReconcileManifest(kPeerA, ids, bad_modnos).status().code(),
            Code::kInvalidArgument);
}

TEST(OplogStoreTest, ListSyncedAndDeleteSyncedNotIn) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  ASSERT_TRUE(store
                  ->UpsertSynced(
                      kPeerA, {MakeRemoteOp(3, 3, 7), MakeRemoteOp(1, 1, 5), MakeRemoteOp(2, 1, 6)})
                  .ok());
  auto list = store->ListSynced(kPeerA);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].original_id, 1);
  EXPECT_EQ((*list)[0].modno, 5);
  EXPECT_EQ((*list)[2].original_id, 3);
  std::vector<int64_t> keep = {3, 1, 1};
  auto deleted = store->DeleteSyncedNotIn(kPeerA, keep);
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(deleted->size(), 1u);
  EXPECT_EQ(store->GetSynced(kPeerA, 2).status().code(), Code::kNotFound);
  EXPECT_EQ(store->ListSynced(kPeerA)->size(), 2u);
}

// Local ops have an empty original key ID: an empty peer key ID must not
// reach them, whatever it keeps.
TEST(OplogStoreTest, DeleteSyncedNotInRefusesAnEmptyKeyId) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> local = {MakeOp("plan1")};
  ASSERT_TRUE(store->Add(local).ok());
  auto deleted = store->DeleteSyncedNotIn("", {});
  EXPECT_EQ(deleted.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(*store->Count({}), 1);
}

TEST(OplogStoreTest, SubscribersSeeCommittedChangesWithFilters) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  Recorder all, plan2;
  store->Subscribe({}, all.Callback());
  auto id2 =
      store->Subscribe([](const OpMetadata& m) { return m.plan_id == "plan2"; }, plan2.Callback());
  std::vector<v1::Operation> ops = {MakeOp("plan1"), MakeOp("plan2")};
  ASSERT_TRUE(store->Add(ops).ok());
  // Delivered by the time Add returns.
  EXPECT_EQ(all.Count(OpEventKind::kCreated), 2u);
  EXPECT_EQ(plan2.Count(OpEventKind::kCreated), 1u);
  ASSERT_TRUE(store->Update(std::span(ops).subspan(1, 1)).ok());
  EXPECT_EQ(plan2.Count(OpEventKind::kUpdated), 1u);
  // A failed write notifies nobody.
  std::vector<v1::Operation> bad = {MakeOp()};
  bad[0].clear_plan_id();
  EXPECT_FALSE(store->Add(bad).ok());
  EXPECT_EQ(all.events.size(), 2u);
  store->Unsubscribe(id2);
  int64_t id = ops[1].id();
  ASSERT_TRUE(store->Delete(std::span<const int64_t>(&id, 1)).ok());
  EXPECT_EQ(all.Count(OpEventKind::kDeleted), 1u);
  EXPECT_EQ(plan2.Count(OpEventKind::kDeleted), 0u);
}

TEST(OplogStoreTest, CallbackMayWriteToTheStore) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<OpEventKind> kinds;
  SubscriptionId sub = 0;
  sub = store->Subscribe({}, [&](const OpEvent& e) {
    kinds.push_back(e.kind);
    if (e.kind == OpEventKind::kCreated && e.ops[0].display_message() == "backup") {
      v1::Operation op = e.ops[0];
      op.set_display_message("follow-up");
      std::vector<v1::Operation> u = {op};
      EXPECT_TRUE(store->Update(u).ok());  // re-entrant write: no deadlock
      store->Unsubscribe(sub);             // and re-entrant unsubscribe
    }
  });
  std::vector<v1::Operation> ops = {MakeOp()};
  ASSERT_TRUE(store->Add(ops).ok());
  EXPECT_EQ(kinds, (std::vector<OpEventKind>{OpEventKind::kCreated}));
  EXPECT_EQ(store->Get(1)->display_message(), "follow-up");
}

TEST(OplogStoreTest, SubscribeWithManifestLosesNothingUnderConcurrentWriter) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::atomic<int> target{1 << 30};  // the writer goes on until it wrote this many
  std::atomic<int> written{0};
  std::thread writer([&] {
    int n = 0;
    while (n < target.load()) {
      std::vector<v1::Operation> ops = {MakeOp(), MakeOp()};
      ASSERT_TRUE(store->Add(ops).ok());
      ops[0].set_display_message("updated");
      ASSERT_TRUE(store->Update(std::span(ops).subspan(0, 1)).ok());
      n += 2;
      written = n;
    }
  });
  while (written.load() < 50) std::this_thread::yield();

  std::mutex mu;
  std::map<int64_t, int64_t> seen;  // id -> newest modno, from manifest + events
  std::set<int64_t> created_after;
  auto r = store->SubscribeWithManifest({}, {}, [&](const OpEvent& e) {
    std::lock_guard l(mu);
    for (const auto& op : e.ops) {
      if (e.kind == OpEventKind::kCreated) {
        EXPECT_FALSE(seen.count(op.id())) << "created op " << op.id() << " was in the manifest";
        created_after.insert(op.id());
      }
      seen[op.id()] = std::max(seen[op.id()], op.modno());
    }
  });
  ASSERT_TRUE(r.ok());
  {
    std::lock_guard l(mu);
    for (const auto& m : r->second) {
      EXPECT_FALSE(created_after.count(m.id));
      seen[m.id] = std::max(seen[m.id], m.modno);
    }
  }
  target = written.load() + 100;  // some writes surely after the subscription
  writer.join();
  store->Unsubscribe(r->first);

  // Manifest + events reproduce the store exactly.
  std::map<int64_t, int64_t> actual;
  ASSERT_TRUE(store
                  ->ScanMetadata({},
                                 [&](const OpMetadata& m) {
                                   actual[m.id] = m.modno;
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(seen, actual);
  EXPECT_GT(created_after.size(), 0u);
  EXPECT_GT(r->second.size(), 0u);
}

TEST(OplogStoreTest, ManifestAppliesFilter) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<v1::Operation> ops = {MakeOp("p1"), MakeOp("p2"), MakeOp("p1")};
  ASSERT_TRUE(store->Add(ops).ok());
  OpQuery local;
  local.original_instance_keyid = "";
  auto m = store->Manifest(local, [](const OpMetadata& md) { return md.plan_id == "p1"; });
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0].id, 1);
  EXPECT_EQ((*m)[1].id, 3);
  EXPECT_EQ((*m)[1].modno, 3);
}

TEST(OplogStoreTest, ConcurrentReadersAndWriters) {
  TempDir dir;
  auto store = OpenStore(dir.File("oplog.db"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        std::vector<v1::Operation> ops = {MakeOp()};
        ASSERT_TRUE(store->Add(ops).ok());
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(store->Count({}).ok());
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(*store->Count({}), 90);
  std::set<int64_t> ids;
  ASSERT_TRUE(store
                  ->ScanMetadata({},
                                 [&](const OpMetadata& m) {
                                   ids.insert(m.id);
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(ids.size(), 90u);
  EXPECT_EQ(*ids.rbegin(), 90);
}

// A child process adds ops and reports each acknowledged ID through a pipe;
// it is killed with SIGKILL at a random moment. Every acknowledged op must
// be in the store afterwards, and IDs keep increasing.
TEST(OplogStoreTest, SigkillLosesNothingAcknowledged) {
  TempDir dir;
  const std::string path = dir.File("oplog.db");
  int64_t highest_seen = 0;
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      OplogStore::Options o;
      o.path = path;
      auto s = OplogStore::Open(o);
      if (!s.ok()) ::_exit(3);
      for (;;) {
        std::vector<v1::Operation> ops = {MakeOp(), MakeOp()};
        if (!(*s)->Add(ops).ok()) ::_exit(4);
        int64_t ids[2] = {ops[0].id(), ops[1].id()};
        if (::write(fds[1], ids, sizeof ids) != sizeof ids) ::_exit(5);
      }
    }
    ::close(fds[1]);
    // Wait for the first acknowledgement (the child may be slow to start on
    // a loaded machine), then let it run a little longer before the kill.
    std::string partial;
    int64_t first[2];
    size_t got = 0;
    while (got < sizeof first) {
      ssize_t r = ::read(fds[0], reinterpret_cast<char*>(first) + got, sizeof first - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    partial.append(reinterpret_cast<char*>(first), got);
    ::usleep(static_cast<useconds_t>(5000 + round * 15000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    std::vector<int64_t> acked;
    int64_t buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
      partial.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
    }
    ::close(fds[0]);
    for (size_t off = 0; off + 8 <= partial.size(); off += 8) {
      int64_t id;
      std::memcpy(&id, partial.data() + off, 8);
      acked.push_back(id);
    }
    ASSERT_FALSE(acked.empty()) << "round " << round << ": the child acknowledged nothing";
    auto store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    for (int64_t id : acked) {
      ASSERT_TRUE(store->Get(id).ok()) << "acknowledged op " << id << " lost in round " << round;
      EXPECT_GT(id, highest_seen) << "ids must keep increasing across crashes";
    }
    highest_seen = std::max(highest_seen, store->last_id());
  }
}

TEST(OplogStoreTest, SecondOpenOfTheSameFileIsRefused) {
  TempDir dir;
  const std::string path = dir.File("oplog.db");
  auto first = OpenStore(path);
  OplogStore::Options o;
  o.path = path;
  EXPECT_EQ(OplogStore::Open(o).status().code(), Code::kUnavailable);
  first.reset();
  EXPECT_TRUE(OplogStore::Open(o).ok());
}

TEST(OplogStoreTest, RefusesNewerSchema) {
  TempDir dir;
  const std::string path = dir.File("oplog.db");
  { OpenStore(path); }
  {
    auto db = std::move(SqliteDb::Open(path)).value();
    ASSERT_TRUE(db->Exec("UPDATE schema_version SET version = 99 WHERE component = 'oplog'").ok());
  }
  OplogStore::Options o;
  o.path = path;
  EXPECT_EQ(OplogStore::Open(o).status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace brs::store
