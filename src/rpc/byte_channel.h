// A connected byte stream for the HTTP/2 and HTTP/1.1 engines: plain TCP or TLS over TCP,
// driven by asio callbacks on one strand.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <functional>
#include <memory>
#include <string>

namespace brs::rpc::internal {

class ByteChannel {
 public:
  using Handler = std::function<void(const asio::error_code&, size_t)>;
  using Strand = asio::strand<asio::io_context::executor_type>;
  virtual ~ByteChannel() = default;
  // Completions run on `strand` (a std::function would lose an executor
  // bound to the handler, so the strand is passed explicitly).
  virtual void AsyncReadSome(asio::mutable_buffer buf, const Strand& strand, Handler h) = 0;
  virtual void AsyncWrite(asio::const_buffer buf, const Strand& strand, Handler h) = 0;
  virtual void Close() = 0;
  // Shuts the sending side (TCP FIN; TLS without close_notify): the peer
  // reads the end of the stream, and can still send.
  virtual void ShutdownSend() = 0;
  virtual std::string PeerAddress() const = 0;
};

class TcpChannel final : public ByteChannel {
 public:
  explicit TcpChannel(asio::ip::tcp::socket s) : socket_(std::move(s)) {}
  void AsyncReadSome(asio::mutable_buffer buf, const Strand& strand, Handler h) override {
    socket_.async_read_some(buf, asio::bind_executor(strand, std::move(h)));
  }
  void AsyncWrite(asio::const_buffer buf, const Strand& strand, Handler h) override {
    asio::async_write(socket_, buf, asio::bind_executor(strand, std::move(h)));
  }
  void Close() override {
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  void ShutdownSend() override {
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }
  std::string PeerAddress() const override;
  asio::ip::tcp::socket& socket() { return socket_; }

 private:
  asio::ip::tcp::socket socket_;
};

class TlsChannel final : public ByteChannel {
 public:
  explicit TlsChannel(asio::ssl::stream<asio::ip::tcp::socket> s) : stream_(std::move(s)) {}
  void AsyncReadSome(asio::mutable_buffer buf, const Strand& strand, Handler h) override {
    stream_.async_read_some(buf, asio::bind_executor(strand, std::move(h)));
  }
  void AsyncWrite(asio::const_buffer buf, const Strand& strand, Handler h) override {
    asio::async_write(stream_, buf, asio::bind_executor(strand, std::move(h)));
  }
  void Close() override {
    asio::error_code ec;
    stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.lowest_layer().close(ec);
  }
  void ShutdownSend() override {
    asio::error_code ec;
    stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }
  std::string PeerAddress() const override;

 private:
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
};

std::string FormatEndpoint(const asio::ip::tcp::endpoint& ep);

}  // namespace brs::rpc::internal
