// The HTTP/1.1 request parser, fed a connection's bytes in chunks of a size
// the input picks, and each request it yields answered by the real request
// logic (ServeHttp1Request) with in-memory handlers: an echoing unary
// route, a GET route. Properties: the same bytes give the same requests
// and the same refusal however they are split; bodies and header counts
// respect the limits; header names are lowercase.
#include "rpc/http1_parser.h"

#include <cctype>
#include <vector>

#include "fuzz_util.h"
#include "rpc/http1.h"

using namespace brs;
using namespace brs::rpc;
using namespace brs::rpc::internal;

namespace {

constexpr size_t kMaxBody = 4096;

struct Outcome {
  std::vector<Http1Request> requests;
  int error_status = 0;  // 0: none
  bool operator==(const Outcome& o) const {
    if (error_status != o.error_status || requests.size() != o.requests.size()) return false;
    for (size_t i = 0; i < requests.size(); ++i) {
      const auto &a = requests[i], &b = o.requests[i];
      if (a.method != b.method || a.path != b.path || a.version != b.version ||
          a.headers != b.headers || a.body != b.body || a.keep_alive != b.keep_alive)
        return false;
    }
    return true;
  }
};

Outcome Parse(std::string_view bytes, size_t chunk) {
  Outcome out;
  Http1RequestParser p(kMaxBody);
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    p.Feed(bytes.substr(at, chunk));
    for (;;) {
      Http1Request r;
      Http1ErrorReply e;
      auto res = p.Next(&r, &e);
      if (res == Http1RequestParser::Result::kNeedMore) break;
      if (res == Http1RequestParser::Result::kError) {
        FUZZ_CHECK(e.status >= 400 && e.status < 600);
        out.error_status = e.status;
        return out;
      }
      out.requests.push_back(std::move(r));
    }
    FUZZ_CHECK(p.buffered() <= Http1RequestParser::kMaxHeadBytes + 4 + kMaxBody + chunk);
  }
  return out;
}

class NullWriter final : public Http1ResponseWriter {
 public:
  bool Write(std::string bytes) override {
    written += bytes.size();
    return true;
  }
  bool peer_gone() const override { return false; }
  size_t written = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Input in(data, size);
  const size_t chunk = 1 + in.Byte();
  std::string_view bytes = in.Rest();

  Outcome whole = Parse(bytes, bytes.size() + 1);
  Outcome split = Parse(bytes, chunk);
  FUZZ_CHECK(whole == split);

  Http1Handlers h;
  h.get = [](const std::string& path, const Headers&) -> std::optional<HttpResponse> {
    if (path != "/metrics") return std::nullopt;
    return HttpResponse{200, "text/plain", "metrics\n"};
  };
  h.unary = [](const std::string& path, const Headers&, Codec, std::string body,
               ResponseMetadata*) -> std::optional<StatusOr<std::string>> {
    if (path != "/fuzz.v1.Echo/Unary") return std::nullopt;
    if (body.empty()) return StatusOr<std::string>(InvalidArgument("empty"));
    return StatusOr<std::string>(std::move(body));
  };
  h.server_stream = [](const std::string&) -> const Route* { return nullptr; };
  h.is_rpc_path = [](const std::string& path) { return path.rfind("/fuzz.v1.", 0) == 0; };
  h.max_message = kMaxBody;

  for (auto& r : whole.requests) {
    FUZZ_CHECK(r.body.size() <= kMaxBody);
    FUZZ_CHECK(r.headers.size() <= Http1RequestParser::kMaxHeaders);
    for (const auto& [name, value] : r.headers) {
      for (char c : name) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)));
    }
    NullWriter w;
    Http1ResponseEnd end = ServeHttp1Request(std::move(r), h, w);
    FUZZ_CHECK(end.bytes.rfind("HTTP/1.1 ", 0) == 0 || w.written > 0);
  }
  return 0;
}
