#include "sync/rpc_glue.h"

#include "sync/session_error.h"

namespace brs::sync {
namespace {

// Keeps the rpc client (and its connection) alive as long as the stream.
class OwningTransport final : public SyncTransport {
 public:
  OwningTransport(std::unique_ptr<rpc::Client> client, std::unique_ptr<rpc::Stream> stream)
      : client_(std::move(client)), stream_(std::move(stream)), inner_(*stream_) {}
  ~OwningTransport() override {
    stream_.reset();
    client_.reset();
  }
  StatusOr<ReadResult> Read(std::string* m, int64_t d) override { return inner_.Read(m, d); }
  void Wake() override { inner_.Wake(); }
  Status Write(std::string_view m) override { return inner_.Write(m); }
  void Finish(const Status& s) override { inner_.Finish(s); }
  size_t Backlog() const override { return inner_.Backlog(); }
  rpc::Stream& stream() { return *stream_; }

 private:
  std::unique_ptr<rpc::Client> client_;
  std::unique_ptr<rpc::Stream> stream_;
  RpcSyncTransport inner_;
};

// The event-driven twin: the client's connection closes with the client.
class OwningEventTransport final : public EventTransport {
 public:
  OwningEventTransport(std::unique_ptr<rpc::Client> client,
                       std::shared_ptr<rpc::AsyncStream> stream)
      : client_(std::move(client)), inner_(std::move(stream)) {}
  void SetNotify(std::function<void()> fn) override { inner_.SetNotify(std::move(fn)); }
  StatusOr<SyncTransport::ReadResult> TryRead(std::string* m) override { return inner_.TryRead(m); }
  Status TryWrite(std::string_view m) override { return inner_.TryWrite(m); }
  bool writable() override { return inner_.writable(); }
  void Finish(const Status& s) override { inner_.Finish(s); }
  size_t Backlog() const override { return inner_.Backlog(); }

