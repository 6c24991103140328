// HTTP/1.1 on the RPC port (Backrest serves its API on HTTP/1.1 too): GET
// routes, Connect unary calls and Connect server streams (chunked). Bidi
// streams need HTTP/2 and are refused (505). One blocking thread per
// HTTP/1.1 connection: these are rare (curl, browsers, health checks).
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <functional>
#include <optional>
#include <string>

#include "rpc/protocol.h"
#include "rpc/server.h"

namespace brs::rpc::internal {

class Http1Socket {
 public:
  virtual ~Http1Socket() = default;
  // Blocking; 0 at end of stream.
  virtual size_t ReadSome(char* buf, size_t len, asio::error_code& ec) = 0;
  virtual void WriteAll(std::string_view data, asio::error_code& ec) = 0;
  virtual void Close() = 0;
};

class Http1TcpSocket final : public Http1Socket {
 public:
  explicit Http1TcpSocket(asio::ip::tcp::socket s) : s_(std::move(s)) {}
  size_t ReadSome(char* buf, size_t len, asio::error_code& ec) override {
    return s_.read_some(asio::buffer(buf, len), ec);
  }
  void WriteAll(std::string_view d, asio::error_code& ec) override {
    asio::write(s_, asio::buffer(d.data(), d.size()), ec);
  }
  void Close() override {
    asio::error_code ec;
    s_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    s_.close(ec);
  }

 private:
  asio::ip::tcp::socket s_;
};

class Http1TlsSocket final : public Http1Socket {
 public:
  explicit Http1TlsSocket(asio::ssl::stream<asio::ip::tcp::socket> s) : s_(std::move(s)) {}
  size_t ReadSome(char* buf, size_t len, asio::error_code& ec) override {
    return s_.read_some(asio::buffer(buf, len), ec);
  }
  void WriteAll(std::string_view d, asio::error_code& ec) override {
    asio::write(s_, asio::buffer(d.data(), d.size()), ec);
  }
  void Close() override {
    asio::error_code ec;
    s_.lowest_layer().close(ec);
  }

 private:
  asio::ssl::stream<asio::ip::tcp::socket> s_;
};

struct Http1Handlers {
  std::function<std::optional<HttpResponse>(const std::string&, const Headers&)> get;
  // nullopt: no unary route at this path.
  std::function<std::optional<StatusOr<std::string>>(const std::string&, const Headers&, Codec,
                                                     std::string)>
      unary;
  std::function<const StreamHandler*(const std::string&)> server_stream;
  std::function<bool(const std::string&)> is_rpc_path;
  size_t max_message = size_t{16} << 20;
};

// Serves requests until the peer closes or asks to; `already` are bytes
// read before (preface sniffing).
void ServeHttp1Connection(Http1Socket& socket, std::string already, const Http1Handlers& handlers);

}  // namespace brs::rpc::internal
