// HTTP/2 frames into a server connection: the real Connection (nghttp2 and
// our callbacks, StreamCore's mailboxes, flow control and responses) over
// an in-memory ByteChannel that hands it the input in chunks, then the end
// of the stream. Requests are routed by the real router (RouteRequest) to
// an echo that runs on the connection's strand through the AsyncStream API
// (the way the hub's sync streams are served), a GET route, and the
// router's own refusals. What the server writes back is discarded.
#include <asio.hpp>
#include <memory>
#include <vector>

#include "fuzz_util.h"
#include "rpc/byte_channel.h"
#include "rpc/h2_connection.h"
#include "rpc/router.h"
#include "rpc/stream_core.h"

using namespace brs;
using namespace brs::rpc;
using namespace brs::rpc::internal;

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// The input, in chunks, then end of stream; writes succeed and vanish.
class MemoryChannel final : public ByteChannel {
 public:
  MemoryChannel(std::string bytes, size_t chunk) : bytes_(std::move(bytes)), chunk_(chunk) {}
  void AsyncReadSome(asio::mutable_buffer buf, const Strand& strand, Handler h) override {
    if (closed_ || at_ >= bytes_.size()) {
      asio::post(strand, [h = std::move(h)] { h(asio::error::eof, 0); });
      return;
    }
    size_t n = std::min({chunk_, buf.size(), bytes_.size() - at_});
    std::memcpy(buf.data(), bytes_.data() + at_, n);
    at_ += n;
    asio::post(strand, [h = std::move(h), n] { h(asio::error_code(), n); });
  }
  void AsyncWrite(asio::const_buffer buf, const Strand& strand, Handler h) override {
    size_t n = buf.size();
    asio::post(strand, [h = std::move(h), n] { h(asio::error_code(), n); });
  }
  void Close() override { closed_ = true; }
  void ShutdownSend() override {}
  std::string PeerAddress() const override { return "fuzz:1"; }

 private:
  std::string bytes_;
  size_t chunk_;
  size_t at_ = 0;
  bool closed_ = false;
};

// Reads what has arrived and echoes it; ends the call at the request's end
// (or with the stream's error). Runs on the io thread.
void Echo(const std::shared_ptr<AsyncStream>& s) {
  std::string m;
  for (int i = 0; i < 256; ++i) {
    auto r = s->TryRead(&m);
    if (!r.ok()) {
      s->Finish(r.status());
      return;
    }
    if (*r == Stream::ReadResult::kTimeout) return;
    if (*r == Stream::ReadResult::kEnd) {
      s->Finish(Status());
      return;
    }
    if (m == "fail") {
      s->Finish(Status(Code::kAborted, "asked to fail"));
      return;
    }
    if (s->writable()) (void)s->TryWrite(m);
  }
}

void StartEcho(asio::io_context& io, const std::shared_ptr<StreamCore>& s) {
  std::weak_ptr<StreamCore> weak = s;
  s->SetNotify([&io, weak] {
    asio::post(io, [weak] {
      if (auto p = weak.lock()) Echo(p);
    });
  });
  // As a session runner would: later, from its own queue, not inside
  // nghttp2's callback.
  asio::post(io, [weak] {
    if (auto p = weak.lock()) Echo(p);
  });
}

RouteTable MakeTable() {
  RouteTable t;
  Route unary{RouteKind::kUnary, nullptr, nullptr, {}, nullptr};
  unary.unary = [](const CallInfo&, std::string_view m, ResponseMetadata*) {
    return StatusOr<std::string>(std::string(m));
  };
  t.routes.emplace("/fuzz.v1.Echo/Unary", unary);
  Route bidi{RouteKind::kBidi, nullptr, nullptr, {}, nullptr};
  bidi.stream = [](const CallInfo&, Stream&) { return Status(); };
  bidi.async = [](const CallInfo&, std::shared_ptr<AsyncStream>) {};
  t.routes.emplace("/fuzz.v1.Echo/Bidi", bidi);
  Route server{RouteKind::kServerStream, nullptr, nullptr, {}, nullptr};
  server.stream = [](const CallInfo&, Stream&) { return Status(); };
  t.routes.emplace("/fuzz.v1.Echo/Server", server);
  t.gets.emplace("/metrics", [](const std::string&, const Headers&) {
    return HttpResponse{200, "text/plain", "metrics\n"};
  });
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RouteTable table = MakeTable();
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  const size_t chunk = 1 + in.Byte() * 16;
  std::string bytes = (ctl & 1) ? std::string(kPreface) : std::string();
  bytes.append(in.Rest());

  asio::io_context io;
  std::vector<std::shared_ptr<StreamCore>> streams;
  Connection::Options o;
  o.keepalive_ms = 0;
  o.max_concurrent_streams = 16;
  o.stream_window = (ctl & 2) ? 1024 : 1 << 16;
  o.connection_window = 1 << 20;
  auto conn = Connection::Create(io, std::make_unique<MemoryChannel>(std::move(bytes), chunk),
                                 Role::kServer, o, [&](const std::shared_ptr<StreamCore>& s) {
                                   streams.push_back(s);
                                   RouteDecision d = RouteRequest(s->request_headers_unlocked(),
                                                                  table, 1 << 16, SteadyNowMs());
                                   switch (d.action) {
                                     case RouteDecision::Action::kServeGet: {
                                       CallConfig cfg;
                                       cfg.content_type = {Protocol::kConnectUnary, Codec::kProto};
                                       s->set_config(cfg);
                                       HttpResponse r = (*d.get)(d.info.path, d.info.headers);
                                       s->ForceResponse(r.status, r.content_type);
                                       if (!d.head) (void)s->Write(r.body);
                                       s->Finish(Status());
                                       return;
                                     }
                                     case RouteDecision::Action::kRespond: {
                                       CallConfig cfg;
                                       cfg.content_type = {Protocol::kConnectUnary, Codec::kProto};
                                       s->set_config(cfg);
                                       s->ForceResponse(d.response.status, d.response.content_type);
                                       if (!d.head) (void)s->Write(d.response.body);
                                       s->Finish(Status());
                                       return;
                                     }
                                     case RouteDecision::Action::kFail:
                                       s->set_config(d.config);
                                       s->Finish(d.status);
                                       return;
                                     case RouteDecision::Action::kCall:
                                       s->set_config(d.config);
                                       StartEcho(io, s);
                                       return;
                                   }
                                 });
  conn->Start();
  io.run();
  FUZZ_CHECK(!conn->alive());
  for (auto& s : streams) s->SetNotify(nullptr);
  return 0;
}
