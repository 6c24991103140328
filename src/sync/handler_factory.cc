#include "sync/handler_factory.h"

namespace brs::sync {

std::unique_ptr<HubHandler> NewHubHandler(const SessionOptions& options) {
  return std::make_unique<HubHandler>(options.env, options.tunables, options.peer_features);
}

std::unique_ptr<ClientHandler> NewClientHandler(const SessionOptions& options) {
  return std::make_unique<ClientHandler>(options.env, options.tunables, options.peer_features,
                                         options.known_host);
}

}  // namespace brs::sync
