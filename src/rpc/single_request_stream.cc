#include "rpc/single_request_stream.h"

namespace brs::rpc::internal {

StatusOr<std::string> ReadSingleRequest(Stream& inner, int64_t deadline_ms) {
  std::string message, extra;
  BRS_ASSIGN_OR_RETURN(Stream::ReadResult first, inner.Read(&message, deadline_ms));
  if (first == Stream::ReadResult::kTimeout) {
    return Status(Code::kDeadlineExceeded, "deadline exceeded");
  }
  if (first == Stream::ReadResult::kEnd) {
    return Status(Code::kUnimplemented, "call without a request message");
  }
  BRS_ASSIGN_OR_RETURN(Stream::ReadResult second, inner.Read(&extra, deadline_ms));
  if (second == Stream::ReadResult::kTimeout) {
    return Status(Code::kDeadlineExceeded, "deadline exceeded");
  }
  if (second == Stream::ReadResult::kMessage) {
    return Status(Code::kUnimplemented, "call with more than one request message");
  }
  return message;
}

}  // namespace brs::rpc::internal