 private:
  std::unique_ptr<rpc::Client> client_;  // destroyed after the stream
  RpcEventTransport inner_;
};

}  // namespace

StatusOr<SyncTransport::ReadResult> RpcSyncTransport::Read(std::string* message,
                                                           int64_t deadline_steady_ms) {
  BRS_ASSIGN_OR_RETURN(auto r, stream_.Read(message, deadline_steady_ms));
  switch (r) {
    case rpc::Stream::ReadResult::kMessage:
      return ReadResult::kMessage;
    case rpc::Stream::ReadResult::kEnd:
      return ReadResult::kEnd;
    case rpc::Stream::ReadResult::kTimeout:
      break;
  }
  return ReadResult::kTimeout;
}

StatusOr<SyncTransport::ReadResult> RpcEventTransport::TryRead(std::string* message) {
  BRS_ASSIGN_OR_RETURN(auto r, stream_->TryRead(message));
  switch (r) {
    case rpc::Stream::ReadResult::kMessage:
      return SyncTransport::ReadResult::kMessage;
    case rpc::Stream::ReadResult::kEnd:
      return SyncTransport::ReadResult::kEnd;
    case rpc::Stream::ReadResult::kTimeout:
      break;
  }
  return SyncTransport::ReadResult::kTimeout;
}

StatusOr<std::unique_ptr<rpc::Client>> RpcDialer::NewClient(const v1::Multihost::Peer& host) const {
  if (host.instance_url().empty()) {
    return FailedPrecondition("known host " + host.instance_id() + " has no instance URL");
  }
  rpc::ClientOptions o;
  o.base_url = host.instance_url();
  o.grpc = options_.grpc;
  o.ca_file = options_.ca_file;
  o.connect_timeout_ms = options_.connect_timeout_ms;
  o.io = io_;
  return rpc::Client::Create(o);
}

namespace {

PeerFeatures FeaturesFrom(const rpc::Headers& response_headers) {
  const std::string* v = rpc::FindHeader(response_headers, kExtensionsHeader);
  return v ? PeerFeatures::Parse(*v) : PeerFeatures{};
}

}  // namespace

StatusOr<Dialer::Connection> RpcDialer::Dial(const v1::Multihost::Peer& host,
                                             const PeerFeatures& ours) {
  BRS_ASSIGN_OR_RETURN(auto client, NewClient(host));
  rpc::Headers extra = {{std::string(kExtensionsHeader), ours.Format()}};
  BRS_ASSIGN_OR_RETURN(auto stream, client->Open(kSyncPath, rpc::CallKind::kBidi, extra));
  auto transport = std::make_unique<OwningTransport>(std::move(client), std::move(stream));
  Connection c;
  c.peer_features = {};  // resolved from the response headers once established
  rpc::Stream* s = &transport->stream();
  c.resolve_peer_features = [s] { return FeaturesFrom(s->headers()); };
  c.transport = std::move(transport);
  return c;
}

StatusOr<Dialer::EventConnection> RpcDialer::DialEvent(const v1::Multihost::Peer& host,
                                                       const PeerFeatures& ours) {
  BRS_ASSIGN_OR_RETURN(auto client, NewClient(host));
  rpc::Headers extra = {{std::string(kExtensionsHeader), ours.Format()}};
  BRS_ASSIGN_OR_RETURN(auto stream, client->OpenAsync(kSyncPath, rpc::CallKind::kBidi, extra));
  EventConnection c;
  std::weak_ptr<rpc::AsyncStream> weak = stream;
  c.resolve_peer_features = [weak] {
    auto s = weak.lock();
    return s ? FeaturesFrom(s->headers()) : PeerFeatures{};
  };
  c.transport = std::make_shared<OwningEventTransport>(std::move(client), std::move(stream));
  return c;
}

namespace {

// The Sync stream: announces our extensions to a peer that announced its
// own (a Backrest peer sees exactly Backrest's responses), then serves.
Status ServeSyncStream(SyncService& service, rpc::Stream& stream) {
  const rpc::Headers request_headers = stream.headers();
  const std::string* ext = rpc::FindHeader(request_headers, kExtensionsHeader);
  PeerFeatures theirs = ext ? PeerFeatures::Parse(*ext) : PeerFeatures{};
  if (ext) stream.AddResponseHeader(std::string(kExtensionsHeader), PeerFeatures::All().Format());
  RpcSyncTransport transport(stream);
  Status end = service.ServeStream(&transport, theirs, stream.peer_address());
  // A clean end by the peer, or a displaced session, ends the call OK.
  return end.code() == Code::kUnavailable ? Status() : end;
}

// The same on the session pool (on the connection's io thread: it only
// queues the session).
void ServeSyncEventStream(SyncService& service, std::shared_ptr<rpc::AsyncStream> stream) {
  const rpc::Headers request_headers = stream->headers();
  const std::string* ext = rpc::FindHeader(request_headers, kExtensionsHeader);
  PeerFeatures theirs = ext ? PeerFeatures::Parse(*ext) : PeerFeatures{};
  if (ext) stream->AddResponseHeader(std::string(kExtensionsHeader), PeerFeatures::All().Format());
  const std::string peer = stream->peer_address();
  service.ServeEventStream(std::make_shared<RpcEventTransport>(std::move(stream)), theirs, peer);
}

using CallCheck = std::function<Status(const rpc::CallInfo&)>;

// Peer-state changes as they happen, queued for the stream's thread.
struct PeerStateChanges {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<v1sync::PeerState> queued;

