#include "app/peer_view.h"

#include "store/peer_state_store.h"
#include "sync/session_registry.h"
#include "sync/state_service.h"

namespace brs::app {

StatusOr<std::vector<v1sync::PeerState>> StoredPeerStates(const DataDir& dir,
                                                          store::ConfigStore& config) {
  BRS_ASSIGN_OR_RETURN(auto peers, store::PeerStateStore::Open(dir.state()));
  sync::SessionRegistry no_sessions;
  sync::StateService service(&config, peers.get(), &no_sessions);
  return service.Snapshot();
}

std::string ConnectionStateText(v1sync::ConnectionState state) {
  std::string s = v1sync::ConnectionState_Name(state);
  if (s.rfind("CONNECTION_STATE_", 0) == 0) s = s.substr(17);
  return s.empty() ? "UNKNOWN" : s;
}

}  // namespace brs::app
