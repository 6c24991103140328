// The hub's CPU per session start (issue #16): what one reconnecting client
// costs the hub, and the parts it is made of. Go's counterparts, with the
// same names after "Benchmark", are in tools/govectors/bench_test.go;
// bench/handshake_vs_go.sh runs both in the same minutes and prints the
// ratio.
//
// The hub's share of a session start is: accept the client's KEM public key
// (validate it, encapsulate, key schedule, both session keys, transcript),
// sign its own handshake, verify the client's. The client's handshake is
// signed once, before the loop, over the transcript of a first session: that
// signature is the client's cost, and verifying it costs the same whatever
// transcript it binds.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "crypto/channel_setup.h"
#include "crypto/handshake.h"
#include "crypto/hpke.h"
#include "crypto/hybrid_kem.h"
#include "crypto/nist_ecdh.h"

namespace brs::crypto {
namespace {

template <typename T>
T Must(StatusOr<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    std::abort();
  }
  return std::move(r).value();
}

void MustOk(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
}

// A client that has sent its establish request and signed its handshake.
struct ClientFixture {
  Identity identity = Must(Identity::Generate());
  ChannelInitiator initiator = Must(ChannelInitiator::Create());
  Transcript transcript{};
  v1sync::SyncStreamItem::SyncActionHandshake handshake;

  ClientFixture() {
    const auto first = Must(ChannelResponder::Accept(initiator.public_key()));
    transcript = first.channel().transcript();
    handshake = Must(MakeHandshake(identity, "laptop", "", transcript));
  }
};

void BM_HubHandshakeShare(benchmark::State& state) {
  const ClientFixture client;
  const auto hub = Must(Identity::Generate());
  for (auto _ : state) {
    auto responder = Must(ChannelResponder::Accept(client.initiator.public_key()));
    benchmark::DoNotOptimize(Must(MakeHandshake(hub, "hub", "", responder.channel().transcript())));
    benchmark::DoNotOptimize(Must(VerifyHandshake(client.handshake, client.transcript)));
  }
}
BENCHMARK(BM_HubHandshakeShare);

// Both sides of a session start: the client's key pair, the hub's
// encapsulation, the client's decapsulation, two signatures, two
// verifications.
void BM_HandshakeBothSides(benchmark::State& state) {
  const auto hub = Must(Identity::Generate());
  const auto client = Must(Identity::Generate());
  for (auto _ : state) {
    auto initiator = Must(ChannelInitiator::Create());
    auto responder = Must(ChannelResponder::Accept(initiator.public_key()));
    auto channel = Must(initiator.Finish(responder.enc()));
    auto from_hub = Must(MakeHandshake(hub, "hub", "", responder.channel().transcript()));
    benchmark::DoNotOptimize(Must(VerifyHandshake(from_hub, channel.transcript())));
    auto from_client = Must(MakeHandshake(client, "laptop", "", channel.transcript()));
    benchmark::DoNotOptimize(Must(VerifyHandshake(from_client, responder.channel().transcript())));
  }
}
BENCHMARK(BM_HandshakeBothSides);

// ---- The parts of the hub's share ------------------------------------------

void BM_HubAccept(benchmark::State& state) {
  const ClientFixture client;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(ChannelResponder::Accept(client.initiator.public_key())));
  }
}
BENCHMARK(BM_HubAccept);

void BM_HandshakeSign(benchmark::State& state) {
  const auto hub = Must(Identity::Generate());
  const Transcript t{};
  for (auto _ : state) benchmark::DoNotOptimize(Must(MakeHandshake(hub, "hub", "", t)));
}
BENCHMARK(BM_HandshakeSign);

void BM_HandshakeVerify(benchmark::State& state) {
  const ClientFixture client;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Must(VerifyHandshake(client.handshake, client.transcript)));
  }
}
BENCHMARK(BM_HandshakeVerify);

void BM_P384CheckPoint(benchmark::State& state) {
  const Bytes point = Must(EcPublicPoint(NistCurve::kP384, Bytes(48, 0x42)));
  for (auto _ : state) MustOk(CheckEcPoint(NistCurve::kP384, point));
}
BENCHMARK(BM_P384CheckPoint);

// HPKE's key schedule and the two session-key exports, from a fixed shared
// secret (no KEM).
void BM_HpkeKeyScheduleAndExports(benchmark::State& state) {
  const HpkeSuite suite{static_cast<uint16_t>(KemId::kMlKem1024P384), HpkeKdf::kHkdfSha256,
                        HpkeAead::kAes256Gcm};
  const Bytes secret(32, 9);
  const Bytes info = ToBytes(kTransportInfo);
  for (auto _ : state) {
    auto context = Must(HpkeContext::Create(suite, secret, info));
    benchmark::DoNotOptimize(Must(context.Export(kSessionKeyLabelI2R, 32)));
    benchmark::DoNotOptimize(Must(context.Export(kSessionKeyLabelR2I, 32)));
  }
}
BENCHMARK(BM_HpkeKeyScheduleAndExports);

void BM_Transcript(benchmark::State& state) {
  const Bytes pk(kTransportPublicKeySize, 1), enc(kTransportEncSize, 2);
  for (auto _ : state) benchmark::DoNotOptimize(ComputeTranscript(pk, enc));
}
BENCHMARK(BM_Transcript);

}  // namespace
}  // namespace brs::crypto
