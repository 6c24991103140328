// Converts between protobuf binary (what handlers and callers use) and the
// Connect JSON codec on the wire, given the message types.
#pragma once

#include <google/protobuf/message.h>

#include "rpc/stream.h"

namespace brs::rpc::internal {

// JSON text of a message given as binary bytes of `type`.
StatusOr<std::string> BinaryToJson(const google::protobuf::Message& type, std::string_view binary);
// Binary bytes of a message given as JSON text of `type` (InvalidArgument
// for malformed JSON or fields of the wrong type).
StatusOr<std::string> JsonToBinary(const google::protobuf::Message& type, std::string_view json);

// A Stream whose wire messages are JSON: Read yields binary of `in_type`,
// Write takes binary of `out_type`.
class JsonStream final : public Stream {
 public:
  JsonStream(Stream& inner, const google::protobuf::Message* in_type,
             const google::protobuf::Message* out_type)
      : inner_(inner), in_(in_type), out_(out_type) {}
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_ms) override;
  void Wake() override { inner_.Wake(); }
  Status Write(std::string_view message) override;
  void Finish(const Status& status) override { inner_.Finish(status); }
  size_t Backlog() const override { return inner_.Backlog(); }
  Headers headers() const override { return inner_.headers(); }
  void AddResponseTrailer(std::string n, std::string v) override {
    inner_.AddResponseTrailer(std::move(n), std::move(v));
  }
  Headers trailers() const override { return inner_.trailers(); }
  void AddResponseHeader(std::string n, std::string v) override {
    inner_.AddResponseHeader(std::move(n), std::move(v));
  }
  std::string peer_address() const override { return inner_.peer_address(); }

 private:
  Stream& inner_;
  const google::protobuf::Message* in_;
  const google::protobuf::Message* out_;
};

}  // namespace brs::rpc::internal
