// Turns envelopes into messages and back, applying the negotiated
// compression, plus gRPC status trailers. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"
#include "rpc/envelope.h"

namespace brs::rpc {

enum class Encoding { kIdentity, kGzip };

// Parses a Connect-Content-Encoding / grpc-encoding value: "" or "identity"
// → identity, "gzip" → gzip; anything else is unimplemented (the peer
// used an encoding we did not offer).
StatusOr<Encoding> ParseEncoding(std::string_view value);
// True when a comma-separated accept list (Connect-Accept-Encoding,
// grpc-accept-encoding) names gzip.
bool AcceptsGzip(std::string_view accept_list);

// The message carried by a data envelope. A compressed flag when the stream's
// encoding is identity is internal (Connect and gRPC both specify that);
// invalid gzip is invalid_argument; decompressed size above max_message_size
// is resource_exhausted.
StatusOr<std::string> DecodeMessage(const Envelope& e, Encoding encoding, size_t max_message_size);

// Appends one data envelope carrying `message`, compressed when `encoding`
// is gzip.
Status EncodeMessage(std::string_view message, Encoding encoding, std::string* out);

// gRPC final status from trailer values: grpc-status digits 0..16 (others:
// unknown), grpc-message percent-decoded. A missing grpc-status is internal.
Status GrpcStatusFromTrailers(std::string_view grpc_status, bool present,
                              std::string_view grpc_message);

}  // namespace brs::rpc
