// A hand-driven HTTP/2 client for hostile-input tests: a blocking loopback
// socket, frames written and read by hand (RFC 9113 §4: 3-byte length,
// type, flags, 31-bit stream id), header blocks through nghttp2's HPACK
// deflater/inflater. It sends only what a test asks for: no SETTINGS ACK,
// PING ACK or WINDOW_UPDATE unless told (ack_settings / answer_pings).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/stream.h"

namespace brs::rpc::testing {

namespace h2 {
inline constexpr uint8_t kData = 0x0, kHeaders = 0x1, kRstStream = 0x3, kSettings = 0x4,
                         kPing = 0x6, kGoaway = 0x7, kWindowUpdate = 0x8, kContinuation = 0x9;
inline constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4;
inline constexpr uint32_t kNoError = 0x0, kProtocolError = 0x1, kFrameSizeError = 0x6,
                          kRefusedStream = 0x7, kCancel = 0x8;
inline constexpr uint16_t kSettingsMaxConcurrentStreams = 0x3, kSettingsMaxFrameSize = 0x5;
inline constexpr uint32_t kDefaultMaxFrameSize = 16384;
inline constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
}  // namespace h2

inline std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
inline uint32_t ReadBe32(std::string_view s, size_t at) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

// A frame header announcing `length` payload bytes (which may never come).
inline std::string FrameHeader(uint32_t length, uint8_t type, uint8_t flags, uint32_t stream) {
  std::string h = {static_cast<char>(length >> 16), static_cast<char>(length >> 8),
                   static_cast<char>(length), static_cast<char>(type), static_cast<char>(flags)};
  return h + Be32(stream & 0x7fffffffu);
}
inline std::string FrameBytes(uint8_t type, uint8_t flags, uint32_t stream,
                              std::string_view payload) {
  return FrameHeader(static_cast<uint32_t>(payload.size()), type, flags, stream) +
         std::string(payload);
}
inline std::string RstStream(uint32_t stream, uint32_t code) {
  return FrameBytes(h2::kRstStream, 0, stream, Be32(code));
}
inline std::string DataFrame(uint32_t stream, std::string_view data, bool end_stream) {
  return FrameBytes(h2::kData, end_stream ? h2::kEndStream : 0, stream, data);
}
// A Connect/gRPC envelope prefix that may lie about the length.
inline std::string EnvelopePrefix(uint8_t flags, uint32_t length) {
  return std::string(1, static_cast<char>(flags)) + Be32(length);
}
inline std::string Envelope(uint8_t flags, std::string_view payload) {
  return EnvelopePrefix(flags, static_cast<uint32_t>(payload.size())) + std::string(payload);
}

// A POST request's headers.
inline Headers PostHeaders(std::string path, std::string content_type, Headers extra = {}) {
  Headers h = {{":method", "POST"},
               {":scheme", "http"},
               {":authority", "127.0.0.1"},
               {":path", std::move(path)},
               {"content-type", std::move(content_type)}};
  for (auto& kv : extra) h.push_back(std::move(kv));
  return h;
}

// What arrived for one stream.
struct StreamReply {
  Headers headers;
  std::string body;
  Headers trailers;
  bool end_stream = false;
  std::optional<uint32_t> rst;  // RST_STREAM error code
  bool done() const { return end_stream || rst.has_value(); }
  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

struct Goaway {
  uint32_t last_stream = 0;
  uint32_t code = 0;
  std::string debug;
};

class RawH2 {
 public:
  struct Frame {
    uint8_t type = 0, flags = 0;
    uint32_t stream = 0;
    std::string payload;
  };
  enum class ReadStatus { kFrame, kEof, kTimeout };

