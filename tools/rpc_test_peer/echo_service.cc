#include "echo_service.h"

#include <google/protobuf/wrappers.pb.h>

namespace brs::rpc::echo {
namespace {

using google::protobuf::BytesValue;
using google::protobuf::Int64Value;

StatusOr<std::string> Echo(const CallInfo&, std::string_view request) {
  BytesValue v;
  if (!v.ParseFromArray(request.data(), static_cast<int>(request.size()))) {
    return InvalidArgument("request is not a BytesValue");
  }
  BRS_RETURN_IF_ERROR(RequestedError(v.value()));
  return std::string(request);
}

Status Count(const CallInfo&, Stream& s) {
  std::string request;
  auto r = s.Read(&request);
  if (!r.ok()) return r.status();
  Int64Value n;
  if (*r != Stream::ReadResult::kMessage || !n.ParseFromString(request)) {
    return InvalidArgument("request is not an Int64Value");
  }
  if (n.value() < 0 || n.value() > kMaxCount) {
    return InvalidArgument("n must be in [0, " + std::to_string(kMaxCount) + "], got " +
                           std::to_string(n.value()));
  }
  Int64Value out;
  std::string wire;
  for (int64_t i = 0; i < n.value(); ++i) {
    out.set_value(i);
    out.SerializeToString(&wire);
    BRS_RETURN_IF_ERROR(s.Write(wire));
  }
  return Status();
}

Status Bidi(const CallInfo&, Stream& s) {
  std::string m;
  for (;;) {
    auto r = s.Read(&m);
    if (!r.ok()) return r.status();
    if (*r == Stream::ReadResult::kEnd) return Status();
    BytesValue v;
    if (!v.ParseFromString(m)) return InvalidArgument("message is not a BytesValue");
    BRS_RETURN_IF_ERROR(RequestedError(v.value()));
    BRS_RETURN_IF_ERROR(s.Write(m));
  }
}

}  // namespace

Status RequestedError(std::string_view value) {
  constexpr std::string_view kPrefix = "error:";
  if (value.substr(0, kPrefix.size()) != kPrefix) return Status();
  std::string_view name = value.substr(kPrefix.size());
  Code code = CodeFromName(name);
  if (code == Code::kOk || CodeName(code) != name) {
    return InvalidArgument("unknown error code \"" + std::string(name) + "\"");
  }
  return Status(code, "requested");
}

void Register(Server& server) {
  static const BytesValue kBytes;
  static const Int64Value kInt;
  server.HandleUnary(std::string(kEcho), Echo, {&kBytes, &kBytes});
  server.HandleServerStream(std::string(kCount), Count, {&kInt, &kInt});
  server.HandleBidi(std::string(kBidi), Bidi, {&kBytes, &kBytes});
}

}  // namespace brs::rpc::echo
