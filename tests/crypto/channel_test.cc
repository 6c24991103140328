// The channel after setup, with injected keys: round trips, and every
// receive error with its own ChannelError.
#include "crypto/channel.h"

#include <gtest/gtest.h>

#include "crypto/test_json.h"

namespace brs::crypto {
namespace {

using testing::Hex;

const Bytes kKeyI2R(32, 0x11);
const Bytes kKeyR2I(32, 0x22);
const Transcript kTranscript = {1, 2, 3};

struct Pair {
  Channel initiator;
  Channel responder;
};

Pair MakePair() {
  auto i = Channel::Create(kKeyI2R, kKeyR2I, kTranscript);
  auto r = Channel::Create(kKeyR2I, kKeyI2R, kTranscript);
  EXPECT_TRUE(i.ok() && r.ok());
  return Pair{std::move(*i), std::move(*r)};
}

v1sync::SyncStreamItem Heartbeat() {
  v1sync::SyncStreamItem item;
  item.mutable_heartbeat();
  return item;
}

v1sync::SyncStreamItem LogRequest(const std::string& ref) {
  v1sync::SyncStreamItem item;
  item.mutable_request_log()->set_log_id(ref);
  return item;
}

void ExpectError(const StatusOr<v1sync::SyncStreamItem>& r, const Channel& ch, ChannelError want,
                 const std::string& words) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(ChannelErrorName(ch.last_error()), ChannelErrorName(want)) << r.status().ToString();
  EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().message();
}

TEST(ChannelTest, NonceLayout) {
  EXPECT_EQ(Hex(ChannelNonce(0)), "000000000000000000000000");
  EXPECT_EQ(Hex(ChannelNonce(0x0102030405060708)), "000000000102030405060708");
}

TEST(ChannelTest, ThousandMessagesEachWay) {
  Pair p = MakePair();
  for (int i = 0; i < 1000; ++i) {
    auto a = LogRequest("i2r-" + std::to_string(i));
    auto sealed = p.initiator.Seal(a);
    ASSERT_TRUE(sealed.ok());
    ASSERT_TRUE(sealed->has_encrypted());
    EXPECT_EQ(Hex(sealed->encrypted().nonce()), Hex(ChannelNonce(static_cast<uint64_t>(i))));
    // The inner bytes are not visible in the envelope.
    EXPECT_EQ(sealed->encrypted().ciphertext().find("i2r-"), std::string::npos);
    auto opened = p.responder.Open(*sealed);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(opened->request_log().log_id(), a.request_log().log_id());

    auto b = LogRequest("r2i-" + std::to_string(i));
    auto sealed_b = p.responder.Seal(b);
    ASSERT_TRUE(sealed_b.ok());
    auto opened_b = p.initiator.Open(*sealed_b);
    ASSERT_TRUE(opened_b.ok()) << opened_b.status().ToString();
    EXPECT_EQ(opened_b->request_log().log_id(), b.request_log().log_id());
  }
  EXPECT_EQ(p.initiator.send_counter(), 1000u);
  EXPECT_EQ(p.initiator.recv_counter(), 1000u);
  EXPECT_EQ(p.responder.send_counter(), 1000u);
  EXPECT_EQ(p.responder.recv_counter(), 1000u);
  EXPECT_EQ(p.initiator.last_error(), ChannelError::kNone);
}

TEST(ChannelTest, DirectionsUseDifferentKeys) {
  Pair p = MakePair();
  auto sealed = p.initiator.Seal(Heartbeat());
  ASSERT_TRUE(sealed.ok());
  // The initiator cannot open its own message: its receive key is r2i.
  ExpectError(p.initiator.Open(*sealed), p.initiator, ChannelError::kAuthFailed,
              "authentication failed");
}

TEST(ChannelTest, EmptyInnerItemRoundTrips) {
  Pair p = MakePair();
  auto sealed = p.initiator.Seal(v1sync::SyncStreamItem());
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->encrypted().ciphertext().size(), kAesGcmTagSize);
  auto opened = p.responder.Open(*sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->action_case(), v1sync::SyncStreamItem::ACTION_NOT_SET);
}

