// gRPC as a client and a server receive it: length-prefixed messages (the
// end-of-stream flag is Connect's and refused here), identity or gzip,
// then the response's headers and trailers (grpc-status, percent-encoded
// grpc-message), including a trailers-only response. Properties: decoded
// messages respect the limit; a status written as trailers by the server
// side reads back as the same code and message on the client side.
#include "fuzz_util.h"
#include "rpc/call_semantics.h"
#include "rpc/envelope.h"
#include "rpc/message_codec.h"
#include "rpc/protocol.h"

using namespace brs;
using namespace brs::rpc;

namespace {

// "name: value" lines (\n separated) as HTTP/2 header fields.
Headers ParseHeaderLines(std::string_view text) {
  Headers h;
  while (!text.empty() && h.size() < 64) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    size_t colon = line.find(':', 1);
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    h.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  const Encoding enc = (ctl & 1) ? Encoding::kGzip : Encoding::kIdentity;
  const internal::Role receiver = (ctl & 2) ? internal::Role::kServer : internal::Role::kClient;
  const size_t max = (ctl & 4) ? 64 : 1 << 16;
  const int http_status = (ctl & 8) ? 200 + in.Byte() : 200;
  const bool end_stream = ctl & 16;
  Headers headers = ParseHeaderLines(in.Piece());
  Headers trailers = ParseHeaderLines(in.Piece());
  std::string_view body = in.Rest();

  internal::CallConfig config;
  config.content_type = {Protocol::kGrpc, Codec::kProto};
  config.max_message = max;
  auto head = internal::CheckResponseHeaders(config, http_status, headers, end_stream);
  if (head.kind == internal::ResponseHeadResult::Kind::kFailed) FUZZ_CHECK(!head.status.ok());

  EnvelopeDecoder dec(max);
  (void)dec.Feed(body);
  while (auto e = dec.Next()) {
    auto kind = internal::ClassifyEnvelope(e->flags, Protocol::kGrpc, receiver);
    if (!kind.ok()) continue;
    FUZZ_CHECK(*kind == internal::EnvelopeKind::kMessage);
    auto msg = DecodeMessage(*e, head.recv_encoding.value_or(enc), max);
    if (msg.ok()) FUZZ_CHECK(msg->size() <= max);
  }
  (void)dec.Finish();

  Status end = internal::StreamResponseEnd(Protocol::kGrpc, http_status, headers, trailers, false);
  if (http_status != 200) FUZZ_CHECK(!end.ok());
  if (http_status == 200 && !FindHeader(trailers, "grpc-status"))
    FUZZ_CHECK(end.code() == Code::kInternal);

  // The server's trailers for the status read back as the same status.
  const std::string* gm = FindHeader(trailers, "grpc-message");
  std::string message = gm ? *gm : std::string(body.substr(0, 64));
  const auto code = static_cast<Code>(1 + ctl % 16);
  Headers written = internal::GrpcTrailers(Status(code, message));
  Status read = internal::StreamResponseEnd(Protocol::kGrpc, 200, {}, written, false);
  FUZZ_CHECK(read.code() == code);
  FUZZ_CHECK(read.message() == message);
  FUZZ_CHECK(GrpcPercentDecode(GrpcPercentEncode(message)) == message);
  return 0;
}
