// The client side of the RPC interop contract: the checks `rpc_test_peer
// call` runs against an EchoService server, and the bidi throughput run of
// `rpc_test_peer bench`.
#pragma once

#include <functional>
#include <string>

#include "base/status.h"

namespace brs::rpc::peer {

struct CallConfig {
  std::string url;
  std::string protocol = "connect";  // or "grpc"
  bool gzip = false;
  std::string ca_file;
};

// Runs `test` (unary, stream, bidi, errors, or all of them), printing one
// line per check; returns the exit code: 0 all passed, 1 a check failed,
// 2 the client could not be set up.
int RunChecks(const CallConfig& config, const std::string& test, int n,
              const std::function<void(const std::string&)>& out);

// Streams n messages of `size` bytes through Bidi (writer and reader
// concurrent, after a 100-message warm-up) and returns messages per second
// each way.
StatusOr<double> BenchBidi(const CallConfig& config, int n, int size);

}  // namespace brs::rpc::peer
