// The sync engine on the RPC layer: the Sync stream as a SyncTransport, a
// Dialer for known hosts, and the registration of Backrest's two services
// (the Sync stream, served without HTTP auth because it authenticates
// itself; the state service behind ApiAuthenticator).
#pragma once

#include <memory>

#include "rpc/client.h"
#include "rpc/server.h"
#include "sync/api_auth.h"
#include "sync/sync_service.h"

namespace brs::sync {

inline constexpr std::string_view kSyncPath = "/v1sync.BackrestSyncService/Sync";
inline constexpr std::string_view kPeerStatesPath =
    "/v1sync.BackrestSyncStateService/GetPeerSyncStatesStream";
inline constexpr std::string_view kSetRemoteConfigPath =
    "/v1sync.BackrestSyncStateService/SetRemoteClientConfig";

class RpcSyncTransport final : public SyncTransport {
 public:
  explicit RpcSyncTransport(rpc::Stream& stream) : stream_(stream) {}
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_steady_ms) override;
  void Wake() override { stream_.Wake(); }
  Status Write(std::string_view message) override { return stream_.Write(message); }
  void Finish(const Status& status) override { stream_.Finish(status); }
  size_t Backlog() const override { return stream_.Backlog(); }

 private:
  rpc::Stream& stream_;
};

// The same stream for an event-driven session.
class RpcEventTransport final : public EventTransport {
 public:
  explicit RpcEventTransport(std::shared_ptr<rpc::AsyncStream> stream)
      : stream_(std::move(stream)) {}
  void SetNotify(std::function<void()> fn) override { stream_->SetNotify(std::move(fn)); }
  StatusOr<SyncTransport::ReadResult> TryRead(std::string* message) override;
  Status TryWrite(std::string_view message) override { return stream_->TryWrite(message); }
  bool writable() override { return stream_->writable(); }
  void Finish(const Status& status) override { stream_->Finish(status); }
  size_t Backlog() const override { return stream_->Backlog(); }

 private:
  std::shared_ptr<rpc::AsyncStream> stream_;
};

// Dials known hosts over HTTP/2 (h2c for http://, TLS for https://),
// Connect by default, a connection per host on one shared io thread.
class RpcDialer final : public Dialer {
 public:
  struct Options {
    bool grpc = false;
    std::string ca_file;
    int64_t connect_timeout_ms = 10'000;
  };
  // Every host dialed shares one io thread.
  explicit RpcDialer(Options options)
      : options_(std::move(options)), io_(rpc::ClientIo::Create()) {}
  StatusOr<Connection> Dial(const v1::Multihost::Peer& host, const PeerFeatures& ours) override;
  StatusOr<EventConnection> DialEvent(const v1::Multihost::Peer& host,
                                      const PeerFeatures& ours) override;

 private:
  StatusOr<std::unique_ptr<rpc::Client>> NewClient(const v1::Multihost::Peer& host) const;
  Options options_;
  std::shared_ptr<rpc::ClientIo> io_;
};

// Registers Sync, GetPeerSyncStatesStream and SetRemoteClientConfig. Sync
// streams in the binary codec run on the service's session pool
// (ServeEventStream), JSON ones on a thread each.
// `auth` guards the state service; it is read for every call (the daemon
// may replace it when the config changes), so it must outlive the server.
// A call it refuses ends with Unauthenticated before its request is read;
// `on_refused` (may be empty) is called once for it, with the reason (which
// never holds the presented credential).
using AuthRefusalFn = std::function<void(const rpc::CallInfo&, const Status&)>;
void RegisterSyncServices(rpc::Server& server, SyncService& service,
                          std::function<std::shared_ptr<const ApiAuthenticator>()> auth,
                          AuthRefusalFn on_refused = {});

}  // namespace brs::sync
