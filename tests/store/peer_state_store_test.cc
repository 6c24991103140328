#include "store/peer_state_store.h"

#include <gtest/gtest.h>

#include "store/small_fs.h"
#include "store/store_test_util.h"

namespace brs::store {
namespace {

using testing::TempDir;

v1sync::PeerState Connected(const std::string& keyid, const std::string& instance) {
  v1sync::PeerState s;
  s.set_peer_keyid(keyid);
  s.set_peer_instance_id(instance);
  s.set_state(v1sync::CONNECTION_STATE_CONNECTED);
  s.set_status_message("connected");
  s.set_last_heartbeat_millis(1700000000123);
  auto* repo = s.add_known_repos();
  repo->set_id("repo1");
  repo->set_guid("guid1");
  s.add_known_plans()->set_id("plan1");
  s.mutable_remote_config()->set_modno(7);
  return s;
}

TEST(PeerStateStoreTest, PersistsAcrossReopenAndResetsToDisconnected) {
  TempDir dir;
  const std::string path = dir.File("state.db");
  {
    auto store = std::move(PeerStateStore::Open(path)).value();
    ASSERT_TRUE(store->Set(Connected("ed25519.a", "laptop")).ok());
    ASSERT_TRUE(store->Set(Connected("ed25519.b", "desktop")).ok());
    ASSERT_TRUE(store->Set(Connected("ed25519.gone", "old")).ok());
  }
  auto store = std::move(PeerStateStore::Open(path)).value();
  auto a = store->Get("ed25519.a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->state(), v1sync::CONNECTION_STATE_CONNECTED);
  EXPECT_EQ(a->known_repos(0).guid(), "guid1");
  EXPECT_EQ(a->remote_config().modno(), 7);

  std::vector<v1sync::PeerState> notified;
  store->Subscribe([&](const v1sync::PeerState& s) { notified.push_back(s); });
  std::vector<PeerRef> peers = {
      {"ed25519.a", "laptop"}, {"ed25519.b", "desktop"}, {"ed25519.new", "fresh"}};
  ASSERT_TRUE(store->ResetAllToDisconnected(peers).ok());
  auto all = store->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);  // "gone" is no longer in the config
  for (const auto& s : *all) {
    EXPECT_EQ(s.state(), v1sync::CONNECTION_STATE_DISCONNECTED) << s.peer_keyid();
    EXPECT_EQ(s.status_message(), "disconnected");
  }
  EXPECT_EQ((*all)[0].peer_keyid(), "ed25519.a");
  EXPECT_EQ((*all)[0].known_repos_size(), 1) << "known repos survive the reset";
  EXPECT_EQ((*all)[0].last_heartbeat_millis(), 1700000000123);
  EXPECT_EQ((*all)[1].peer_keyid(), "ed25519.b");
  EXPECT_EQ((*all)[2].peer_instance_id(), "fresh");
  EXPECT_EQ(notified.size(), 3u);
  EXPECT_EQ(store->Get("ed25519.gone").status().code(), Code::kNotFound);
}

TEST(PeerStateStoreTest, UpdateIsReadModifyWriteAndNotifies) {
  TempDir dir;
  auto store = std::move(PeerStateStore::Open(dir.File("state.db"))).value();
  int calls = 0;
  auto id = store->Subscribe([&](const v1sync::PeerState& s) {
    ++calls;
    EXPECT_EQ(s.peer_keyid(), "ed25519.c");
  });
  auto r = store->Update("ed25519.c", [](v1sync::PeerState& s) {
    s.add_known_plans()->set_id("p1");
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok());
  r = store->Update("ed25519.c", [](v1sync::PeerState& s) {
    s.add_known_plans()->set_id("p2");
    return Status::Ok();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(store->Get("ed25519.c")->known_plans_size(), 2);
  EXPECT_EQ(calls, 2);
  auto failed = store->Update("ed25519.c", [](v1sync::PeerState& s) {
    s.clear_known_plans();
    return Internal("abort");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(store->Get("ed25519.c")->known_plans_size(), 2);
  EXPECT_EQ(calls, 2);
  store->Unsubscribe(id);
  ASSERT_TRUE(store->Set(Connected("ed25519.c", "x")).ok());
  EXPECT_EQ(calls, 2);
  v1sync::PeerState no_key;
  EXPECT_EQ(store->Set(no_key).code(), Code::kInvalidArgument);
}

TEST(PeerStateStoreTest, ConnectionStateAndHeartbeatShorthands) {
  TempDir dir;
  auto store = std::move(PeerStateStore::Open(dir.File("state.db"))).value();
  ASSERT_TRUE(store->Set(Connected("ed25519.h", "hub")).ok());
  auto r = store->SetConnectionState("ed25519.h", "", v1sync::CONNECTION_STATE_ERROR_AUTH,
                                     "key mismatch");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->peer_instance_id(), "hub");
  EXPECT_EQ(r->known_repos_size(), 1);
  ASSERT_TRUE(store->RecordHeartbeat("ed25519.h", 1800000000000).ok());
  auto got = store->Get("ed25519.h");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->state(), v1sync::CONNECTION_STATE_ERROR_AUTH);
  EXPECT_EQ(got->status_message(), "key mismatch");
  EXPECT_EQ(got->last_heartbeat_millis(), 1800000000000);
}

TEST(PeerStateStoreTest, SharesTheOplogDatabaseFile) {
  TempDir dir;
  const std::string path = dir.File("shared.db");
  auto a = std::move(PeerStateStore::Open(path)).value();
  auto b = std::move(PeerStateStore::Open(path)).value();  // second connection, same file
  ASSERT_TRUE(a->Set(Connected("ed25519.z", "z")).ok());
  EXPECT_TRUE(b->Get("ed25519.z").ok());
}

}  // namespace
// A full disk: the write is refused for lack of space, yet the new state is
// what Get, List and subscribers see; it is written with the peer's next
// change once space returns.
TEST(PeerStateStoreTest, AStateRefusedForLackOfSpaceIsKeptAndWrittenLater) {
  TempDir dir;
  testing::SmallFs fs(dir.path() + "/small", 1 << 20);
  if (!fs.error().empty()) GTEST_SKIP() << fs.error();
  const std::string path = dir.path() + "/small/state.sqlite";
  auto store = PeerStateStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Set(Connected("k1", "laptop")).ok());
  std::vector<std::string> seen;
  (*store)->Subscribe([&](const v1sync::PeerState& s) { seen.push_back(s.status_message()); });

  testing::FillLeaving(dir.path() + "/small/filler", dir.path() + "/small", 0);
  // Big enough to need new pages (a remote repo of 200 KiB).
  auto full = (*store)->Update("k1", [](v1sync::PeerState& s) {
    s.set_state(v1sync::CONNECTION_STATE_ERROR_INTERNAL);
    s.set_status_message("hub store full");
    s.mutable_remote_config()->add_repos()->set_uri(std::string(200 << 10, 'c'));
    return Status::Ok();
  });
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_EQ((*store)->unsaved(), 1u);
  auto got = (*store)->Get("k1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status_message(), "hub store full");
  EXPECT_EQ(got->peer_instance_id(), "laptop");  // kept from the stored one
  auto listed = (*store)->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].status_message(), "hub store full");
  EXPECT_EQ(seen, std::vector<std::string>{"hub store full"});
  {  // Not on disk: another reader sees the stored state.
    auto other = PeerStateStore::Open(path);
    ASSERT_TRUE(other.ok());
    EXPECT_EQ((*other)->Get("k1")->status_message(), "connected");
  }

  std::filesystem::remove(dir.path() + "/small/filler");
  ASSERT_TRUE((*store)->RecordHeartbeat("k1", 1700000009999).ok());
  EXPECT_EQ((*store)->unsaved(), 0u);
  store->reset();
  auto reopened = PeerStateStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto after = (*reopened)->Get("k1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status_message(), "hub store full");
  EXPECT_EQ(after->last_heartbeat_millis(), 1700000009999);
  ASSERT_EQ(after->remote_config().repos_size(), 1);
  EXPECT_EQ(after->remote_config().repos(0).uri().size(), size_t{200 << 10});
}

}  // namespace brs::store
