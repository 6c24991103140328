// ML-KEM and Keccak benchmarks (the project's own implementation and the
// selected backend). Target on this machine: each ML-KEM-1024 operation
// <= 100 us.
#include <benchmark/benchmark.h>

#include "crypto/keccak.h"
#include "crypto/mlkem.h"

namespace brs::crypto {
namespace {

using Set = MlKemParameterSet;

Set SetArg(const benchmark::State& s) {
  return s.range(0) == 768 ? Set::kMlKem768 : Set::kMlKem1024;
}

void BM_MlKemKeyGen(benchmark::State& state) {
  Bytes seed(64, 3), ek;
  SecretBytes dk;
  for (auto _ : state) {
    seed[0]++;
    if (!builtin::MlKemKeyGenFromSeed(SetArg(state), seed, &ek, &dk).ok()) std::abort();
    benchmark::DoNotOptimize(ek.data());
  }
}
BENCHMARK(BM_MlKemKeyGen)->Arg(768)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_MlKemEncaps(benchmark::State& state) {
  Bytes seed(64, 3), ek, ct, m(32, 9);
  SecretBytes dk, k;
  if (!builtin::MlKemKeyGenFromSeed(SetArg(state), seed, &ek, &dk).ok()) std::abort();
  for (auto _ : state) {
    m[0]++;
    if (!builtin::MlKemEncapsulate(SetArg(state), ek, m, &ct, &k).ok()) std::abort();
    benchmark::DoNotOptimize(ct.data());
  }
}
BENCHMARK(BM_MlKemEncaps)->Arg(768)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_MlKemDecaps(benchmark::State& state) {
  Bytes seed(64, 3), ek, ct;
  SecretBytes dk, k;
  if (!builtin::MlKemKeyGenFromSeed(SetArg(state), seed, &ek, &dk).ok()) std::abort();
  if (!builtin::MlKemEncapsulate(SetArg(state), ek, {}, &ct, &k).ok()) std::abort();
  for (auto _ : state) {
    if (!builtin::MlKemDecapsulate(SetArg(state), dk, ct, &k).ok()) std::abort();
    benchmark::DoNotOptimize(k.data());
  }
}
BENCHMARK(BM_MlKemDecaps)->Arg(768)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_Shake128(benchmark::State& state) {
  Bytes out(static_cast<size_t>(state.range(0)));
  uint8_t in[34] = {};
  for (auto _ : state) {
    Keccak k = Keccak::Shake128();
    k.Absorb(in);
    k.Squeeze(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Shake128)->Arg(168 * 64);

void BM_Sha3_256(benchmark::State& state) {
  Bytes in(static_cast<size_t>(state.range(0)), 1);
  for (auto _ : state) benchmark::DoNotOptimize(Sha3_256(in));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_Sha3_256)->Arg(1568);

}  // namespace
}  // namespace brs::crypto
