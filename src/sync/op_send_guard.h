// What a client does about Backrest's op validation (SPEC §6a): a Backrest
// hub that receives an op failing it ends the stream without a reason and
// asks for the same op again on every reconnect, so every op after it is
// stuck. The guard
//  - keeps such local ops (stored by an older build, or written by other
//    tools) out of manifests, events and data replies, counting them so the
//    client can name them once in the hub's peer state;
//  - remembers the op IDs sent since the hub last asked for data, so a hub
//    that ends the stream right after receiving them is reported as such
//    instead of as a bare "peer closed the stream".
//
// Thread safe: the filters run on the store's threads, the rest on the
// session's.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "base/env.h"
#include "base/status.h"
#include "store/oplog_store.h"

namespace brs::sync {

class OpSendGuard {
 public:
  // How soon after the last ops sent an end of the stream by the hub is
  // taken as the hub's reaction to them.
  static constexpr int64_t kEndWindowMs = 10'000;

  // Whether a local op passes Backrest's validation; one that does not is
  // counted (for TakeNotice) and must not be sent.
  bool Valid(const store::OpMetadata& m);
  bool Valid(const v1::Operation& op);

  // The ops refused since the last call: how many, and a sentence for the
  // peer state naming the first; nullopt when none.
  struct Notice {
    int64_t count = 0;
    std::string message;
  };
  std::optional<Notice> TakeNotice();

  // The hub asked for data (or a manifest): what was sent before has been
  // read by it.
  void OnHubRequest();
  // Ops with IDs in [min_id, max_id] went out at `now` (monotonic time of
  // the SyncEnv clock).
  void OnSent(int64_t min_id, int64_t max_id, MonoTime now);

  // `why` the session ended, or, when the hub closed the stream within
  // kEndWindowMs of ops sent since its last request, a Disconnected status
  // saying "hub closed the stream after receiving ops N–M; …".
  Status ExplainEnd(const Status& why, MonoTime now) const;

 private:
  void Refused(int64_t id, const Status& why);

  mutable std::mutex mu_;
  int64_t refused_ = 0;
  std::string first_refusal_;
  std::optional<int64_t> sent_min_, sent_max_;
  MonoTime sent_at_{};
};

}  // namespace brs::sync
