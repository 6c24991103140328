// Decrypted SyncStreamItems (what Channel::Open yields) dispatched into the
// hub's or the client's handler (DispatchItem, as the session driver does
// after the handshake), over real stores (config, oplog, peer states, logs)
// in a fresh temp dir per input. The input picks the role and the
// extensions the peer announced, then gives serialized items; the first
// error ends the session, as it does in the driver. Property: a message
// the handler refuses leaves the oplog as it was.
#include <memory>

#include "fuzz_util.h"
#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync_fixture.h"

using namespace brs;
using namespace brs::sync;
using brs::fuzz::CountingSink;
using brs::fuzz::Instance;
using brs::fuzz::kClientConfig;
using brs::fuzz::kHubConfig;
using brs::fuzz::LocalOp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  const bool hub_role = !(ctl & 1);
  PeerFeatures features{(ctl & 2) != 0, (ctl & 4) != 0, (ctl & 8) != 0};

  Instance inst(hub_role ? kHubConfig : kClientConfig);
  if (!hub_role) {
    std::vector<v1::Operation> ops;
    for (int i = 0; i < 3; ++i) ops.push_back(LocalOp(i));
    FUZZ_CHECK(inst.oplog->Add(ops).ok());
  }
  SyncTunables tunables;
  tunables.max_ids_per_message = 10'000;
  tunables.request_batch = 64;
  tunables.operation_batch = 8;

  std::unique_ptr<PeerHandlerBase> handler;
  v1::Multihost::Peer peer;
  if (hub_role) {
    handler = std::make_unique<HubHandler>(inst.env(), tunables, features);
    peer = inst.config->Get()->multihost().authorized_clients(0);
  } else {
    auto host = inst.config->Get()->multihost().known_hosts(0);
    handler = std::make_unique<ClientHandler>(inst.env(), tunables, features, host);
    peer.set_keyid("ed25519.hubkey");
    peer.set_instance_id("hub");
  }
  CountingSink out;
  FUZZ_CHECK(handler->OnConnectionEstablished(peer, out).ok());

  Status why;
  for (int n = 0; n < 32 && !in.empty(); ++n) {
    std::string_view piece = in.Piece();
    SyncStreamItem item;
    if (!item.ParseFromArray(piece.data(), static_cast<int>(piece.size()))) continue;
    const std::string before = inst.OplogDigest();
    why = DispatchItem(item, *handler, out);
    if (!why.ok()) {
      FUZZ_CHECK(inst.OplogDigest() == before);
      break;
    }
    inst.clock.Advance(Millis(1000));
  }
  handler->OnConnectionDisconnected(why);
  return 0;
}