TEST(ChannelTest, TamperedCiphertextAndTag) {
  for (size_t where : {size_t{0}, size_t{3}, size_t{1000}}) {  // 1000: in the tag
    Pair p = MakePair();
    auto sealed = p.initiator.Seal(LogRequest("tamper"));
    ASSERT_TRUE(sealed.ok());
    std::string ct = sealed->encrypted().ciphertext();
    const size_t i = where < ct.size() ? where : ct.size() - 1;
    ct[i] = static_cast<char>(ct[i] ^ 0x80);
    sealed->mutable_encrypted()->set_ciphertext(ct);
    ExpectError(p.responder.Open(*sealed), p.responder, ChannelError::kAuthFailed,
                "authentication failed");
    EXPECT_EQ(p.responder.recv_counter(), 0u);
  }
  Pair p = MakePair();
  auto sealed = p.initiator.Seal(Heartbeat());
  ASSERT_TRUE(sealed.ok());
  sealed->mutable_encrypted()->set_ciphertext(sealed->encrypted().ciphertext().substr(0, 15));
  ExpectError(p.responder.Open(*sealed), p.responder, ChannelError::kAuthFailed,
              "authentication failed");
}

TEST(ChannelTest, ReplayedNonce) {
  Pair p = MakePair();
  auto first = p.initiator.Seal(LogRequest("one"));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(p.responder.Open(*first).ok());
  ExpectError(p.responder.Open(*first), p.responder, ChannelError::kReplayedNonce,
              "replayed nonce (counter 0, expected 1)");
}

TEST(ChannelTest, ReorderedNonce) {
  Pair p = MakePair();
  auto first = p.initiator.Seal(LogRequest("one"));
  auto second = p.initiator.Seal(LogRequest("two"));
  ASSERT_TRUE(first.ok() && second.ok());
  ExpectError(p.responder.Open(*second), p.responder, ChannelError::kOutOfOrderNonce,
              "reordered or skipped nonce (counter 1, expected 0)");
}

TEST(ChannelTest, SkippedNonce) {
  Pair p = MakePair();
  auto first = p.initiator.Seal(LogRequest("one"));
  auto second = p.initiator.Seal(LogRequest("two"));
  auto third = p.initiator.Seal(LogRequest("three"));
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  ASSERT_TRUE(p.responder.Open(*first).ok());
  ExpectError(p.responder.Open(*third), p.responder, ChannelError::kOutOfOrderNonce,
              "counter 2, expected 1");
}

TEST(ChannelTest, ForgedNonceWithRightCounterFailsAuthentication) {
  // A message re-labelled with the expected counter: the nonce check passes,
  // the tag (bound to the original nonce) does not.
  Pair p = MakePair();
  auto first = p.initiator.Seal(LogRequest("one"));
  auto second = p.initiator.Seal(LogRequest("two"));
  ASSERT_TRUE(first.ok() && second.ok());
  const auto n0 = ChannelNonce(0);
  second->mutable_encrypted()->set_nonce(n0.data(), n0.size());
  ExpectError(p.responder.Open(*second), p.responder, ChannelError::kAuthFailed,
              "authentication failed");
}

TEST(ChannelTest, WrongNonceSize) {
  for (size_t size : {size_t{0}, size_t{8}, size_t{11}, size_t{13}, size_t{24}}) {
    Pair p = MakePair();
    auto sealed = p.initiator.Seal(Heartbeat());
    ASSERT_TRUE(sealed.ok());
    sealed->mutable_encrypted()->set_nonce(std::string(size, '\0'));
    ExpectError(p.responder.Open(*sealed), p.responder, ChannelError::kBadNonce,
                "nonce must be 12 bytes, got " + std::to_string(size));
  }
}

TEST(ChannelTest, NonZeroNoncePrefix) {
  Pair p = MakePair();
  auto sealed = p.initiator.Seal(Heartbeat());
  ASSERT_TRUE(sealed.ok());
  std::string nonce = sealed->encrypted().nonce();
  nonce[0] = 1;
  sealed->mutable_encrypted()->set_nonce(nonce);
  ExpectError(p.responder.Open(*sealed), p.responder, ChannelError::kBadNonce,
              "nonce prefix is not zero");
}

