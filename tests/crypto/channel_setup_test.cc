// Channel setup (SPEC §4): the establish items, the HPKE exchange, session
// keys and transcript, and a man in the middle.
#include "crypto/channel_setup.h"

#include <gtest/gtest.h>

#include "crypto/hpke_setup.h"
#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

std::span<const uint8_t> S(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ChannelSetupTest, TranscriptKnownAnswer) {
  // Computed with Python hashlib from the SPEC §4 definition.
  const Bytes pk = {0, 1, 2, 3, 4};
  const Bytes enc = {0xaa, 0xaa, 0xaa};
  EXPECT_EQ(Hex(ComputeTranscript(pk, enc)),
            "7449a22f59bc4b3cbd7037f92f5540277553a407dd82821412ca778d70cfe653");
  EXPECT_EQ(Hex(ComputeTranscript({}, {})),
            "69624a0177607789f7e9115456c8e4752afcd4ff9d139c99a3ce8381334a5577");
}

TEST(ChannelSetupTest, FullExchangeThroughItems) {
  auto initiator = ChannelInitiator::Create();
  ASSERT_TRUE(initiator.ok()) << initiator.status().ToString();
  const v1sync::SyncStreamItem request = initiator->EstablishRequest();
  EXPECT_EQ(request.establish_shared_secret().protocol_version(), 1u);
  EXPECT_EQ(request.establish_shared_secret().kem_public_key().size(), 1665u);
  EXPECT_TRUE(request.establish_shared_secret().kem_encapsulation().empty());

  auto responder = ChannelResponder::AcceptRequest(request);
  ASSERT_TRUE(responder.ok()) << responder.status().ToString();
  const v1sync::SyncStreamItem response = responder->EstablishResponse();
  EXPECT_EQ(response.establish_shared_secret().protocol_version(), 1u);
  EXPECT_EQ(response.establish_shared_secret().kem_encapsulation().size(), 1665u);
  EXPECT_TRUE(response.establish_shared_secret().kem_public_key().empty());

  auto client = initiator->FinishWithResponse(response);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  Channel& hub = responder->channel();

  EXPECT_EQ(client->transcript(), hub.transcript());
  EXPECT_EQ(client->transcript(), ComputeTranscript(initiator->public_key(), responder->enc()));
  EXPECT_EQ(Hex(client->send_key()), Hex(hub.recv_key()));
  EXPECT_EQ(Hex(client->recv_key()), Hex(hub.send_key()));
  EXPECT_NE(Hex(client->send_key()), Hex(client->recv_key()));

  v1sync::SyncStreamItem hello;
  hello.mutable_request_log()->set_log_id("hello");
  auto up = client->Seal(hello);
  ASSERT_TRUE(up.ok());
  auto got = hub.Open(*up);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->request_log().log_id(), "hello");
  auto down = hub.Seal(hello);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(client->Open(*down).ok());
}

// The keys are exactly HPKE's exports with the SPEC labels: recompute them
// by hand from SetupBaseS / SetupBaseR with the same randomness.
TEST(ChannelSetupTest, KeysAreTheHpkeExports) {
  const Bytes seed(32, 0x5a);
  Bytes randomness(80, 0x33);
  auto initiator = ChannelInitiator::FromSeed(seed);
  ASSERT_TRUE(initiator.ok());
  auto responder = ChannelResponder::Accept(initiator->public_key(), randomness);
  ASSERT_TRUE(responder.ok());
  auto sender = SetupBaseS(KemId::kMlKem1024P384, HpkeKdf::kHkdfSha256, HpkeAead::kAes256Gcm,
                           initiator->public_key(), S("backrest-sync-transport-v1"), randomness);
  ASSERT_TRUE(sender.ok());
  EXPECT_EQ(sender->enc, responder->enc());
  auto i2r = sender->context.Export("backrest-sync-session-key/v1/initiator-to-responder", 32);
  auto r2i = sender->context.Export("backrest-sync-session-key/v1/responder-to-initiator", 32);
  ASSERT_TRUE(i2r.ok() && r2i.ok());
  EXPECT_EQ(Hex(responder->channel().recv_key()), Hex(*i2r));
  EXPECT_EQ(Hex(responder->channel().send_key()), Hex(*r2i));
  auto client = initiator->Finish(responder->enc());
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(Hex(client->send_key()), Hex(*i2r));
  EXPECT_EQ(Hex(client->recv_key()), Hex(*r2i));
}