  // Waits up to a second for changes and takes them.
  std::deque<v1sync::PeerState> Take() {
    std::deque<v1sync::PeerState> batch;
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(1), [&] { return !queued.empty(); });
    batch.swap(queued);
    return batch;
  }
};

template <typename States>
Status WriteStates(rpc::Stream& stream, const States& states) {
  for (const auto& s : states) BRS_RETURN_IF_ERROR(stream.Write(s.SerializeAsString()));
  return Status();
}

// GetPeerSyncStatesStream: the snapshot, then (when subscribed) every change
// until the client goes away.
Status ServePeerStates(SyncService& service, const CallCheck& check, const rpc::CallInfo& info,
                       rpc::Stream& stream) {
  BRS_RETURN_IF_ERROR(check(info));
  std::string req_bytes;
  BRS_ASSIGN_OR_RETURN(auto r, stream.Read(&req_bytes));
  v1sync::SyncStateStreamRequest req;
  if (r != rpc::Stream::ReadResult::kMessage || !req.ParseFromString(req_bytes)) {
    return InvalidArgument("expected one SyncStateStreamRequest");
  }
  // Subscribe first so no change between snapshot and subscription is lost
  // (a duplicate is harmless).
  PeerStateChanges changes;
  store::PeerStateStore::SubscriptionId sub = 0;
  if (req.subscribe()) {
    sub = service.state().Subscribe([&](const v1sync::PeerState& s) {
      std::lock_guard lock(changes.mu);
      if (changes.queued.size() < 10'000) changes.queued.push_back(s);
      changes.cv.notify_all();
      stream.Wake();
    });
  }
  auto snapshot = service.state().Snapshot();
  Status st = snapshot.status();
  if (st.ok()) st = WriteStates(stream, *snapshot);
  while (st.ok() && req.subscribe()) {
    st = WriteStates(stream, changes.Take());
    // Notice a client that went away (Read fails once it reset).
    std::string ignored;
    auto alive = stream.Read(&ignored, rpc::SteadyNowMs());
    if (!alive.ok()) st = alive.status();
  }
  if (sub) service.state().Unsubscribe(sub);
  return st.code() == Code::kCanceled ? Status() : st;
}

StatusOr<std::string> SetRemoteConfig(SyncService& service, const CallCheck& check,
                                      const rpc::CallInfo& info, std::string_view body) {
  BRS_RETURN_IF_ERROR(check(info));
  v1sync::SetRemoteClientConfigRequest req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return InvalidArgument("malformed SetRemoteClientConfigRequest");
  }
  BRS_RETURN_IF_ERROR(service.state().SetRemoteClientConfig(req));
  return v1sync::SetRemoteClientConfigResponse().SerializeAsString();
}

}  // namespace

void RegisterSyncServices(rpc::Server& server, SyncService& service,
                          std::function<std::shared_ptr<const ApiAuthenticator>()> auth,
                          AuthRefusalFn on_refused) {
  static const v1sync::SyncStreamItem kItem;
  static const v1sync::SyncStateStreamRequest kStatesReq;
  static const v1sync::PeerState kState;
  static const v1sync::SetRemoteClientConfigRequest kSetReq;
  static const v1sync::SetRemoteClientConfigResponse kSetResp;

  server.HandleBidi(
      std::string(kSyncPath),
      [&service](const rpc::CallInfo&, rpc::Stream& stream) {
        return ServeSyncStream(service, stream);
      },
      {&kItem, &kItem},
      [&service](const rpc::CallInfo&, std::shared_ptr<rpc::AsyncStream> stream) {
        ServeSyncEventStream(service, std::move(stream));
      });
  CallCheck check = [auth, on_refused](const rpc::CallInfo& info) -> Status {
    auto a = auth();
    const std::string* authz = rpc::FindHeader(info.headers, "authorization");
    Status st = a ? a->Authenticate(authz ? *authz : "").status()
                  : Unauthenticated("authentication is not configured");
    if (!st.ok() && on_refused) on_refused(info, st);
    return st;
  };
  server.HandleServerStream(std::string(kPeerStatesPath),
                            [&service, check](const rpc::CallInfo& info, rpc::Stream& stream) {
                              return ServePeerStates(service, check, info, stream);
                            },
                            {&kStatesReq, &kState});
  server.HandleUnary(std::string(kSetRemoteConfigPath),
                     [&service, check](const rpc::CallInfo& info, std::string_view body) {
                       return SetRemoteConfig(service, check, info, body);
                     },
                     {&kSetReq, &kSetResp});
}

}  // namespace brs::sync
