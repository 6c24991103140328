// Serving the dashboard's built-in files over GET: content type from the
// name, a strong ETag (If-None-Match answers 304), gzip when the request
// accepts it (compressed once, at construction), Cache-Control (no-cache:
// the browser revalidates with the ETag, so a new binary's files are seen
// at once), and the security headers every page gets (a Content-Security-
// Policy allowing only this origin's scripts, styles and fetches; no
// framing; nosniff; no referrer). "/" is index.html. Pure: no I/O.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "app/web_assets.h"
#include "rpc/server.h"

namespace brs::app {

// "text/html; charset=utf-8" for .html, and so on; application/octet-stream
// for an unknown extension.
std::string_view WebContentType(std::string_view path);

// The security headers of every dashboard response.
rpc::Headers WebSecurityHeaders();

class WebStatic {
 public:
  WebStatic(const WebAsset* assets, size_t count);

  // The paths served ("/" included), for registration.
  std::vector<std::string> paths() const;
  // The answer to a GET of `path` with the request's `headers`: 404 for a
  // path not among the files.
  rpc::HttpResponse Serve(std::string_view path, const rpc::Headers& headers) const;
  // The sum of the files' gzipped sizes (what a first visit downloads).
  size_t gzipped_bytes() const;

 private:
  struct File {
    std::string_view type;
    std::string_view plain;
    std::string gzip;  // empty when gzip would not be smaller
    std::string etag;  // quoted
  };
  std::map<std::string, File, std::less<>> files_;
};

// Whether an Accept-Encoding value accepts gzip (a "gzip" token whose q is
// not 0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace brs::app
