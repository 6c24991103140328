// Peer states for display without asking the daemon: what the state
// service reports offline (every known host and authorized client of the
// config, with its last stored state from DIR/state.sqlite; a peer never
// seen is DISCONNECTED).
#pragma once

#include <string>
#include <vector>

#include "app/data_dir.h"
#include "base/status.h"
#include "store/config_store.h"
#include "v1sync/syncservice.pb.h"

namespace brs::app {

StatusOr<std::vector<v1sync::PeerState>> StoredPeerStates(const DataDir& dir,
                                                          store::ConfigStore& config);

// "CONNECTED", "DISCONNECTED", … (the enum name without its prefix).
std::string ConnectionStateText(v1sync::ConnectionState state);

}  // namespace brs::app