TEST(ChannelSetupTest, ManInTheMiddleGetsTwoDifferentTranscripts) {
  // Client A dials "the hub", but M answers, and M dials the real hub B with
  // its own key. M can decrypt both legs; what defeats it is that A and B
  // compute different transcripts, so their handshake signatures (over
  // their own transcripts) do not verify on the other side.
  auto a = ChannelInitiator::Create();
  ASSERT_TRUE(a.ok());
  auto m_as_hub = ChannelResponder::AcceptRequest(a->EstablishRequest());
  ASSERT_TRUE(m_as_hub.ok());
  auto a_channel = a->FinishWithResponse(m_as_hub->EstablishResponse());
  ASSERT_TRUE(a_channel.ok());

  auto m_as_client = ChannelInitiator::Create();
  ASSERT_TRUE(m_as_client.ok());
  auto b = ChannelResponder::AcceptRequest(m_as_client->EstablishRequest());
  ASSERT_TRUE(b.ok());
  auto m_channel_to_b = m_as_client->FinishWithResponse(b->EstablishResponse());
  ASSERT_TRUE(m_channel_to_b.ok());

  EXPECT_NE(a_channel->transcript(), b->channel().transcript());
  EXPECT_NE(Hex(a_channel->send_key()), Hex(b->channel().recv_key()));
  EXPECT_NE(Hex(a_channel->recv_key()), Hex(b->channel().send_key()));
  // Each leg agrees with M only.
  EXPECT_EQ(a_channel->transcript(), m_as_hub->channel().transcript());
  EXPECT_EQ(b->channel().transcript(), m_channel_to_b->transcript());
  // Relaying A's ciphertext to B unchanged fails: different keys.
  v1sync::SyncStreamItem hb;
  hb.mutable_heartbeat();
  auto from_a = a_channel->Seal(hb);
  ASSERT_TRUE(from_a.ok());
  auto at_b = b->channel().Open(*from_a);
  EXPECT_EQ(b->channel().last_error(), ChannelError::kAuthFailed);
  EXPECT_FALSE(at_b.ok());
}

TEST(ChannelSetupTest, EstablishItemErrors) {
  auto initiator = ChannelInitiator::Create();
  ASSERT_TRUE(initiator.ok());
  const Bytes pk = initiator->public_key();

  auto expect = [](const StatusOr<Bytes>& r, const std::string& words) {
    ASSERT_FALSE(r.ok()) << words;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
  };

  v1sync::SyncStreamItem heartbeat;
  heartbeat.mutable_heartbeat();
  expect(ReadEstablishRequest(heartbeat), "expected establish_shared_secret");
  expect(ReadEstablishResponse(v1sync::SyncStreamItem()), "expected establish_shared_secret");
  v1sync::SyncStreamItem encrypted;
  encrypted.mutable_encrypted()->set_nonce(std::string(12, '\0'));
  expect(ReadEstablishRequest(encrypted), "expected establish_shared_secret");

  for (uint32_t version : {0u, 2u, 3u}) {
    v1sync::SyncStreamItem item = MakeEstablishRequest(pk);
    item.mutable_establish_shared_secret()->set_protocol_version(version);
    expect(ReadEstablishRequest(item),
           "unsupported transport protocol version " + std::to_string(version));
    v1sync::SyncStreamItem resp = MakeEstablishResponse(pk);
    resp.mutable_establish_shared_secret()->set_protocol_version(version);
    expect(ReadEstablishResponse(resp), "unsupported transport protocol version");
  }

  expect(ReadEstablishRequest(MakeEstablishRequest({})), "did not send a KEM public key");
  expect(ReadEstablishRequest(MakeEstablishResponse(pk)), "did not send a KEM public key");
  expect(ReadEstablishResponse(MakeEstablishResponse({})), "did not send a KEM encapsulation");
  expect(ReadEstablishResponse(MakeEstablishRequest(pk)), "did not send a KEM encapsulation");
  expect(ReadEstablishRequest(MakeEstablishRequest(Bytes(1664, 1))), "must be 1665 bytes");
  expect(ReadEstablishResponse(MakeEstablishResponse(Bytes(1666, 1))), "must be 1665 bytes");

  auto ok = ReadEstablishRequest(MakeEstablishRequest(pk));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, pk);

  // The item-level entry points pass these errors on.
  EXPECT_EQ(ChannelResponder::AcceptRequest(heartbeat).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(initiator->FinishWithResponse(heartbeat).status().code(), Code::kInvalidArgument);
}

TEST(ChannelSetupTest, BadKeyOrEncapsulationRejected) {
  auto initiator = ChannelInitiator::Create();
  ASSERT_TRUE(initiator.ok());
  Bytes pk = initiator->public_key();
  pk.back() ^= 1;  // P-384 point off the curve
  auto r = ChannelResponder::Accept(pk);
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not on the curve"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(ChannelResponder::Accept(Bytes(100, 4)).status().code(), Code::kInvalidArgument);

  auto responder = ChannelResponder::Accept(initiator->public_key());
  ASSERT_TRUE(responder.ok());
  Bytes enc = responder->enc();
  enc[enc.size() - 97] = 0x02;  // compressed ephemeral point
  auto c = initiator->Finish(enc);
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("compressed"), std::string::npos) << c.status().message();
  EXPECT_EQ(initiator->Finish(Bytes(1664, 0)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ChannelInitiator::FromSeed(Bytes(31, 0)).status().code(), Code::kInvalidArgument);

  // A different (valid) encapsulation gives a working but different channel:
  // the hub's messages do not open.
  auto other = ChannelResponder::Accept(initiator->public_key());
  ASSERT_TRUE(other.ok());
  auto client = initiator->Finish(other->enc());
  ASSERT_TRUE(client.ok());
  v1sync::SyncStreamItem hb;
  hb.mutable_heartbeat();
  auto from_hub = responder->channel().Seal(hb);
  ASSERT_TRUE(from_hub.ok());
  EXPECT_FALSE(client->Open(*from_hub).ok());
  EXPECT_EQ(client->last_error(), ChannelError::kAuthFailed);
}

}  // namespace
}  // namespace brs::crypto
