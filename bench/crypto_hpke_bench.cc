// Costs of the transport's cryptography: the MLKEM1024-P384 KEM, the full
// two-sided channel setup, AES-256-GCM and the channel envelope.
//
//   build/bench/crypto_bench --benchmark_repetitions=10 \
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "crypto/aead.h"
#include "crypto/channel_setup.h"
#include "crypto/handshake.h"
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

constexpr KemId kKem = KemId::kMlKem1024P384;

void BM_HybridKeyGen(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Must(KemPrivateKey::Generate(kKem)));
}
BENCHMARK(BM_HybridKeyGen);

void BM_HybridEncap(benchmark::State& state) {
  const auto key = Must(KemPrivateKey::Generate(kKem));
  for (auto _ : state) benchmark::DoNotOptimize(Must(KemEncapsulate(kKem, key.public_key())));
}
BENCHMARK(BM_HybridEncap);

void BM_HybridDecap(benchmark::State& state) {
  const auto key = Must(KemPrivateKey::Generate(kKem));
  const auto e = Must(KemEncapsulate(kKem, key.public_key()));
  for (auto _ : state) benchmark::DoNotOptimize(Must(key.Decapsulate(e.enc)));
}
BENCHMARK(BM_HybridDecap);

// Both sides of SPEC §4: client key generation, hub encapsulation + key
// export, client decapsulation + key export, transcripts.
void BM_ChannelSetupTwoSided(benchmark::State& state) {
  for (auto _ : state) {
    auto initiator = Must(ChannelInitiator::Create());
    auto responder = Must(ChannelResponder::Accept(initiator.public_key()));
    auto client = Must(initiator.Finish(responder.enc()));
    benchmark::DoNotOptimize(client.transcript());
  }
}
BENCHMARK(BM_ChannelSetupTwoSided);

// The whole session start, both sides: channel setup plus the identity
// handshake (each side signs, each verifies the other). Target <= 3.5 ms.
void BM_SetupAndHandshakeTwoSided(benchmark::State& state) {
  const auto hub = Must(Identity::Generate());
  const auto client = Must(Identity::Generate());
  for (auto _ : state) {
    auto initiator = Must(ChannelInitiator::Create());
    auto responder = Must(ChannelResponder::Accept(initiator.public_key()));
    auto channel = Must(initiator.Finish(responder.enc()));
    auto from_client = Must(MakeHandshake(client, "laptop", "", channel.transcript()));
    auto from_hub = Must(MakeHandshake(hub, "hub", "", responder.channel().transcript()));
    benchmark::DoNotOptimize(Must(VerifyHandshake(from_client, responder.channel().transcript())));
    benchmark::DoNotOptimize(Must(VerifyHandshake(from_hub, channel.transcript())));
  }
}
BENCHMARK(BM_SetupAndHandshakeTwoSided);

void BM_Ed25519Sign(benchmark::State& state) {
  const auto id = Must(Identity::Generate());
  Bytes msg(32, 7);
  for (auto _ : state) benchmark::DoNotOptimize(Must(id.Sign(msg)));
}
BENCHMARK(BM_Ed25519Sign);

void BM_Ed25519Verify(benchmark::State& state) {
  const auto id = Must(Identity::Generate());
  Bytes msg(32, 7);
  const Bytes sig = Must(id.Sign(msg));
  for (auto _ : state) benchmark::DoNotOptimize(VerifyEd25519(id.public_key(), msg, sig));
}
BENCHMARK(BM_Ed25519Verify);

void BM_P384BaseMult(benchmark::State& state) {
  Bytes scalar(48, 0x42);
  for (auto _ : state) benchmark::DoNotOptimize(Must(EcPublicPoint(NistCurve::kP384, scalar)));
}
BENCHMARK(BM_P384BaseMult);

void BM_P384Ecdh(benchmark::State& state) {
  Bytes a(48, 0x42), b(48, 0x24);
  const Bytes pb = Must(EcPublicPoint(NistCurve::kP384, b));
  for (auto _ : state) benchmark::DoNotOptimize(Must(EcdhSharedX(NistCurve::kP384, a, pb)));
}
BENCHMARK(BM_P384Ecdh);

void BM_Aes256GcmSeal(benchmark::State& state) {
  auto gcm = Must(AesGcm::Create(Bytes(32, 7)));
  const Bytes nonce(12, 1);
  const Bytes plain(static_cast<size_t>(state.range(0)), 0x55);
  for (auto _ : state) benchmark::DoNotOptimize(Must(gcm.Seal(nonce, plain)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Aes256GcmSeal)->Arg(1024)->Arg(64 * 1024);

// Seal on one side and Open on the other of a 256-byte serialized item.
void BM_ChannelSealOpen256(benchmark::State& state) {
  const Transcript t{};
  auto a = Must(Channel::Create(Bytes(32, 1), Bytes(32, 2), t));
  auto b = Must(Channel::Create(Bytes(32, 2), Bytes(32, 1), t));
  v1sync::SyncStreamItem item;
  item.mutable_request_log()->set_log_id(std::string(250, 'x'));
  if (item.ByteSizeLong() != 256) std::abort();
  for (auto _ : state) {
    auto sealed = Must(a.Seal(item));
    benchmark::DoNotOptimize(Must(b.Open(sealed)));
  }
}
BENCHMARK(BM_ChannelSealOpen256);

}  // namespace
}  // namespace brs::crypto
