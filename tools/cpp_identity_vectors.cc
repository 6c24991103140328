// Writes handshakes signed by the C++ identity code as JSON, for the Go
// check tools/govectors/identity_check_test.go (the reverse direction of
// tests/data/govectors.json). Usage: cpp_identity_vectors OUT.json
#include <fstream>
#include <iostream>

#include "crypto/handshake.h"

int main(int argc, char** argv) {
  using namespace brs;
  if (argc != 2) {
    std::cerr << "usage: cpp_identity_vectors OUT.json\n";
    return 2;
  }
  std::ofstream out(argv[1]);
  out << "{\"handshakes\": [\n";
  const char* instances[] = {"laptop", "hub", "b\xc3\xbcro", "x"};
  const char* secrets[] = {"", "0123456789abcdef", "", "s"};
  for (int i = 0; i < 4; ++i) {
    auto id = crypto::Identity::Generate();
    Bytes transcript(32, static_cast<uint8_t>(i * 17 + 1));
    auto hs = crypto::MakeHandshake(*id, instances[i], secrets[i], transcript);
    if (!id.ok() || !hs.ok()) return 1;
    out << (i ? ",\n" : "") << "  {\"public_key\": \""
        << HexEncode(Bytes(id->public_key().begin(), id->public_key().end()))
        << "\", \"key_id\": \"" << id->key_id() << "\", \"instance_id\": \"" << instances[i]
        << "\", \"pairing_secret\": \"" << secrets[i] << "\", \"transcript\": \""
        << HexEncode(transcript) << "\", \"signature\": \"" << HexEncode(ToBytes(hs->signature()))
        << "\"}";
  }
  out << "\n]}\n";
  return out.good() ? 0 : 1;
}
