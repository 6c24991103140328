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
  constexpr std::string_view kPrefix = "CONNECTION_STATE_";  // of every value's name
  std::string_view s = v1sync::ConnectionState_Name(state);
  if (s.starts_with(kPrefix)) s.remove_prefix(kPrefix.size());
  return s.empty() ? "UNKNOWN" : std::string(s);
}

}  // namespace brs::app
