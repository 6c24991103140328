// The hub's share of a session start (the loop body of BM_HubHandshakeShare
// in crypto_handshake_bench.cc) and its parts, each in a function of its
// own, run a fixed number of times after a warm-up that builds every table:
// bench/handshake_callgrind.sh counts their instructions with callgrind, a
// measure the machine's load does not move.
//   handshake_profile [ITERATIONS]          (default 20)
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/channel_setup.h"
#include "crypto/handshake.h"
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

struct Fixture {
  Identity hub = Must(Identity::Generate());
  Identity client = Must(Identity::Generate());
  ChannelInitiator initiator = Must(ChannelInitiator::Create());
  Transcript transcript{};
  v1sync::SyncStreamItem::SyncActionHandshake handshake;
  Bytes scalar = Bytes(48, 0x42);
  Bytes point;

  Fixture() {
    const auto first = Must(ChannelResponder::Accept(initiator.public_key()));
    transcript = first.channel().transcript();
    handshake = Must(MakeHandshake(client, "laptop", "", transcript));
    Must(VerifyHandshake(handshake, transcript));  // builds the verifier's tables
    point = Must(EcPublicPoint(NistCurve::kP384, Bytes(48, 0x24)));
  }
};

// The names below are what the script's --toggle-collect patterns match.
__attribute__((noinline)) void ProfileHubShare(const Fixture& f) {
  auto responder = Must(ChannelResponder::Accept(f.initiator.public_key()));
  Must(MakeHandshake(f.hub, "hub", "", responder.channel().transcript()));
  Must(VerifyHandshake(f.handshake, f.transcript));
}

__attribute__((noinline)) void ProfileHubAccept(const Fixture& f) {
  Must(ChannelResponder::Accept(f.initiator.public_key()));
}

__attribute__((noinline)) void ProfileSign(const Fixture& f) {
  Must(MakeHandshake(f.hub, "hub", "", f.transcript));
}

__attribute__((noinline)) void ProfileVerify(const Fixture& f) {
  Must(VerifyHandshake(f.handshake, f.transcript));
}

__attribute__((noinline)) void ProfileP384BaseMult(const Fixture& f) {
  Must(EcPublicPoint(NistCurve::kP384, f.scalar));
}

__attribute__((noinline)) void ProfileP384Ecdh(const Fixture& f) {
  Must(EcdhSharedX(NistCurve::kP384, f.scalar, f.point));
}

}  // namespace
}  // namespace brs::crypto

int main(int argc, char** argv) {
  using namespace brs::crypto;
  const int n = argc > 1 ? std::atoi(argv[1]) : 20;
  const Fixture f;
  for (auto* fn : {ProfileHubShare, ProfileHubAccept, ProfileSign, ProfileVerify,
                   ProfileP384BaseMult, ProfileP384Ecdh}) {
    for (int i = 0; i < n; ++i) fn(f);
  }
  std::printf("%d iterations each\n", n);
  return 0;
}
