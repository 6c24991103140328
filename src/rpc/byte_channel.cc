#include "rpc/byte_channel.h"

namespace brs::rpc::internal {

std::string FormatEndpoint(const asio::ip::tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

std::string TcpChannel::PeerAddress() const {
  asio::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  return ec ? "?" : FormatEndpoint(ep);
}

std::string TlsChannel::PeerAddress() const {
  asio::error_code ec;
  auto ep = stream_.lowest_layer().remote_endpoint(ec);
  return ec ? "?" : FormatEndpoint(ep);
}

}  // namespace brs::rpc::internal