  explicit RawH2(int port) {
    nghttp2_hd_deflate_new(&deflater_, 4096);
    nghttp2_hd_inflate_new(&inflater_);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
    int one = 1;
    if (fd_ >= 0) ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RawH2() {
    if (fd_ >= 0) ::close(fd_);
    nghttp2_hd_deflate_del(deflater_);
    nghttp2_hd_inflate_del(inflater_);
  }
  RawH2(const RawH2&) = delete;
  RawH2& operator=(const RawH2&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Settings of behaviour.
  bool ack_settings = true;
  bool answer_pings = true;

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // The client preface, empty SETTINGS and a large connection window.
  bool Handshake() {
    return Send(std::string(h2::kPreface) + FrameBytes(h2::kSettings, 0, 0, "") +
                FrameBytes(h2::kWindowUpdate, 0, 0, Be32(1u << 30)));
  }

  std::string HeadersFrame(uint32_t stream, const Headers& headers, bool end_stream) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [k, v] : headers) {
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    }
    std::string block(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()), '\0');
    ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(block.data()),
                                      block.size(), nv.data(), nv.size());
    block.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return FrameBytes(h2::kHeaders, h2::kEndHeaders | (end_stream ? h2::kEndStream : 0), stream,
                      block);
  }
  bool SendHeaders(uint32_t stream, const Headers& headers, bool end_stream) {
    return Send(HeadersFrame(stream, headers, end_stream));
  }

