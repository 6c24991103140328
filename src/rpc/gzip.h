// gzip for Connect-Content-Encoding / grpc-encoding. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::rpc {

// gzip-compresses `in` (RFC 1952).
StatusOr<std::string> GzipCompress(std::string_view in);

// Decompresses one gzip member. Output beyond `max_out` bytes is
// resource_exhausted (checked while inflating, so a bomb never allocates
// more than max_out). Corrupt or truncated input is invalid_argument.
StatusOr<std::string> GzipDecompress(std::string_view in, size_t max_out);

}  // namespace brs::rpc
