// The EchoService of the RPC interop contract (brs.test.v1.EchoService):
// Echo (unary BytesValue), Count (Int64Value n → n messages 0..n-1) and
// Bidi (each BytesValue echoed as it arrives). A request whose bytes start
// with "error:" fails with the Connect code named after the colon and the
// message "requested". Used by the rpc_test_peer program and the RPC tests.
#pragma once

#include <string_view>

#include "rpc/server.h"

namespace brs::rpc::echo {

inline constexpr std::string_view kEcho = "/brs.test.v1.EchoService/Echo";
inline constexpr std::string_view kCount = "/brs.test.v1.EchoService/Count";
inline constexpr std::string_view kBidi = "/brs.test.v1.EchoService/Bidi";
inline constexpr int64_t kMaxCount = 1'000'000;

// OK unless `value` starts with "error:"; then the named code (an unknown
// name is invalid_argument) with message "requested".
Status RequestedError(std::string_view value);

// Registers the three procedures on `server` (before Start).
void Register(Server& server);

}  // namespace brs::rpc::echo
