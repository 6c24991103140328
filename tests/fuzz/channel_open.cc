// The encrypted channel's receive side (Channel::Open): framing, nonce
// counters, tags and the inner item, for a sequence of items the input
// describes. Each step is one of
//   0  an outer SyncStreamItem parsed from the input, as a peer could send;
//   1  bytes encrypted with the right key at the sender's next counter
//      (so the inner parsing is reached), optionally tampered with: a
//      flipped ciphertext bit, a shifted counter, a truncation, a replay,
//      or dropped on the way (the next one then arrives out of order);
//   2  an item parsed from the input, sealed by the peer's Channel.
// A model of the channel predicts each outcome: success exactly when the
// item is untampered, at the expected counter, decrypts to a
// SyncStreamItem and no earlier Open failed; then it is the item sent.
// After a failure every Open fails with kBroken.
#include <array>

#include "crypto/aead.h"
#include "crypto/channel.h"
#include "fuzz_util.h"

using namespace brs;
using namespace brs::crypto;
using v1sync::SyncStreamItem;

namespace {

std::array<uint8_t, 32> Key(uint8_t fill) {
  std::array<uint8_t, 32> k;
  k.fill(fill);
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const auto i2r = Key(0x11), r2i = Key(0x22);
  Transcript t{};
  auto hub = Channel::Create(r2i, i2r, t);     // receives with key_i2r
  auto client = Channel::Create(i2r, r2i, t);  // sends with key_i2r
  auto raw = AesGcm::Create(i2r);
  FUZZ_CHECK(hub.ok() && client.ok() && raw.ok());

  uint64_t raw_counter = 0;  // the raw sender's next counter (Seal keeps its own)
  bool broken = false;
  for (int step = 0; step < 64 && !in.empty(); ++step) {
    const uint8_t op = in.Byte();
    std::string_view piece = in.Piece();
    SyncStreamItem outer;
    bool expect_ok = false;
    bool unknown = false;  // a peer's own item: it may replay a valid one
    uint64_t item_counter = 0;
    std::string expect_inner;
    bool deliver_twice = false;
    switch (op % 3) {
      case 0: {
        if (!outer.ParseFromArray(piece.data(), static_cast<int>(piece.size()))) continue;
        unknown = true;
        break;
      }
      case 1: {
        const uint8_t tamper = in.Byte();
        const uint8_t where = in.Byte();
        item_counter = raw_counter++;
        uint64_t counter = item_counter;
        if (tamper & 2) counter += (tamper & 4) ? 1 : -1;
        auto nonce = ChannelNonce(counter);
        auto ct =
            raw->Seal(ChannelNonce(item_counter),
                      std::span(reinterpret_cast<const uint8_t*>(piece.data()), piece.size()));
        FUZZ_CHECK(ct.ok());
        std::string c(reinterpret_cast<const char*>(ct->data()), ct->size());
        if (tamper & 1) c[where % c.size()] ^= static_cast<char>(1 + (tamper >> 5));
        if ((tamper & 8) && !c.empty()) c.resize(where % c.size());
        outer.mutable_encrypted()->set_nonce(nonce.data(), nonce.size());
        outer.mutable_encrypted()->set_ciphertext(c);
        if (tamper & 16) continue;  // lost on the way
        deliver_twice = tamper & 128;
        SyncStreamItem parsed;
        const bool tampered = tamper & (1 | 2 | 8);
        expect_ok =
            !tampered && parsed.ParseFromArray(piece.data(), static_cast<int>(piece.size()));
        if (expect_ok) expect_inner = parsed.SerializeAsString();
        break;
      }
      case 2: {
        SyncStreamItem inner;
        if (!inner.ParseFromArray(piece.data(), static_cast<int>(piece.size()))) continue;
        item_counter = client->send_counter();
        auto sealed = client->Seal(inner);
        if (!sealed.ok()) continue;
        outer = std::move(*sealed);
        expect_ok = true;
        expect_inner = inner.SerializeAsString();
        break;
      }
    }
    // In step with the sender: only then can an untampered item open.
    expect_ok = expect_ok && !broken && hub->recv_counter() == item_counter;
    for (int k = 0; k < (deliver_twice ? 2 : 1); ++k) {
      const uint64_t before = hub->recv_counter();
      auto got = hub->Open(outer);
      if (got.ok()) {
        FUZZ_CHECK(!broken);
        if (!unknown) {
          FUZZ_CHECK(expect_ok && k == 0);
          FUZZ_CHECK(got->SerializeAsString() == expect_inner);
        }
        FUZZ_CHECK(hub->recv_counter() == before + 1);
      } else {
        FUZZ_CHECK(!expect_ok || k == 1);
        FUZZ_CHECK(got.status().code() == Code::kInvalidArgument);
        FUZZ_CHECK(hub->recv_counter() == before);
        if (broken) FUZZ_CHECK(hub->last_error() == ChannelError::kBroken);
        FUZZ_CHECK(hub->last_error() != ChannelError::kNone);
        broken = true;
      }
    }
  }
  return 0;
}
