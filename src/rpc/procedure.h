// RPC procedure paths: "/<package>.<Service>/<Method>". Pure parsing.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::rpc {

struct Procedure {
  std::string service;  // "v1sync.BackrestSyncService"
  std::string method;   // "Sync"
};

// Parses a request :path. The query string (after '?') is ignored. Service
// must contain a '.', both parts are [A-Za-z0-9_.] and at most 256 bytes.
// Anything else is unimplemented (Connect answers unknown paths that way).
StatusOr<Procedure> ParseProcedurePath(std::string_view path);

}  // namespace brs::rpc
