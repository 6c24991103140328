// Backrest's rules for IDs in its config (validationutil.ValidateID) and for
// repo GUIDs, so what the CLI writes is a config Backrest accepts.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::app {

// 1 to max_len (0: unlimited) of letters, digits, '-', '_', '.'; not both
// starting and ending with '_' (reserved by Backrest). InvalidArgument
// naming `what` ("--id \"x y\": …") otherwise.
Status CheckBackrestId(std::string_view what, std::string_view id, size_t max_len);
// Backrest's maximum length of an instance ID.
inline constexpr size_t kInstanceIdMaxLen = 50;

// A repo GUID as Backrest writes it: 64 lowercase hex characters (the
// restic repository ID, or 32 random bytes).
bool IsBackrestGuid(std::string_view guid);

// 32 random bytes as 64 hex characters. Internal when no randomness.
StatusOr<std::string> RandomGuid();

}  // namespace brs::app
