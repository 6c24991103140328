#include "rpc/json_stream.h"

#include <google/protobuf/util/json_util.h>

#include <memory>

namespace brs::rpc::internal {

StatusOr<std::string> BinaryToJson(const google::protobuf::Message& type, std::string_view binary) {
  std::unique_ptr<google::protobuf::Message> m(type.New());
  if (!m->ParseFromArray(binary.data(), static_cast<int>(binary.size()))) {
    return Internal("message does not parse as " + type.GetTypeName());
  }
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  auto st = google::protobuf::util::MessageToJsonString(*m, &out, opts);
  if (!st.ok()) return Internal("JSON encoding failed: " + std::string(st.message()));
  return out;
}

StatusOr<std::string> JsonToBinary(const google::protobuf::Message& type, std::string_view json) {
  std::unique_ptr<google::protobuf::Message> m(type.New());
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;  // as connect-go: forward compatible
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), m.get(), opts);
  if (!st.ok()) {
    return InvalidArgument("invalid JSON for " + type.GetTypeName() + ": " +
                           std::string(st.message()).substr(0, 200));
  }
  std::string out;
  if (!m->SerializeToString(&out)) return Internal("serializing failed");
  return out;
}

StatusOr<Stream::ReadResult> JsonStream::Read(std::string* message, int64_t deadline_ms) {
  std::string json;
  BRS_ASSIGN_OR_RETURN(ReadResult r, inner_.Read(&json, deadline_ms));
  if (r != ReadResult::kMessage) return r;
  BRS_ASSIGN_OR_RETURN(*message, JsonToBinary(*in_, json));
  return r;
}

Status JsonStream::Write(std::string_view message) {
  BRS_ASSIGN_OR_RETURN(std::string json, BinaryToJson(*out_, message));
  return inner_.Write(json);
}

}  // namespace brs::rpc::internal
