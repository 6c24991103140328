#include "app/id_rules.h"

#include <openssl/rand.h>

#include "base/encoding.h"

namespace brs::app {

Status CheckBackrestId(std::string_view what, std::string_view id, size_t max_len) {
  const std::string named = std::string(what) + " \"" + std::string(id.substr(0, 80)) + "\"";
  if (id.empty()) return InvalidArgument(std::string(what) + " is empty");
  if (max_len > 0 && id.size() > max_len) {
    return InvalidArgument(named + " is longer than " + std::to_string(max_len) + " characters");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return InvalidArgument(named + " may only use letters, digits, '-', '_' and '.'");
  }
  if (id.size() >= 2 && id.front() == '_' && id.back() == '_') {
    return InvalidArgument(named + ": IDs starting and ending with '_' are reserved by Backrest");
  }
  return Status();
}

bool IsBackrestGuid(std::string_view guid) {
  if (guid.size() != 64) return false;
  for (char c : guid) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

StatusOr<std::string> RandomGuid() {
  uint8_t b[32];
  if (RAND_bytes(b, sizeof b) != 1) return Internal("no randomness (RAND_bytes failed)");
  return HexEncode(b, sizeof b);
}

}  // namespace brs::app