  // Raw bytes until the peer closes or `timeout_ms` passes (HTTP/1 answers).
  std::string ReadAllRaw(int64_t timeout_ms, bool* eof) {
    std::string out = std::move(in_);
    in_.clear();
    *eof = false;
    const int64_t deadline = SteadyNowMs() + timeout_ms;
    char buf[4096];
    for (;;) {
      const int64_t left = deadline - SteadyNowMs();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return out;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        *eof = true;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }

  // One frame; a HEADERS block (with CONTINUATIONs) is decoded into `headers`.
  ReadStatus ReadFrame(Frame* f, Headers* headers, int64_t timeout_ms) {
    const int64_t deadline = SteadyNowMs() + timeout_ms;
    for (;;) {
      if (in_.size() >= 9) {
        const uint32_t len = (static_cast<uint32_t>(static_cast<uint8_t>(in_[0])) << 16) |
                             (static_cast<uint32_t>(static_cast<uint8_t>(in_[1])) << 8) |
                             static_cast<uint8_t>(in_[2]);
        if (in_.size() >= 9 + len) {
          f->type = static_cast<uint8_t>(in_[3]);
          f->flags = static_cast<uint8_t>(in_[4]);
          f->stream = ReadBe32(in_, 5) & 0x7fffffffu;
          f->payload = in_.substr(9, len);
          in_.erase(0, 9 + len);
          if (f->type == h2::kHeaders || f->type == h2::kContinuation) {
            block_ += f->payload;
            if (f->flags & h2::kEndHeaders) {
              *headers = Inflate(block_);
              block_.clear();
            }
          }
          return ReadStatus::kFrame;
        }
      }
      if (eof_) return ReadStatus::kEof;
      const int64_t left = deadline - SteadyNowMs();
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) return ReadStatus::kTimeout;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        continue;
      }
      in_.append(buf, static_cast<size_t>(n));
    }
  }

  // Reads and records frames until `done()` holds (true), the connection
  // ends or the timeout passes (false).
  bool Pump(const std::function<bool()>& done, int64_t timeout_ms) {
    const int64_t deadline = SteadyNowMs() + timeout_ms;
    while (!done()) {
      Frame f;
      Headers h;
      const int64_t left = deadline - SteadyNowMs();
      if (left <= 0) return false;
      ReadStatus st = ReadFrame(&f, &h, left);
      if (st != ReadStatus::kFrame) return done();
      Record(f, std::move(h));
    }
    return true;
  }
  // Until `stream` ended (END_STREAM or RST_STREAM).
  const StreamReply& Await(uint32_t stream, int64_t timeout_ms = 5'000) {
    Pump([&] { return replies_[stream].done(); }, timeout_ms);
    return replies_[stream];
  }
  // Until the peer closes the connection; true if it did.
  bool AwaitEof(int64_t timeout_ms) {
    Pump([&] { return eof_; }, timeout_ms);
    return eof_ && in_.empty();
  }
  // Everything already readable, without waiting.
  void Drain() {
    Pump([] { return false; }, 0);
  }

  StreamReply& reply(uint32_t stream) { return replies_[stream]; }
  const std::optional<Goaway>& goaway() const { return goaway_; }
  bool eof() const { return eof_; }
  // Bytes received after the last complete frame (a cut frame at EOF).
  size_t pending_bytes() const { return in_.size(); }
  int pings_received() const { return pings_received_; }
  int64_t first_ping_ms() const { return first_ping_ms_; }
  int settings_received() const { return settings_received_; }
  const std::map<uint16_t, uint32_t>& server_settings() const { return server_settings_; }
  std::vector<uint8_t> frame_types_seen;

 private:
  Headers Inflate(std::string_view block) {
    Headers out;
    auto* in = reinterpret_cast<const uint8_t*>(block.data());
    size_t left = block.size();
    for (;;) {
      nghttp2_nv nv;
      int flags = 0;
      ssize_t rv = nghttp2_hd_inflate_hd2(inflater_, &nv, &flags, in, left, 1);
      if (rv < 0) return out;
      in += rv;
      left -= static_cast<size_t>(rv);
      if (flags & NGHTTP2_HD_INFLATE_EMIT) {
        out.emplace_back(std::string(reinterpret_cast<char*>(nv.name), nv.namelen),
                         std::string(reinterpret_cast<char*>(nv.value), nv.valuelen));
      }
      if (flags & NGHTTP2_HD_INFLATE_FINAL) {
        nghttp2_hd_inflate_end_headers(inflater_);
        return out;
      }
      if ((flags & NGHTTP2_HD_INFLATE_EMIT) == 0 && left == 0) return out;
    }
  }

  void Record(const Frame& f, Headers headers) {
    frame_types_seen.push_back(f.type);
    StreamReply& r = replies_[f.stream];
    switch (f.type) {
      case h2::kHeaders:
      case h2::kContinuation:
        if (!(f.flags & h2::kEndHeaders)) return;
        if (r.headers.empty()) {
          r.headers = std::move(headers);
        } else {
          r.trailers = std::move(headers);
        }
        if (f.flags & h2::kEndStream) r.end_stream = true;
        break;
      case h2::kData:
        r.body += f.payload;
        if (f.flags & h2::kEndStream) r.end_stream = true;
        if (!f.payload.empty()) {  // keep the stream's window open
          Send(FrameBytes(h2::kWindowUpdate, 0, f.stream,
                          Be32(static_cast<uint32_t>(f.payload.size()))));
        }
        break;
      case h2::kRstStream:
        if (f.payload.size() == 4) r.rst = ReadBe32(f.payload, 0);
        break;
      case h2::kSettings:
        if (f.flags & h2::kAck) break;
        ++settings_received_;
        for (size_t i = 0; i + 6 <= f.payload.size(); i += 6) {
          const auto id = static_cast<uint16_t>((static_cast<uint8_t>(f.payload[i]) << 8) |
                                                static_cast<uint8_t>(f.payload[i + 1]));
          server_settings_[id] = ReadBe32(f.payload, i + 2);
        }
        if (ack_settings) Send(FrameBytes(h2::kSettings, h2::kAck, 0, ""));
        break;
      case h2::kPing:
        if (f.flags & h2::kAck) break;
        if (pings_received_++ == 0) first_ping_ms_ = SteadyNowMs();
        if (answer_pings) Send(FrameBytes(h2::kPing, h2::kAck, 0, f.payload));
        break;
      case h2::kGoaway:
        if (f.payload.size() >= 8) {
          goaway_ = Goaway{ReadBe32(f.payload, 0) & 0x7fffffffu, ReadBe32(f.payload, 4),
                           f.payload.substr(8)};
        }
        break;
      default:
        break;
    }
  }

  int fd_ = -1;
  nghttp2_hd_deflater* deflater_ = nullptr;
  nghttp2_hd_inflater* inflater_ = nullptr;
  std::string in_;
  std::string block_;
  bool eof_ = false;
  std::map<uint32_t, StreamReply> replies_;
  std::optional<Goaway> goaway_;
  int pings_received_ = 0;
  int64_t first_ping_ms_ = 0;
  int settings_received_ = 0;
  std::map<uint16_t, uint32_t> server_settings_;
};

}  // namespace brs::rpc::testing
