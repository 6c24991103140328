#include "rpc/message_codec.h"

#include "rpc/gzip.h"
#include "rpc/protocol.h"

namespace brs::rpc {

StatusOr<Encoding> ParseEncoding(std::string_view value) {
  if (value.empty() || value == "identity") return Encoding::kIdentity;
  if (value == "gzip") return Encoding::kGzip;
  return Status(Code::kUnimplemented,
                "unsupported compression \"" + std::string(value.substr(0, 64)) + "\"");
}

bool AcceptsGzip(std::string_view list) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "gzip") return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

StatusOr<std::string> DecodeMessage(const Envelope& e, Encoding encoding, size_t max_message_size) {
  if ((e.flags & kFlagCompressed) == 0) {
    if (e.payload.size() > max_message_size) return ResourceExhausted("message larger than limit");
    return e.payload;
  }
  if (encoding == Encoding::kIdentity) {
    return Internal("compressed message without negotiated encoding");
  }
  return GzipDecompress(e.payload, max_message_size);
}

Status EncodeMessage(std::string_view message, Encoding encoding, std::string* out) {
  if (encoding == Encoding::kIdentity) return AppendEnvelope(0, message, out);
  BRS_ASSIGN_OR_RETURN(std::string z, GzipCompress(message));
  return AppendEnvelope(kFlagCompressed, z, out);
}

Status GrpcStatusFromTrailers(std::string_view grpc_status, bool present,
                              std::string_view grpc_message) {
  if (!present) return Internal("missing grpc-status trailer");
  int n = 0;
  if (grpc_status.empty() || grpc_status.size() > 2) {
    n = -1;
  } else {
    for (char c : grpc_status) {
      if (c < '0' || c > '9') {
        n = -1;
        break;
      }
      n = n * 10 + (c - '0');
    }
  }
  if (n == 0) return Status::Ok();
  const std::string msg = GrpcPercentDecode(grpc_message);
  if (n < 0 || n > 16) return Status(Code::kUnknown, msg);
  return Status(static_cast<Code>(n), msg);
}

}  // namespace brs::rpc
