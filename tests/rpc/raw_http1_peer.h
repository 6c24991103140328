// A raw HTTP/1.1 peer for tests: a blocking TCP socket to 127.0.0.1 with
// reads that wait at most a given time (poll), to play slow, idle or
// hostile clients byte by byte.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <string_view>

#include "rpc/stream.h"

namespace brs::rpc::testing {

class RawHttp1Peer {
 public:
  explicit RawHttp1Peer(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // Read before connect: the server may accept (and start its timers)
    // before this thread is scheduled again after connect returns.
    connected_ms_ = SteadyNowMs();
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Reset();
    const int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawHttp1Peer() { Reset(); }
  RawHttp1Peer(const RawHttp1Peer&) = delete;
  RawHttp1Peer& operator=(const RawHttp1Peer&) = delete;

  bool connected() const { return fd_ >= 0; }
  int64_t connected_ms() const { return connected_ms_; }
  // The steady time the peer saw the end of the stream (EOF or reset); 0
  // while it has not.
  int64_t closed_ms() const { return closed_ms_; }
  // Everything read so far.
  const std::string& received() const { return in_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Waits up to `wait_ms` for bytes (or the end of the stream) and reads
  // what has arrived; false once the stream has ended.
  bool Pump(int64_t wait_ms) {
    if (closed_ms_ != 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int r;
    do {
      r = ::poll(&p, 1, static_cast<int>(wait_ms > 0 ? wait_ms : 0));
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return true;  // nothing within wait_ms
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ms_ = SteadyNowMs();
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  // Waits up to `timeout_ms` for the server to end the stream; its time
  // (0 when it did not).
  int64_t AwaitClose(int64_t timeout_ms) {
    const int64_t deadline = SteadyNowMs() + timeout_ms;
    while (closed_ms_ == 0 && SteadyNowMs() < deadline) Pump(deadline - SteadyNowMs());
    return closed_ms_;
  }
  // Waits up to `timeout_ms` for one complete response (head and
  // Content-Length body) past what earlier calls took; returns it ("" on
  // timeout or close before it was complete).
  std::string AwaitResponse(int64_t timeout_ms) {
    const int64_t deadline = SteadyNowMs() + timeout_ms;
    for (;;) {
      const size_t head_end = in_.find("\r\n\r\n", taken_);
      if (head_end != std::string::npos) {
        const std::string head = in_.substr(taken_, head_end - taken_);
        size_t length = 0;
        const size_t cl = head.find("Content-Length: ");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 16));
        if (in_.size() >= head_end + 4 + length) {
          std::string r = in_.substr(taken_, head_end + 4 + length - taken_);
          taken_ = head_end + 4 + length;
          return r;
        }
      }
      if (closed_ms_ != 0 || SteadyNowMs() >= deadline) return "";
      Pump(deadline - SteadyNowMs());
    }
  }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  int64_t connected_ms_ = 0;
  int64_t closed_ms_ = 0;
  std::string in_;
  size_t taken_ = 0;
};

inline std::string GetRequest(std::string_view path, bool keep_alive = true) {
  std::string r = "GET " + std::string(path) + " HTTP/1.1\r\nHost: test\r\n";
  if (!keep_alive) r += "Connection: close\r\n";
  return r + "\r\n";
}

}  // namespace brs::rpc::testing
