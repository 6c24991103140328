// The "set-config-result" extension (SPEC §8): how one of our clients tells
// a hub what became of each set_config, without a message Backrest lacks.
//
// Backrest's hub never waits for an answer to set_config, and Backrest's
// client refuses one by ending the session. Our client refuses it whole but
// keeps the session; to a hub that announced "set-config-result" in
// kExtensionsHeader (never a Backrest hub) it answers every set_config it
// handled, in order, with one set_config item of its own:
//  - no entry: applied as a whole (including "already in place");
//  - exactly one entry: refused as a whole; the entry is the first one the
//    hub may not change, carrying IDs only: repos[0] {id, guid} (create or
//    change a repo), plans[0] {id}, repos_to_delete[0] or plans_to_delete[0].
// The hub pairs the n-th answer with the n-th set_config it sent. A hub
// that did not announce the extension gets no answer; one that did treats
// a set_config from a client that did not announce it, an answer with more
// than one entry or an ID over kMaxResultIdBytes, or one with no push
// outstanding as a protocol error.
//
// For a client without the extension (Backrest) the hub learns the outcome
// from what the client does next: a receive_config whose modno moved
// (Backrest bumps it on every applied push and reconnects at once), or a
// session it ends without coming back changed (how Backrest refuses).
#pragma once

#include <functional>
#include <string>

#include "base/status.h"
#include "sync/config_view.h"
#include "v1sync/syncservice.pb.h"

namespace brs::sync {

inline constexpr size_t kMaxResultIdBytes = 256;

// The answer for one handled set_config (refusal.kind = kNone: applied).
v1sync::SyncStreamItem SetConfigResultItem(const SetConfigRefusal& refusal);

// Reads an answer. InvalidArgument (a protocol error) when it is malformed.
StatusOr<SetConfigRefusal> ParseSetConfigResult(
    const v1sync::SyncStreamItem::SyncActionSetConfig& answer);

// What became of one pushed set_config, as far as the hub can tell.
struct PushOutcome {
  enum class Kind {
    kApplied,     // the client said so
    kRefused,     // the client said so; message = why
    kUnreported,  // the client does not answer (no extension): watch it instead
    kEnded,       // the session ended before an answer; message = why
  };
  Kind kind = Kind::kUnreported;
  std::string message;
};
// Called once, on the session thread; must not block.
using PushCallback = std::function<void(const PushOutcome&)>;

}  // namespace brs::sync
