#include "app/web_static.h"

#include <openssl/evp.h>

#include "base/encoding.h"
#include "rpc/gzip.h"

namespace brs::app {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return HexEncode(md, n);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether an If-None-Match value names `etag` (or is "*").
bool MatchesEtag(std::string_view if_none_match, std::string_view etag) {
  size_t start = 0;
  while (start <= if_none_match.size()) {
    size_t comma = if_none_match.find(',', start);
    if (comma == std::string_view::npos) comma = if_none_match.size();
    std::string_view tag = TrimSpaces(if_none_match.substr(start, comma - start));
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::string_view WebContentType(std::string_view path) {
  if (EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (EndsWith(path, ".svg")) return "image/svg+xml";
  if (EndsWith(path, ".json")) return "application/json";
  if (EndsWith(path, ".png")) return "image/png";
  if (EndsWith(path, ".ico")) return "image/x-icon";
  return "application/octet-stream";
}

rpc::Headers WebSecurityHeaders() {
  return {{"content-security-policy",
           "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
           "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
          {"x-content-type-options", "nosniff"},
          {"x-frame-options", "DENY"},
          {"referrer-policy", "no-referrer"}};
}

bool AcceptsGzip(std::string_view accept_encoding) {
  const std::string v = Lower(accept_encoding);
  std::string_view rest = v;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = TrimSpaces(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t semi = item.find(';');
    std::string_view coding = TrimSpaces(item.substr(0, semi));
    if (coding != "gzip" && coding != "*") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view params = TrimSpaces(item.substr(semi + 1));
    if (params.substr(0, 2) == "q=") {
      std::string_view q = params.substr(2);
      // q=0, q=0.0, q=0.000: refused.
      bool zero = !q.empty() && q[0] == '0';
      for (size_t i = 1; zero && i < q.size(); ++i) zero = q[i] == '.' || q[i] == '0';
      return !zero;
    }
    return true;
  }
  return false;
}

WebStatic::WebStatic(const WebAsset* assets, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    File f;
    f.type = WebContentType(assets[i].path);
    f.plain = assets[i].data;
    f.etag = "\"" + Sha256Hex(f.plain).substr(0, 32) + "\"";
    auto z = rpc::GzipCompress(f.plain);
    if (z.ok() && z->size() < f.plain.size()) f.gzip = std::move(*z);
    files_.emplace(std::string(assets[i].path), std::move(f));
  }
  if (auto index = files_.find("/index.html"); index != files_.end()) {
    File copy = index->second;
    files_.emplace("/", std::move(copy));
  }
}

std::vector<std::string> WebStatic::paths() const {
  std::vector<std::string> out;
  for (const auto& [path, f] : files_) out.push_back(path);
  return out;
}

size_t WebStatic::gzipped_bytes() const {
  size_t n = 0;
  for (const auto& [path, f] : files_) {
    if (path != "/") n += f.gzip.empty() ? f.plain.size() : f.gzip.size();
  }
  return n;
}

rpc::HttpResponse WebStatic::Serve(std::string_view path, const rpc::Headers& headers) const {
  rpc::HttpResponse r{404, "text/plain; charset=utf-8", "not found\n", WebSecurityHeaders()};
  auto it = files_.find(path);
  if (it == files_.end()) return r;
  const File& f = it->second;
  r.headers.emplace_back("etag", f.etag);
  r.headers.emplace_back("cache-control", "no-cache");
  r.headers.emplace_back("vary", "accept-encoding");
  r.content_type = std::string(f.type);
  const std::string* inm = rpc::FindHeader(headers, "if-none-match");
  if (inm != nullptr && MatchesEtag(*inm, f.etag)) {
    r.status = 304;
    r.body.clear();
    return r;
  }
  r.status = 200;
  const std::string* ae = rpc::FindHeader(headers, "accept-encoding");
  if (!f.gzip.empty() && ae != nullptr && AcceptsGzip(*ae)) {
    r.headers.emplace_back("content-encoding", "gzip");
    r.body = f.gzip;
  } else {
    r.body = std::string(f.plain);
  }
  return r;
}

}  // namespace brs::app
