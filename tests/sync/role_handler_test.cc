#include "sync/role_handler.h"

#include <gtest/gtest.h>

#include <vector>

#include "sync/session_error.h"

namespace brs::sync {
namespace {

struct VectorSink : ItemSink {
  std::vector<SyncStreamItem> items;
  void Send(SyncStreamItem item) override { items.push_back(std::move(item)); }
};

// Accepts heartbeats only, counting them.
struct HeartbeatOnly : RoleHandler {
  int heartbeats = 0;
  Status OnConnectionEstablished(const v1::Multihost::Peer&, ItemSink&) override {
    return Status::Ok();
  }
  void OnConnectionDisconnected(const Status&) override {}
  Status HandleHeartbeat(const SyncStreamItem::SyncActionHeartbeat&, ItemSink& out) override {
    ++heartbeats;
    SyncStreamItem reply;
    reply.mutable_heartbeat();
    out.Send(reply);
    return Status::Ok();
  }
};

TEST(DispatchItem, RoutesToTheNamedMethod) {
  HeartbeatOnly h;
  VectorSink sink;
  SyncStreamItem item;
  item.mutable_heartbeat();
  ASSERT_TRUE(DispatchItem(item, h, sink).ok());
  EXPECT_EQ(h.heartbeats, 1);
  EXPECT_EQ(sink.items.size(), 1u);
}

TEST(DispatchItem, OtherRolesMessagesAndTransportItemsAreProtocolErrors) {
  HeartbeatOnly h;
  VectorSink sink;
  std::vector<SyncStreamItem> bad(9);
  bad[0].mutable_operation_manifest();
  bad[1].mutable_request_operation_data();
  bad[2].mutable_set_config();
  bad[3].mutable_throttle();
  bad[4].mutable_handshake();
  bad[5].mutable_establish_shared_secret();
  bad[6].mutable_encrypted();
  bad[7].mutable_signed_message();
  // bad[8] has no action at all
  for (const auto& item : bad) {
    Status s = DispatchItem(item, h, sink);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << item.DebugString();
    EXPECT_EQ(ConnectionStateFor(s), v1sync::CONNECTION_STATE_ERROR_PROTOCOL);
  }
  EXPECT_TRUE(sink.items.empty());
  EXPECT_EQ(h.heartbeats, 0);
}

TEST(SessionError, Classification) {
  EXPECT_EQ(ConnectionStateFor(AuthError("x")), v1sync::CONNECTION_STATE_ERROR_AUTH);
  EXPECT_EQ(ConnectionStateFor(Unauthenticated("x")), v1sync::CONNECTION_STATE_ERROR_AUTH);
  EXPECT_EQ(ConnectionStateFor(ProtocolError("x")), v1sync::CONNECTION_STATE_ERROR_PROTOCOL);
  EXPECT_EQ(ConnectionStateFor(Disconnected("x")), v1sync::CONNECTION_STATE_DISCONNECTED);
  EXPECT_EQ(ConnectionStateFor(Status::Ok()), v1sync::CONNECTION_STATE_DISCONNECTED);
  EXPECT_EQ(ConnectionStateFor(Internal("x")), v1sync::CONNECTION_STATE_ERROR_INTERNAL);
  EXPECT_EQ(ConnectionStateFor(DataLoss("x")), v1sync::CONNECTION_STATE_ERROR_INTERNAL);
  EXPECT_EQ(StatusMessageFor(Status::Ok()), "disconnected");
  EXPECT_EQ(StatusMessageFor(AuthError("bad key")), "bad key");
}

}  // namespace
}  // namespace brs::sync
