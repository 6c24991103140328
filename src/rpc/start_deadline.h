// The deadline of a new connection's start (the TLS handshake, sniffing
// HTTP/2 from HTTP/1.1), so that a peer that connects and says nothing (or
// too slowly) does not hold its socket forever.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "rpc/byte_channel.h"
#include "rpc/stream.h"

namespace brs::rpc::internal {

// The deadline of a connection's start (TLS handshake, sniffing): calls
// `on_late` (which closes the socket) unless Meet comes first. Used on the
// accepted socket's strand only.
class StartDeadline : public std::enable_shared_from_this<StartDeadline> {
 public:
  explicit StartDeadline(const asio::any_io_executor& ex) : timer_(ex) {}
  // timeout_ms <= 0: no deadline.
  void Arm(int64_t timeout_ms, std::function<void()> on_late) {
    if (timeout_ms <= 0) return;
    at_ms = SteadyNowMs() + timeout_ms;
    timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    timer_.async_wait(
        [self = shared_from_this(), on_late = std::move(on_late)](const asio::error_code& ec) {
          if (!ec && !self->met_) on_late();
        });
  }
  // The start is over (done, or failed on its own).
  void Meet() {
    met_ = true;
    timer_.cancel();
  }
  int64_t at_ms = kNoDeadline;

 private:
  asio::steady_timer timer_;
  bool met_ = false;
};

// "ip:port" of a connected socket ("?" once it is not).
inline std::string FormatPeer(const asio::basic_socket<asio::ip::tcp>& s) {
  asio::error_code ec;
  auto ep = s.remote_endpoint(ec);
  return ec ? "?" : FormatEndpoint(ep);
}

}  // namespace brs::rpc::internal
