// How a CLI command changes config.json, with or without a running daemon.
//
// With a daemon (DIR/daemon.json, app/daemon_link.h) the change goes through
// its admin API (UpdateConfig, app/admin_service.h): the CLI reads
// config.json, applies the change to a copy and sends the result without
// the identity; the daemon writes config.json (durably, as
// store::ConfigStore writes) and applies it before it answers, so the
// change is in effect when the command returns. When config.json moved on
// in between (the daemon or another command wrote it), the CLI reads it
// again and applies the change again, up to kConfigChangeTries times.
//
// Without a daemon, or when daemon.json names one that cannot be reached
// (a crashed daemon leaves it behind; a daemon too old for UpdateConfig),
// the CLI writes config.json itself (ConfigStore::Update, safe alongside a
// daemon: a running one applies the file when it is saved,
// app/file_watch.h), after `warn` says why in the unreachable case.
#pragma once

#include <functional>
#include <string>

#include "app/data_dir.h"
#include "base/status.h"
#include "store/config_store.h"

namespace brs::app {

inline constexpr int kConfigChangeTries = 5;

// Runs `fn` on a copy of the newest config and stores the result as above.
// `fn` may run more than once, each time on a fresh copy: it must derive
// whatever it reports from the copy it is given. Errors: fn's; the
// daemon's (e.g. Unauthenticated for a wrong admin token); Aborted when
// config.json kept changing; ConfigStore::Update's.
Status ChangeConfig(const DataDir& dir, const store::ConfigStore::UpdateFn& fn,
                    const std::function<void(const std::string&)>& warn);

}  // namespace brs::app
