// Writes channel setups made by our C++ responder as JSON, for Go's
// crypto/hpke to check (tools/govectors/cpp_check_test.go):
//
//   {"channel_setups": [{"recipient_seed": hex32, "public_key": hex1665,
//     "enc": hex1665, "key_i2r": hex32, "key_r2i": hex32,
//     "transcript": hex32}, …]}
//
// The seeds and the encapsulation randomness are fresh for every run.
// Usage: cpp_channel_vectors OUTPUT.json [COUNT]   (COUNT defaults to 8)
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "base/encoding.h"
#include "crypto/channel_setup.h"

namespace {

template <typename C>
std::string Hex(const C& c) {
  return brs::HexEncode(reinterpret_cast<const uint8_t*>(c.data()), c.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s OUTPUT.json [COUNT]\n", argv[0]);
    return 2;
  }
  const int count = argc == 3 ? std::atoi(argv[2]) : 8;
  if (count <= 0 || count > 10000) {
    std::fprintf(stderr, "COUNT must be in 1..10000\n");
    return 2;
  }
  std::string json = "{\"channel_setups\": [\n";
  for (int i = 0; i < count; ++i) {
    brs::SecretBytes seed(32);
    if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) return 1;
    auto initiator = brs::crypto::ChannelInitiator::FromSeed(seed);
    if (!initiator.ok()) {
      std::fprintf(stderr, "%s\n", initiator.status().ToString().c_str());
      return 1;
    }
    auto responder = brs::crypto::ChannelResponder::Accept(initiator->public_key());
    if (!responder.ok()) {
      std::fprintf(stderr, "%s\n", responder.status().ToString().c_str());
      return 1;
    }
    const brs::crypto::Channel& hub = responder->channel();
    json += std::string(i ? ",\n" : "") + "  {\"recipient_seed\": \"" + Hex(seed) +
            "\", \"public_key\": \"" + Hex(initiator->public_key()) + "\", \"enc\": \"" +
            Hex(responder->enc()) + "\", \"key_i2r\": \"" + Hex(hub.recv_key()) +
            "\", \"key_r2i\": \"" + Hex(hub.send_key()) + "\", \"transcript\": \"" +
            Hex(hub.transcript()) + "\"}";
  }
  json += "\n]}\n";
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << json;
  out.close();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
