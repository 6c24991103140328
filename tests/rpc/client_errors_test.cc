// The client against peers that are not Connect servers: an HTTP/1-only
// server, and HTTP/2 servers answering with a body that is not Connect
// (a proxy's HTML error page, a 200 of the wrong content type). Each gives
// a clear error with the right code, never a message.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <thread>

#include "rpc/client.h"

namespace brs::rpc {
namespace {

// True once `in` (what an HTTP/2 client sent) holds a whole HEADERS frame.
bool HasHeadersFrame(const std::string& in) {
  constexpr size_t kPreface = 24;
  for (size_t at = kPreface; at + 9 <= in.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data() + at);
    const size_t len = (size_t{p[0]} << 16) | (size_t{p[1]} << 8) | p[2];
    if (at + 9 + len > in.size()) return false;
    if (p[3] == 1) return true;
    at += 9 + len;
  }
  return false;
}

// A TCP server that answers each connection with `reply` once the client's
// first bytes arrived (an HTTP/1 server) or, with `after_headers`, once its
// first request's HEADERS frame did (an HTTP/2 server); then drains until
// the client closes.
class FakePeer {
 public:
  explicit FakePeer(std::string reply, bool after_headers = true)
      : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        reply_(std::move(reply)) {
    thread_ = std::thread([this, after_headers] {
      // Every connection gets the same answer, one at a time (a client may
      // redial after the first).
      for (;;) {
        asio::ip::tcp::socket sock(io_);
        asio::error_code ec;
        acceptor_.accept(sock, ec);
        if (ec) return;
        char buf[4096];
        std::string in;
        do {
          size_t n = sock.read_some(asio::buffer(buf), ec);
          if (ec) break;
          in.append(buf, n);
        } while (after_headers && !HasHeadersFrame(in));
        if (!ec) asio::write(sock, asio::buffer(reply_), ec);
        while (!ec) sock.read_some(asio::buffer(buf), ec);
      }
    });
  }
  ~FakePeer() {
    // shutdown() wakes an accept() blocked on the listening socket (Linux).
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    thread_.join();
    asio::error_code ec;
    acceptor_.close(ec);
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::string reply_;
  std::thread thread_;
};

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, std::string_view payload) {
  std::string f;
  const size_t n = payload.size();
  f += static_cast<char>(n >> 16);
  f += static_cast<char>(n >> 8);
  f += static_cast<char>(n);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>(stream >> shift);
  f += payload;
  return f;
}

// HPACK, literal header field without indexing, name from the static
// table (RFC 7541 §6.2.2): 8 = :status, 31 = content-type.
std::string Literal(uint8_t static_index, std::string_view value) {
  std::string b;
  if (static_index < 15) {
    b += static_cast<char>(static_index);
  } else {
    b += static_cast<char>(0x0f);
    b += static_cast<char>(static_index - 15);
  }
  b += static_cast<char>(value.size());  // < 127, no Huffman
  b += value;
  return b;
}

// An HTTP/2 server's answer on stream 1: SETTINGS, SETTINGS ack, HEADERS
// (:status, content-type) and one DATA frame that ends the stream.
std::string H2Answer(std::string_view status, std::string_view content_type,
                     std::string_view body) {
  constexpr uint8_t kData = 0, kHeaders = 1, kSettings = 4;
  constexpr uint8_t kEndStream = 1, kEndHeaders = 4, kAck = 1;
  return Frame(kSettings, 0, 0, "") + Frame(kSettings, kAck, 0, "") +
         Frame(kHeaders, kEndHeaders, 1, Literal(8, status) + Literal(31, content_type)) +
         Frame(kData, kEndStream, 1, body);
}

std::unique_ptr<Client> ClientFor(const std::string& url, bool grpc = false) {
  ClientOptions o;
  o.base_url = url;
  o.grpc = grpc;
  o.connect_timeout_ms = 5'000;
  return std::move(Client::Create(o)).value();
}

TEST(RpcClientPeers, Http1OnlyServerIsUnavailableWithAClearMessage) {
  FakePeer peer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                /*after_headers=*/false);
  auto r = ClientFor(peer.url())->Unary("/x.Y/Z", "", {}, 5'000);
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("HTTP/1"), std::string::npos) << r.status().ToString();
}

