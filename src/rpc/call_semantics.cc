#include "rpc/call_semantics.h"

#include <nghttp2/nghttp2.h>

#include "rpc/gzip.h"

namespace brs::rpc::internal {
Headers ServerResponseHeaders(const ResponseHead& head) {
  Headers h;
  const CallConfig& cfg = *head.config;
  const ContentType& ct = cfg.content_type;
  if (head.forced_status != 0) {
    h.emplace_back(":status", std::to_string(head.forced_status));
    h.emplace_back("content-type", std::string(head.forced_content_type));
  } else if (ct.protocol == Protocol::kConnectUnary) {
    if (head.finished != nullptr && !head.finished->ok()) {
      h.emplace_back(":status", std::to_string(HttpStatusForCode(head.finished->code())));
      h.emplace_back("content-type", "application/json");
    } else {
      h.emplace_back(":status", "200");
      h.emplace_back("content-type", ContentTypeString(ct));
    }
  } else {
    const bool grpc = ct.protocol == Protocol::kGrpc;
    h.emplace_back(":status", "200");
    h.emplace_back("content-type", ContentTypeString(ct));
    if (cfg.send_encoding == Encoding::kGzip) {
      h.emplace_back(grpc ? "grpc-encoding" : "connect-content-encoding", "gzip");
    }
    h.emplace_back(grpc ? "grpc-accept-encoding" : "connect-accept-encoding", "gzip");
  }
  if (head.extra != nullptr) h.insert(h.end(), head.extra->begin(), head.extra->end());
  if (head.trailers != nullptr && head.forced_status == 0 &&
      ct.protocol == Protocol::kConnectUnary) {
    for (const auto& [name, value] : *head.trailers) h.emplace_back("trailer-" + name, value);
  }
  return h;
}

Headers GrpcTrailers(const Status& status, const Headers& extra) {
  Headers t;
  t.emplace_back("grpc-status", std::to_string(static_cast<int>(status.code())));
  if (!status.ok() && !status.message().empty()) {
    t.emplace_back("grpc-message", GrpcPercentEncode(status.message()));
  }
  if (!status.ok() && !status.details().empty()) {
    t.emplace_back("grpc-status-details-bin", GrpcStatusDetailsBin(status));
  }
  t.insert(t.end(), extra.begin(), extra.end());
  return t;
}

ServerEnd ServerEndOfCall(Protocol protocol, const Status& status, bool forced, bool started,
                          const Headers& trailers) {
  ServerEnd end;
  switch (protocol) {
    case Protocol::kConnectUnary:
      if (!status.ok() && !forced) {
        end.kind = started ? ServerEnd::Kind::kReset : ServerEnd::Kind::kReplace;
        if (!started) end.bytes = ConnectErrorJson(status);
      }
      break;
    case Protocol::kConnectStream:
      (void)AppendEnvelope(kFlagEndStream, ConnectEndStreamJson(status, trailers), &end.bytes);
      break;
    case Protocol::kGrpc:
      break;  // trailers carry the status
  }
  return end;
}

Status NegotiateEncodings(const Headers& request, CallConfig* config) {
  const Protocol p = config->content_type.protocol;
  if (p == Protocol::kConnectUnary) return Status();
  const bool grpc = p == Protocol::kGrpc;
  const std::string* enc = FindHeader(request, grpc ? "grpc-encoding" : "connect-content-encoding");
  const std::string* acc =
      FindHeader(request, grpc ? "grpc-accept-encoding" : "connect-accept-encoding");
  BRS_ASSIGN_OR_RETURN(Encoding e, ParseEncoding(enc ? *enc : ""));
  config->recv_encoding = e;
  if (e == Encoding::kGzip && acc && AcceptsGzip(*acc)) config->send_encoding = Encoding::kGzip;
  return Status();
}

StatusOr<EnvelopeKind> ClassifyEnvelope(uint8_t flags, Protocol protocol, Role receiver) {
  if (flags & kFlagEndStream) {
    if (protocol == Protocol::kGrpc || receiver == Role::kServer) {
      return InvalidArgument("unexpected end-of-stream flag in a request message");
    }
    return EnvelopeKind::kEndStream;
  }
  if (flags & ~kFlagCompressed) return InvalidArgument("unknown envelope flags");
  return EnvelopeKind::kMessage;
}

Status FramingError(const Status& decoder_error) {
  if (decoder_error.code() == Code::kResourceExhausted) return decoder_error;
  return InvalidArgument(decoder_error.message());
}

Status StatusForStreamClose(uint32_t h2_error_code, Role role) {
  if (h2_error_code == NGHTTP2_CANCEL)
    return Status(Code::kCanceled, "stream canceled by the peer");
  if (h2_error_code != NGHTTP2_NO_ERROR) {
    return Unavailable("stream reset by the peer (HTTP/2 error " + std::to_string(h2_error_code) +
                       ")");
  }
  if (role == Role::kServer)
    return Status(Code::kCanceled, "stream closed before the request ended");
  return Unavailable("stream closed before the response ended");
}

Status ClientCancelStatus(const Status& status) {
  if (status.code() == Code::kCanceled) return status;
  return Status(Code::kCanceled, status.message());
}

namespace {

// The response's content-type is the call's protocol (and, for Connect
// unary, its codec); the body's encoding is one we know.
ResponseHeadResult CheckOkResponse(const CallConfig& config, const Headers& headers) {
  ResponseHeadResult r;
  const Protocol p = config.content_type.protocol;
  const std::string* ctype = FindHeader(headers, "content-type");
  auto parsed = ctype ? ParseContentType(*ctype) : std::nullopt;
  // Not an RPC content type at all: unknown (the peer is not an RPC
  // server); another protocol's or codec's: internal (as connect-go).
  if (!parsed || parsed->protocol != p ||
      (p == Protocol::kConnectUnary && parsed->codec != config.content_type.codec)) {
    r.kind = ResponseHeadResult::Kind::kFailed;
    r.status = Status(parsed ? Code::kInternal : Code::kUnknown,
                      "unexpected response content-type \"" + (ctype ? *ctype : "") + "\"");
    return r;
  }
  const std::string* enc =
      FindHeader(headers, p == Protocol::kGrpc           ? "grpc-encoding"
                          : p == Protocol::kConnectUnary ? "content-encoding"
                                                         : "connect-content-encoding");
  if (enc) {
    auto e = ParseEncoding(*enc);
    if (!e.ok()) {
      r.kind = ResponseHeadResult::Kind::kFailed;
      r.status = Internal("server used unsupported compression");
      return r;
    }
    r.recv_encoding = *e;
  }
  return r;
}

}  // namespace

ResponseHeadResult CheckResponseHeaders(const CallConfig& config, int http_status,
                                        const Headers& headers, bool end_stream) {
  if (config.content_type.protocol == Protocol::kGrpc) {
    const std::string* gs = FindHeader(headers, "grpc-status");
    if (gs != nullptr && end_stream) {  // trailers-only response
      const std::string* gm = FindHeader(headers, "grpc-message");
      const std::string* gd = FindHeader(headers, "grpc-status-details-bin");
      Status st = GrpcStatusFromTrailers(*gs, true, gm ? *gm : "");
      if (gd != nullptr) st = WithGrpcStatusDetails(st, *gd);
      return {ResponseHeadResult::Kind::kEnded, st, std::nullopt};
    }
    if (http_status != 200) {
      return {ResponseHeadResult::Kind::kFailed,
              Status(CodeForHttpStatus(http_status),
                     "HTTP status " + std::to_string(http_status) + " from a gRPC server"),
              std::nullopt};
    }
  }
  if (http_status != 200) return {};
  return CheckOkResponse(config, headers);
}

std::string NonConnectBodyName(int http_status, const Headers& headers) {
  const std::string* ctype = FindHeader(headers, "content-type");
  return "the HTTP " + std::to_string(http_status) + " response" +
         (ctype ? " (" + *ctype + ")" : std::string());
}

Status ConnectUnaryResponseEnd(int http_status, const Headers& headers, Encoding recv_encoding,
                               size_t max_message, std::string* body) {
  // An error body may be compressed under Content-Encoding even where the
  // headers did not name an encoding for a message.
  if (http_status != 200 && recv_encoding == Encoding::kIdentity) {
    const std::string* enc = FindHeader(headers, "content-encoding");
    if (enc && *enc == "gzip") recv_encoding = Encoding::kGzip;
  }
  if (recv_encoding == Encoding::kGzip) {
    auto plain = GzipDecompress(*body, max_message);
    if (!plain.ok()) return Internal("response body: " + plain.status().message());
    *body = std::move(*plain);
  }
  if (http_status == 200) return Status();
  return ParseConnectErrorJson(*body, CodeForHttpStatus(http_status),
                               NonConnectBodyName(http_status, headers));
}

Status StreamResponseEnd(Protocol protocol, int http_status, const Headers& headers,
                         const Headers& trailers, bool end_envelope_seen) {
  if (http_status != 200) {  // the body was not envelopes
    return ParseConnectErrorJson(std::string_view(), CodeForHttpStatus(http_status),
                                 NonConnectBodyName(http_status, headers));
  }
  if (protocol == Protocol::kConnectStream) {
    if (!end_envelope_seen) return Internal("stream ended without an end-of-stream message");
    return Status();
  }
  const std::string* gs = FindHeader(trailers, "grpc-status");
  const std::string* gm = FindHeader(trailers, "grpc-message");
  const std::string* gd = FindHeader(trailers, "grpc-status-details-bin");
  Status st = GrpcStatusFromTrailers(gs ? *gs : "", gs != nullptr, gm ? *gm : "");
  if (gd != nullptr) st = WithGrpcStatusDetails(st, *gd);
  return st;
}

}  // namespace brs::rpc::internal
