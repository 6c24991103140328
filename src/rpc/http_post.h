// One HTTP/1.1 POST to a URL, blocking the caller until the answer's status
// line or the deadline: for webhooks (app/notifier.h), not for RPC.
//
// http:// or https:// (TLS 1.2+, the system's CAs or a given CA file, SNI,
// host name or IP address verification). One connection per request,
// "Connection: close"; only the response's status is read (its head at
// most 16 KiB), the body is not. Every step (resolve, connect, handshake,
// write, read) shares one deadline, on the real monotonic clock (a socket
// wait). Runs its own io_context on the calling thread: no shared state,
// thread safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace brs::rpc {

struct PostUrl {
  bool tls = false;
  std::string host;  // without brackets for an IPv6 address
  std::string port;
  std::string target;  // path and query, "/" when empty
};

// http(s)://host[:port][/path][?query]; no user info, no fragment, no
// whitespace or control characters (they would end up in the request head).
StatusOr<PostUrl> ParsePostUrl(const std::string& url);

struct HttpPostRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host, Content-*
  std::string content_type = "application/json";
  std::string body;
  int64_t timeout_ms = 10'000;
  std::string ca_file;  // https: trust this PEM bundle instead of the system CAs
  // When set and it becomes true, the POST is abandoned within ~50 ms
  // (kCanceled): a daemon that stops does not wait out the timeout.
  const std::atomic<bool>* cancel = nullptr;
};

// The response's status code, or Unavailable saying why there is none
// (cannot resolve or connect, TLS refused, timed out, not HTTP);
// InvalidArgument for a bad URL or CA file; kCanceled when `cancel` was set
// first (the request may or may not have reached the receiver).
StatusOr<int> HttpPost(const HttpPostRequest& request);

}  // namespace brs::rpc
