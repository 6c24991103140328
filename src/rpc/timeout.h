// Deadline headers: Connect-Timeout-Ms and grpc-timeout. Pure parsing.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::rpc {

// "Connect-Timeout-Ms": 1 to 10 ASCII digits, a positive count of
// milliseconds. Anything else is invalid_argument.
StatusOr<std::chrono::milliseconds> ParseConnectTimeout(std::string_view v);

// "grpc-timeout": 1 to 8 digits followed by a unit H M S m u n. Sub-millisecond
// values round up to 1 ms. Anything else is invalid_argument.
StatusOr<std::chrono::milliseconds> ParseGrpcTimeout(std::string_view v);

// Formats a timeout for the grpc-timeout header (milliseconds, at most 8
// digits; larger values are expressed in seconds or hours).
std::string FormatGrpcTimeout(std::chrono::milliseconds t);

}  // namespace brs::rpc
