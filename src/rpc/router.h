// Which handler answers an HTTP/2 request, decided from its headers alone:
// a GET endpoint, an RPC (with the call's protocol, encodings and
// deadline), or a refusal (an HTTP answer, or an RPC error in the
// request's protocol). Pure: no streams, no threads; the server carries
// the decision out. Internal to the rpc layer.
#pragma once

#include <map>
#include <string>

#include "rpc/call_semantics.h"
#include "rpc/server.h"

namespace brs::rpc::internal {

enum class RouteKind { kUnary, kServerStream, kBidi };

struct Route {
  RouteKind kind;
  UnaryMetadataHandler unary;
  StreamHandler stream;
  MessageTypes types;
  AsyncStreamHandler async;  // bidi: serves the binary codec without a thread
};

// Registered handlers, by path ("/pkg.Service/Method", "/metrics").
struct RouteTable {
  std::map<std::string, Route> routes;
  std::map<std::string, GetHandler> gets;
};

struct RouteDecision {
  enum class Action {
    kServeGet,  // run *get, answer with its response
    kRespond,   // answer with `response` (not found, wrong method or content type)
    kFail,      // end the call now with `status`, in the protocol of `config`
    kCall,      // run *route with `config` and `info`
  };
  Action action = Action::kRespond;
  bool head = false;  // kServeGet, kRespond: a HEAD request, answered without content
  HttpResponse response{0, std::string(), std::string(), {}};  // kRespond (no allocation otherwise)
  const GetHandler* get = nullptr;
  const Route* route = nullptr;
  CallConfig config;
  Status status;
  // kServeGet: path and headers; kCall: everything but the peer.
  CallInfo info;
  std::string content_encoding;  // kCall, Connect unary: the body's Content-Encoding
};

// `now_ms` (steady clock) anchors the call's deadline (Connect-Timeout-Ms,
// grpc-timeout). Refusals: a GET/HEAD without an endpoint is 405 on an RPC
// path, else 404; an unknown procedure is unimplemented (gRPC) or 404; an
// RPC that is not POST is 405; a content type the route cannot take is
// 415; an unknown encoding fails the call (unimplemented); a Connect unary
// Content-Length above max_message fails it (resource_exhausted).
RouteDecision RouteRequest(const Headers& request, const RouteTable& table, size_t max_message,
                           int64_t now_ms);

// The call's deadline on the steady clock: `now_ms` plus the request's
// Connect-Timeout-Ms (or grpc-timeout); kNoDeadline without a valid one.
int64_t RequestDeadlineMs(const Headers& request, int64_t now_ms);

// A Content-Length above `max`: the request cannot be accepted, whatever
// its body turns out to be.
bool ContentLengthAbove(const Headers& h, size_t max);

}  // namespace brs::rpc::internal