TEST(RpcClientPeers, ProxyErrorPageIsItsHttpStatusCode) {
  FakePeer peer(H2Answer("502", "text/html", "<html><body>Bad Gateway</body></html>"));
  auto r = ClientFor(peer.url())->Unary("/x.Y/Z", "", {}, 5'000);
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();  // 502 → unavailable
  EXPECT_NE(r.status().message().find("not a Connect error"), std::string::npos)
      << r.status().ToString();
}

TEST(RpcClientPeers, UnaryOkOfTheWrongContentTypeIsNotAMessage) {
  FakePeer peer(H2Answer("200", "text/html", "<html>hello</html>"));
  auto r = ClientFor(peer.url())->Unary("/x.Y/Z", "", {}, 5'000);
  // Not an RPC content type at all: unknown (the conformance suite's
  // unexpected-content-type case; another codec's would be internal).
  EXPECT_EQ(r.status().code(), Code::kUnknown) << r.status().ToString();
  EXPECT_NE(r.status().message().find("content-type"), std::string::npos) << r.status().ToString();
}

// A gRPC response whose body ends inside a message fails internal, even
// with grpc-status 0 after it (the conformance suite's incomplete-message).
TEST(RpcClientPeers, GrpcBodyEndingInsideAMessageIsInternal) {
  constexpr uint8_t kData = 0, kHeaders = 1, kSettings = 4;
  constexpr uint8_t kEndStream = 1, kEndHeaders = 4, kAck = 1;
  // Literal header field without indexing, new name (RFC 7541 §6.2.2).
  const std::string status_trailer = std::string("\x00\x0bgrpc-status\x01", 14) + "0";
  const std::string truncated = std::string("\x00\x00\x00\x00\x0a", 5) + "AAAA";  // 10 promised
  FakePeer peer(
      Frame(kSettings, 0, 0, "") + Frame(kSettings, kAck, 0, "") +
      Frame(kHeaders, kEndHeaders, 1, Literal(8, "200") + Literal(31, "application/grpc")) +
      Frame(kData, 0, 1, truncated) + Frame(kHeaders, kEndHeaders | kEndStream, 1, status_trailer));
  auto client = ClientFor(peer.url(), /*grpc=*/true);
  auto s = client->Open("/x.Y/Z", CallKind::kServerStream, {}, 5'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  (void)(*s)->Write("");
  (*s)->Finish(Status());
  std::string m;
  auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
  ASSERT_FALSE(r.ok()) << "read returned " << static_cast<int>(*r);
  EXPECT_EQ(r.status().code(), Code::kInternal) << r.status().ToString();
}

TEST(RpcClientPeers, StreamOkOfTheWrongContentTypeFailsTheStream) {
  FakePeer peer(H2Answer("200", "application/json", "{}"));
  auto client = ClientFor(peer.url());
  auto s = client->Open("/x.Y/Z", CallKind::kBidi, {}, 5'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string m;
  auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
  EXPECT_EQ(r.status().code(), Code::kInternal) << r.status().ToString();
  EXPECT_NE(r.status().message().find("content-type"), std::string::npos) << r.status().ToString();
}

// A stream may outlive its client: the call is canceled, and dropping the
// stream later neither hangs nor touches freed memory (ASan).
TEST(RpcClientPeers, StreamOutlivingItsClientIsCanceled) {
  FakePeer peer(H2Answer("200", "application/connect+proto", ""));
  auto client = ClientFor(peer.url());
  auto s = client->Open("/x.Y/Z", CallKind::kBidi, {}, 5'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  client.reset();
  std::string m;
  auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE((*s)->Write("x").ok());
  s->reset();
}

TEST(RpcClientPeers, GrpcCallToAnHtmlErrorIsItsHttpStatusCode) {
  FakePeer peer(H2Answer("404", "text/html", "not found"));
  auto r = ClientFor(peer.url(), /*grpc=*/true)->Unary("/x.Y/Z", "", {}, 5'000);
  EXPECT_EQ(r.status().code(), Code::kUnimplemented) << r.status().ToString();  // gRPC: 404
}

}  // namespace
}  // namespace brs::rpc
