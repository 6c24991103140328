// Protocol detection and error mapping for Connect and gRPC. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "rpc/stream.h"

namespace brs::rpc {

enum class Protocol { kConnectUnary, kConnectStream, kGrpc };
enum class Codec { kProto, kJson };

struct ContentType {
  Protocol protocol;
  Codec codec;
};

// Classifies a request Content-Type (case-insensitive, parameters after ';'
// ignored): application/proto|json → Connect unary; application/connect+proto
// |+json → Connect stream; application/grpc, application/grpc+proto|+json → gRPC.
// nullopt for anything else (the server answers 415 / gRPC internal).
std::optional<ContentType> ParseContentType(std::string_view value);
std::string ContentTypeString(const ContentType& ct);

// Connect: HTTP status for an error code, and the code for an HTTP status
// received without a Connect error body.
int HttpStatusForCode(Code code);
Code CodeForHttpStatus(int http_status);

// Connect error JSON {"code":"…","message":"…","details":[…]} (message
// omitted when empty, details when there are none; a detail's value is
// unpadded standard base64). Parsing keeps well-formed details.
std::string ConnectErrorJson(const Status& s);
// The end-of-stream JSON: {} on success, {"error":{…}} otherwise, with
// the response's trailers (when any) as "metadata":{"name":["value",…]},
// the values of a name in their order.
std::string ConnectEndStreamJson(const Status& s, const Headers& trailers = {});
// Parses an end-of-stream JSON payload's "metadata" into *trailers
// (appended, names lowercased); a malformed entry is skipped.
void ParseConnectEndStreamMetadata(std::string_view body, Headers* trailers);
// Parses an error object; a body that is not Connect error JSON yields
// `fallback` with a message saying so, naming the body as `what`.
Status ParseConnectErrorJson(std::string_view body, Code fallback,
                             std::string_view what = "response body");
// Parses an end-of-stream JSON payload into the stream's final status; bad
// JSON is internal.
Status ParseConnectEndStreamJson(std::string_view body);

// gRPC grpc-message percent-encoding (RFC: encode bytes outside 0x20..0x7e
// and '%').
std::string GrpcPercentEncode(std::string_view s);
std::string GrpcPercentDecode(std::string_view s);

// gRPC grpc-status-details-bin: a google.rpc.Status with the code, message
// and details, in unpadded base64.
std::string GrpcStatusDetailsBin(const Status& s);
// `s` (an error from grpc-status / grpc-message) with the details of a
// grpc-status-details-bin value; `s` unchanged when that is malformed.
Status WithGrpcStatusDetails(const Status& s, std::string_view bin);

}  // namespace brs::rpc
