// Connect envelopes and end-of-stream messages as a client receives them
// from a server: the bytes of a response body fed in chunks of a size the
// input picks, every envelope classified, its message decoded (identity or
// gzip) and the end-of-stream JSON parsed; plus the error JSON of a unary
// response. Properties: the decoder never holds more than one envelope past
// its limit, a decoded message respects the limit, and envelopes written
// by AppendEnvelope decode back to themselves.
#include "fuzz_util.h"
#include "rpc/call_semantics.h"
#include "rpc/envelope.h"
#include "rpc/message_codec.h"
#include "rpc/protocol.h"

using namespace brs;
using namespace brs::rpc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const uint8_t ctl = in.Byte();
  const size_t chunk = 1 + in.Byte();
  const Encoding enc = (ctl & 1) ? Encoding::kGzip : Encoding::kIdentity;
  const internal::Role receiver = (ctl & 2) ? internal::Role::kServer : internal::Role::kClient;
  const size_t max = (ctl & 4) ? 64 : 1 << 16;
  std::string_view body = in.Rest();

  // The whole body as a unary error body, too.
  Status unary = ParseConnectErrorJson(body, Code::kUnavailable);
  FUZZ_CHECK(!unary.ok());

  EnvelopeDecoder dec(max);
  std::string reframed;
  bool ended = false;
  for (size_t at = 0; at < body.size() && dec.status().ok(); at += chunk) {
    (void)dec.Feed(body.substr(at, chunk));
    while (auto e = dec.Next()) {
      FUZZ_CHECK(e->payload.size() <= max);
      FUZZ_CHECK(AppendEnvelope(e->flags, e->payload, &reframed).ok());
      auto kind = internal::ClassifyEnvelope(e->flags, Protocol::kConnectStream, receiver);
      if (!kind.ok()) {
        FUZZ_CHECK(internal::FramingError(kind.status()).code() == Code::kInvalidArgument);
        continue;
      }
      if (*kind == internal::EnvelopeKind::kEndStream) {
        FUZZ_CHECK(receiver == internal::Role::kClient);
        Status end = ParseConnectEndStreamJson(e->payload);
        (void)end.ToString();
        ended = true;
        continue;
      }
      auto msg = DecodeMessage(*e, enc, max);
      if (msg.ok()) FUZZ_CHECK(msg->size() <= max);
    }
    FUZZ_CHECK(dec.buffered() <= kEnvelopeHeaderSize + max + chunk);
  }
  (void)ended;
  (void)dec.Finish();

  // Everything taken out re-frames to the same bytes and decodes the same.
  EnvelopeDecoder again(max);
  FUZZ_CHECK(again.Feed(reframed).ok());
  std::string twice;
  while (auto e = again.Next()) FUZZ_CHECK(AppendEnvelope(e->flags, e->payload, &twice).ok());
  FUZZ_CHECK(twice == reframed);
  FUZZ_CHECK(again.Finish().ok());
  return 0;
}
