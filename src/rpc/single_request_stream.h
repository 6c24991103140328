// A server stream's one request message, read before its handler runs:
// Connect and gRPC both say that a call with a unary request that brings no
// message or several fails unimplemented (as connect-go and grpc-go
// answer), whatever the handler would have made of it.
#pragma once

#include <string>

#include "rpc/stream.h"

namespace brs::rpc::internal {

// Reads `inner`'s request side to its end: its only message, or
// unimplemented for none or several (deadline_exceeded at `deadline_ms`,
// the stream's error as it is).
StatusOr<std::string> ReadSingleRequest(Stream& inner, int64_t deadline_ms);

// `inner` with its request side already read: Read yields `request` once,
// then inner's; everything else is inner's.
class SingleRequestStream final : public Stream {
 public:
  SingleRequestStream(Stream& inner, std::string request)
      : inner_(inner), request_(std::move(request)) {}
  // After the request, inner's (its request side is over): kEnd, or the
  // error once the call failed (a handler notices a client gone).
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_ms) override {
    if (read_) return inner_.Read(message, deadline_ms);
    read_ = true;
    *message = std::move(request_);
    return ReadResult::kMessage;
  }
  void Wake() override { inner_.Wake(); }
  Status Write(std::string_view message) override { return inner_.Write(message); }
  void Finish(const Status& status) override { inner_.Finish(status); }
  size_t Backlog() const override { return read_ ? inner_.Backlog() : 1; }
  Headers headers() const override { return inner_.headers(); }
  void AddResponseHeader(std::string n, std::string v) override {
    inner_.AddResponseHeader(std::move(n), std::move(v));
  }
  void AddResponseTrailer(std::string n, std::string v) override {
    inner_.AddResponseTrailer(std::move(n), std::move(v));
  }
  Headers trailers() const override { return inner_.trailers(); }
  std::string peer_address() const override { return inner_.peer_address(); }

 private:
  Stream& inner_;
  std::string request_;
  bool read_ = false;
};

}  // namespace brs::rpc::internal
