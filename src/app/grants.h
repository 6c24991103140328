// The --grant flags of `pair new` and `join`, and how permissions are shown.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "v1/config.pb.h"

namespace brs::app {

using Permissions = google::protobuf::RepeatedPtrField<v1::Multihost::Permission>;

// Parses each "TYPE[:SCOPE,…]" (sync::ParsePermissionFlag). With no flags
// the default is READ_OPERATIONS with scope "*". InvalidArgument names the
// flag that does not parse ("--grant X: why").
StatusOr<Permissions> ParseGrantFlags(const std::vector<std::string>& flags);

// "READ_OPERATIONS:* READ_CONFIG:repo:r1" ("-" when there are none).
std::string PermissionsText(const Permissions& permissions);

}  // namespace brs::app
