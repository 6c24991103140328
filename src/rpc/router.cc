#include "rpc/router.h"

#include "rpc/timeout.h"

namespace brs::rpc::internal {
namespace {

using Action = RouteDecision::Action;

// 405 and 415 carry no Connect error (as connect-go answers): a client
// takes its code from the HTTP status (unknown for both).
constexpr char kText[] = "text/plain; charset=utf-8";

RouteDecision Respond(int status, std::string content_type, std::string body) {
  RouteDecision d;
  d.action = Action::kRespond;
  d.response.status = status;
  d.response.content_type = std::move(content_type);
  d.response.body = std::move(body);
  return d;
}

RouteDecision RespondError(int http_status, const Status& error) {
  return Respond(http_status, "application/json", ConnectErrorJson(error));
}

RouteDecision Fail(const CallConfig& config, Status status) {
  RouteDecision d;
  d.action = Action::kFail;
  d.config = config;
  d.status = std::move(status);
  return d;
}

// GET and HEAD: an endpoint, or 405 on an RPC path, or 404.
RouteDecision RouteGet(const std::string& path, bool head, const Headers& request,
                       const RouteTable& table) {
  auto g = table.gets.find(path);
  RouteDecision d;
  if (g != table.gets.end()) {
    d.action = Action::kServeGet;
    d.get = &g->second;
    d.info.path = path;
    d.info.headers = request;
  } else if (table.routes.count(path)) {
    d = Respond(405, kText, "use POST for RPC calls\n");
  } else {
    d = Respond(404, "text/plain; charset=utf-8", "not found\n");
  }
  d.head = head;
  return d;
}

// The route takes this content type: gRPC always, Connect unary for unary
// routes, Connect streams for the others; JSON only with message types.
bool RouteAccepts(const Route& route, const std::optional<ContentType>& ct) {
  if (!ct) return false;
  const bool stream_route = route.kind != RouteKind::kUnary;
  const bool compatible =
      ct->protocol == Protocol::kGrpc || (stream_route ? ct->protocol == Protocol::kConnectStream
                                                       : ct->protocol == Protocol::kConnectUnary);
  return compatible && (ct->codec != Codec::kJson || route.types.request != nullptr);
}

// An RPC whose route takes its content type.
RouteDecision RouteCall(const std::string& path, const Route& route, const Headers& request,
                        const ContentType& ct, size_t max_message, int64_t now_ms) {
  CallConfig cfg;
  cfg.content_type = ct;
  cfg.max_message = max_message;
  if (Status st = NegotiateEncodings(request, &cfg); !st.ok()) return Fail(cfg, st);
  // Connect unary bodies are bare: refuse an announced oversized body now,
  // before any of it is buffered (envelopes are refused on their prefix).
  if (ct.protocol == Protocol::kConnectUnary && ContentLengthAbove(request, max_message)) {
    return Fail(cfg, ResourceExhausted("request body larger than the limit of " +
                                       std::to_string(max_message) + " bytes"));
  }
  RouteDecision d;
  d.action = Action::kCall;
  d.route = &route;
  d.config = cfg;
  d.info.path = path;
  d.info.headers = request;
  d.info.protocol = ct.protocol;
  d.info.deadline_ms = RequestDeadlineMs(request, now_ms);
  const std::string* enc = FindHeader(request, "content-encoding");
  if (enc) d.content_encoding = *enc;
  return d;
}

}  // namespace

int64_t RequestDeadlineMs(const Headers& request, int64_t now_ms) {
  if (const std::string* t = FindHeader(request, "connect-timeout-ms")) {
    if (auto ms = ParseConnectTimeout(*t); ms.ok()) return now_ms + ms->count();
  } else if (const std::string* g = FindHeader(request, "grpc-timeout")) {
    if (auto ms = ParseGrpcTimeout(*g); ms.ok()) return now_ms + ms->count();
  }
  return kNoDeadline;
}

bool ContentLengthAbove(const Headers& h, size_t max) {
  const std::string* cl = FindHeader(h, "content-length");
  if (cl == nullptr || cl->empty()) return false;
  size_t n = 0;
  for (char c : *cl) {
    if (c < '0' || c > '9') return false;  // nghttp2 rejects malformed values
    if (n > max) return true;
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n > max;
}

RouteDecision RouteRequest(const Headers& request, const RouteTable& table, size_t max_message,
                           int64_t now_ms) {
  const std::string* method = FindHeader(request, ":method");
  const std::string* path_p = FindHeader(request, ":path");
  const std::string path = path_p ? path_p->substr(0, path_p->find('?')) : "";
  const std::string* ctype_s = FindHeader(request, "content-type");
  const auto ctype = ctype_s ? ParseContentType(*ctype_s) : std::nullopt;

  if (method && (*method == "GET" || *method == "HEAD")) {
    return RouteGet(path, *method == "HEAD", request, table);
  }
  auto it = table.routes.find(path);
  if (it == table.routes.end()) {
    const Status unknown(Code::kUnimplemented, "unknown procedure " + path);
    if (ctype && ctype->protocol == Protocol::kGrpc) {
      CallConfig cfg;
      cfg.content_type = *ctype;
      return Fail(cfg, unknown);
    }
    return RespondError(404, unknown);
  }
  if (!method || *method != "POST") {
    return Respond(405, kText, "use POST for RPC calls\n");
  }
  if (!RouteAccepts(it->second, ctype)) {
    return Respond(415, kText, "unsupported content-type " + (ctype_s ? *ctype_s : "") + "\n");
  }
  return RouteCall(path, it->second, request, *ctype, max_message, now_ms);
}

}  // namespace brs::rpc::internal
