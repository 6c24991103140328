// The handler a session of each role runs once its peer is authorized
// (SessionOptions::make_handler): a HubHandler for an authorized client, a
// ClientHandler for the known host dialed. Either function is a
// HandlerFactory as it is.
#pragma once

#include <memory>

#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync/session.h"

namespace brs::sync {

std::unique_ptr<HubHandler> NewHubHandler(const SessionOptions& options);
std::unique_ptr<ClientHandler> NewClientHandler(const SessionOptions& options);

}  // namespace brs::sync
