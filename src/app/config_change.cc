#include "app/config_change.h"

#include <google/protobuf/util/message_differencer.h>

#include "app/admin_service.h"
#include "app/daemon_link.h"
#include "brs/admin.pb.h"

namespace brs::app {
namespace {

constexpr int64_t kUpdateTimeoutMs = 30'000;

// Whether the daemon was never reached (nothing applied): a refused
// connection or TLS handshake, or a daemon without UpdateConfig.
bool Unreached(const Status& st) {
  return st.code() == Code::kUnavailable || st.code() == Code::kUnimplemented;
}

// One try through the daemon: true when done, false when config.json moved
// on since it was read here.
StatusOr<bool> TryThroughDaemon(const DataDir& dir, const DaemonLink& link,
                                const store::ConfigStore::UpdateFn& fn) {
  BRS_ASSIGN_OR_RETURN(auto store, OpenConfig(dir));
  const store::ConfigStore::ConfigPtr current = store->Get();
  admin::v1::UpdateConfigRequest req;
  v1::Config& next = *req.mutable_config();
  next = *current;
  BRS_RETURN_IF_ERROR(fn(next));
  if (google::protobuf::util::MessageDifferencer::Equals(next, *current)) return true;
  next.mutable_multihost()->clear_identity();
  req.set_base_modno(current->modno());
  auto r =
      link.client->Unary(kAdminUpdateConfig, req.SerializeAsString(), link.auth, kUpdateTimeoutMs);
  if (r.ok()) return true;
  if (r.status().code() == Code::kAborted) return false;
  return r.status();
}

}  // namespace

Status ChangeConfig(const DataDir& dir, const store::ConfigStore::UpdateFn& fn,
                    const std::function<void(const std::string&)>& warn) {
  auto write_file = [&]() -> Status {
    BRS_ASSIGN_OR_RETURN(auto config, OpenConfig(dir));
    return config->Update(fn).status();
  };
  if (auto link = FindDaemon(dir)) {
    for (int i = 0; i < kConfigChangeTries; ++i) {
      auto done = TryThroughDaemon(dir, *link, fn);
      if (done.ok() && *done) return Status();
      if (done.ok()) continue;
      if (!Unreached(done.status())) return done.status();
      warn("the daemon at " + link->base_url + " did not answer (" + done.status().message() +
           "); changed " + dir.config() + " directly");
      return write_file();
    }
    return Status(Code::kAborted, dir.config() +
                                      " kept changing while the daemon applied this; "
                                      "run the command again");
  }
  return write_file();
}

}  // namespace brs::app
