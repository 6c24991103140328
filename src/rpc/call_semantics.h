// The rules of one call, for Connect (unary and streaming) and gRPC: which
// HTTP status, headers and trailers a server answers with, how it ends a
// call, and how a client turns a response's status, headers, trailers or
// end-of-stream message into the call's outcome. Pure functions: no
// sockets, no locks, no clocks (the stream state lives in StreamCore).
// Internal to the rpc layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "rpc/envelope.h"
#include "rpc/message_codec.h"
#include "rpc/protocol.h"
#include "rpc/stream.h"

namespace brs::rpc::internal {

enum class Role { kServer, kClient };

// How one call frames its messages.
struct CallConfig {
  ContentType content_type{Protocol::kConnectStream, Codec::kProto};
  Encoding send_encoding = Encoding::kIdentity;
  Encoding recv_encoding = Encoding::kIdentity;
  size_t max_message = kDefaultMaxMessageSize;  // received messages only
  // Connect unary: the body is one bare message, the status is HTTP's.
  bool raw_body() const { return content_type.protocol == Protocol::kConnectUnary; }
};

// ---- Server side ----

// What the server knows when it sends its response headers.
struct ResponseHead {
  const CallConfig* config = nullptr;
  // Set: answer with this HTTP status and content type instead of the
  // protocol's (unknown paths, GET endpoints, refused requests).
  int forced_status = 0;
  std::string_view forced_content_type;
  // Set when the handler already finished, with its status (a Connect
  // unary error is an HTTP status with a JSON body).
  const Status* finished = nullptr;
  const Headers* extra = nullptr;     // added by the handler; may be null
  const Headers* trailers = nullptr;  // the handler's trailers; may be null
};
// :status, content-type, the encodings (Connect streams and gRPC), then
// the handler's own headers; Connect unary sends the handler's trailers
// here too, as "trailer-<name>" headers (it has no trailers of its own).
Headers ServerResponseHeaders(const ResponseHead& head);

// gRPC trailers for a final status: grpc-status, and grpc-message
// (percent-encoded) for an error with a message, then the handler's
// `extra` trailers.
Headers GrpcTrailers(const Status& status, const Headers& extra = {});

// How the server ends a call with `status`, after its queued messages.
struct ServerEnd {
  enum class Kind {
    kAppend,   // append `bytes` to the body, then end it (gRPC: trailers follow)
    kReplace,  // the body is `bytes` alone (a Connect unary error)
    kReset,    // too late for an error status: reset the stream
  };
  Kind kind = Kind::kAppend;
  std::string bytes;
};
// `forced`: the response has its own status (ForceResponse); `started`:
// its headers have been submitted. `trailers` (the handler's) go in a
// Connect stream's end-of-stream message (gRPC's and Connect unary's go
// elsewhere: GrpcTrailers, ServerResponseHeaders).
ServerEnd ServerEndOfCall(Protocol protocol, const Status& status, bool forced, bool started,
                          const Headers& trailers = {});

// Connect streams and gRPC: the request's encodings, into *config (whose
// content type is set). recv from connect-content-encoding / grpc-encoding
// (an unknown one is unimplemented, and *config keeps identity); gzip is
// sent back only to a client that uses it itself and accepts it. Connect
// unary bodies use Content-Encoding instead (left to the handler).
Status NegotiateEncodings(const Headers& request, CallConfig* config);

// ---- Both sides ----

// A data envelope's meaning. The end-of-stream flag is Connect's, and only
// in responses; unknown flags are invalid_argument.
enum class EnvelopeKind { kMessage, kEndStream };
StatusOr<EnvelopeKind> ClassifyEnvelope(uint8_t flags, Protocol protocol, Role receiver);

// Bad framing of received data: resource_exhausted stays, anything else is
// invalid_argument.
Status FramingError(const Status& decoder_error);

// The outcome of a stream that HTTP/2 closed before the call ended.
Status StatusForStreamClose(uint32_t h2_error_code, Role role);

// A client's Finish with an error cancels the call: canceled, the message kept.
Status ClientCancelStatus(const Status& status);

// ---- Client side ----

// The response headers of a call (before any body).
struct ResponseHeadResult {
  enum class Kind {
    kContinue,  // the body follows, in recv_encoding when the server named one
    kEnded,     // gRPC trailers-only response: `status` is the call's
    kFailed,    // the response is unusable: `status` says why
  };
  Kind kind = Kind::kContinue;
  Status status;
  std::optional<Encoding> recv_encoding;
};
ResponseHeadResult CheckResponseHeaders(const CallConfig& config, int http_status,
                                        const Headers& headers, bool end_stream);

// "the HTTP <status> response (<content-type>)", naming a body that is not
// Connect's in an error.
std::string NonConnectBodyName(int http_status, const Headers& headers);

// A Connect unary response ended: the call's status, with *body (the whole
// response body, inflated in place when gzip) the response message when OK.
// A non-200 status carries Connect error JSON (or not: then the code is
// HTTP's).
Status ConnectUnaryResponseEnd(int http_status, const Headers& headers, Encoding recv_encoding,
                               size_t max_message, std::string* body);

// A streaming (Connect stream or gRPC) response ended without a Connect
// end-of-stream message having decided the outcome: the call's status.
Status StreamResponseEnd(Protocol protocol, int http_status, const Headers& headers,
                         const Headers& trailers, bool end_envelope_seen);

}  // namespace brs::rpc::internal