TEST(ChannelTest, PlaintextAfterSetup) {
  Pair p = MakePair();
  ExpectError(p.responder.Open(Heartbeat()), p.responder, ChannelError::kNotEncrypted,
              "expected an encrypted item after setup, got heartbeat");
  Pair q = MakePair();
  v1sync::SyncStreamItem establish;
  establish.mutable_establish_shared_secret()->set_protocol_version(1);
  ExpectError(q.responder.Open(establish), q.responder, ChannelError::kNotEncrypted,
              "got establish_shared_secret");
  Pair r = MakePair();
  ExpectError(r.responder.Open(v1sync::SyncStreamItem()), r.responder, ChannelError::kNotEncrypted,
              "got an empty item");
}

TEST(ChannelTest, InnerBytesNotAnItem) {
  // Encrypt garbage under the right key and counter: it authenticates but
  // does not parse as a SyncStreamItem.
  const auto nonce = ChannelNonce(0);
  const Bytes garbage = {0xff, 0xff, 0xff, 0xff, 0x0f};  // invalid tag/varint
  auto ct = AesGcmSeal(kKeyI2R, nonce, garbage);
  ASSERT_TRUE(ct.ok());
  v1sync::SyncStreamItem outer;
  outer.mutable_encrypted()->set_nonce(nonce.data(), nonce.size());
  outer.mutable_encrypted()->set_ciphertext(std::string(AsStringView(*ct)));
  Pair p = MakePair();
  ExpectError(p.responder.Open(outer), p.responder, ChannelError::kBadInnerItem,
              "not a SyncStreamItem");
  EXPECT_EQ(p.responder.recv_counter(), 0u);
}

TEST(ChannelTest, OversizedCiphertext) {
  Pair p = MakePair();
  v1sync::SyncStreamItem outer;
  const auto nonce = ChannelNonce(0);
  outer.mutable_encrypted()->set_nonce(nonce.data(), nonce.size());
  outer.mutable_encrypted()->set_ciphertext(std::string(kMaxChannelCiphertextSize + 1, 'x'));
  ExpectError(p.responder.Open(outer), p.responder, ChannelError::kTooLarge,
              "exceeds the 16 MiB limit");
}

TEST(ChannelTest, SealRefusesOversizedItem) {
  Pair p = MakePair();
  v1sync::SyncStreamItem big;
  big.mutable_request_log()->set_log_id(std::string(kMaxChannelCiphertextSize, 'a'));
  auto r = p.initiator.Seal(big);
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted);
  EXPECT_EQ(p.initiator.send_counter(), 0u);
  // Just under the limit works and opens on the other side.
  v1sync::SyncStreamItem ok_item;
  ok_item.mutable_request_log()->set_log_id(std::string(kMaxChannelCiphertextSize - 64, 'a'));
  auto sealed = p.initiator.Seal(ok_item);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  EXPECT_TRUE(p.responder.Open(*sealed).ok());
}

TEST(ChannelTest, ReceiveSideStaysBrokenAfterAnError) {
  Pair p = MakePair();
  auto first = p.initiator.Seal(Heartbeat());
  ASSERT_TRUE(first.ok());
  ASSERT_FALSE(p.responder.Open(Heartbeat()).ok());
  EXPECT_EQ(p.responder.last_error(), ChannelError::kNotEncrypted);
  // Even the genuine next message is refused now.
  ExpectError(p.responder.Open(*first), p.responder, ChannelError::kBroken,
              "closed after an earlier error");
  // Sending still works.
  EXPECT_TRUE(p.responder.Seal(Heartbeat()).ok());
}

TEST(ChannelTest, KeySizesChecked) {
  EXPECT_EQ(Channel::Create(Bytes(16, 0), Bytes(32, 0), kTranscript).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Channel::Create(Bytes(32, 0), Bytes(31, 0), kTranscript).status().code(),
            Code::kInvalidArgument);
}

TEST(ChannelTest, ExposesKeysAndTranscript) {
  Pair p = MakePair();
  EXPECT_EQ(Hex(p.initiator.send_key()), Hex(kKeyI2R));
  EXPECT_EQ(Hex(p.initiator.recv_key()), Hex(kKeyR2I));
  EXPECT_EQ(p.initiator.transcript(), kTranscript);
}

}  // namespace
}  // namespace brs::crypto
