#include "peer_checks.h"

#include <google/protobuf/wrappers.pb.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "echo_service.h"
#include "rpc/client.h"

namespace brs::rpc::peer {
namespace {

using google::protobuf::BytesValue;
using google::protobuf::Int64Value;

constexpr int64_t kCallTimeoutMs = 120'000;

std::string Bytes(std::string value) {
  BytesValue v;
  v.set_value(std::move(value));
  return v.SerializeAsString();
}

// `size` deterministic bytes that never start with "error:".
std::string Pattern(uint32_t seed, size_t size) {
  std::string b(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (auto& c : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  if (!b.empty() && b[0] == 'e') b[0] = 'E';
  return b;
}

// Message i of a bidi run: its index in 8 big-endian bytes, then pattern.
std::string BidiPayload(int i, size_t size) {
  std::string b = Pattern(static_cast<uint32_t>(i), size);
  for (size_t k = 0; k < 8 && k < size; ++k) {
    b[k] = static_cast<char>(static_cast<uint64_t>(i) >> (56 - 8 * k));
  }
  return b;
}

Status CheckUnary(Client& c) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{64} << 10, size_t{1} << 20}) {
    std::string want = Pattern(static_cast<uint32_t>(size), size);
    auto r = c.Unary(echo::kEcho, Bytes(want), {}, kCallTimeoutMs);
    if (!r.ok())
      return Status(r.status().code(),
                    "echo " + std::to_string(size) + " bytes: " + r.status().message());
    BytesValue got;
    if (!got.ParseFromString(*r) || got.value() != want) {
      return Internal("echo " + std::to_string(size) + " bytes: a different answer");
    }
  }
  return Status();
}

// The next message of `s`, waiting at most the call timeout.
StatusOr<Stream::ReadResult> ReadOne(Stream& s, std::string* m) {
  return s.Read(m, SteadyNowMs() + kCallTimeoutMs);
}

Status CountExpect(Client& c, int64_t n) {
  const std::string label = "count " + std::to_string(n) + ": ";
  auto s = c.Open(echo::kCount, CallKind::kServerStream, {}, kCallTimeoutMs);
  if (!s.ok()) return Status(s.status().code(), label + s.status().message());
  Int64Value req;
  req.set_value(n);
  if (Status w = (*s)->Write(req.SerializeAsString()); !w.ok()) {
    return Status(w.code(), label + w.message());
  }
  (*s)->Finish(Status());
  std::string m;
  for (int64_t next = 0;; ++next) {
    auto r = ReadOne(**s, &m);
    if (!r.ok()) {
      return Status(r.status().code(),
                    label + "after " + std::to_string(next) + " messages: " + r.status().message());
    }
    if (*r == Stream::ReadResult::kEnd) {
      if (next != n) return Internal(label + "ended OK after " + std::to_string(next));
      return Status();
    }
    if (*r != Stream::ReadResult::kMessage) return Internal(label + "read timed out");
    Int64Value v;
    if (!v.ParseFromString(m) || v.value() != next) {
      return Internal(label + "message " + std::to_string(next) + " is wrong");
    }
    if (next >= n) return Internal(label + "more than n messages");
  }
}

Status CheckStream(Client& c) {
  for (int64_t n : {1000, 0, 1}) BRS_RETURN_IF_ERROR(CountExpect(c, n));
  Status neg = CountExpect(c, -1);
  if (neg.code() != Code::kInvalidArgument) {
    return Internal("count -1: want invalid_argument, got " + neg.ToString());
  }
  return Status();
}

// Sends n messages from a writer thread while reading the echoes; each echo
// goes to `check`. OK when all n came back in order and the server then
// ended the stream with OK.
Status RunBidi(Client& c, int n, const std::function<std::string(int)>& payload,
               const std::function<Status(int, const std::string&)>& check) {
  auto opened = c.Open(echo::kBidi, CallKind::kBidi, {}, kCallTimeoutMs * 2);
  if (!opened.ok()) return opened.status();
  Stream& s = **opened;
  Status write_status;
  std::thread writer([&] {
    std::string wire;
    BytesValue msg;
    for (int i = 0; i < n; ++i) {
      msg.set_value(payload(i));
      msg.SerializeToString(&wire);
      write_status = s.Write(wire);
      if (!write_status.ok()) return;
    }
    s.Finish(Status());
  });
  Status result;
  std::string m;
  BytesValue v;
  for (int i = 0; i < n && result.ok(); ++i) {
    auto r = ReadOne(s, &m);
    if (!r.ok()) {
      result = Status(r.status().code(), "receive " + std::to_string(i) + " of " +
                                             std::to_string(n) + ": " + r.status().message());
    } else if (*r != Stream::ReadResult::kMessage) {
      result = Internal("receive " + std::to_string(i) + ": stream ended early");
    } else if (!v.ParseFromString(m)) {
      result = Internal("receive " + std::to_string(i) + ": not a BytesValue");
    } else {
      result = check(i, v.value());
    }
  }
  if (result.ok()) {
    auto r = ReadOne(s, &m);
    if (!r.ok()) {
      result = Status(r.status().code(), "stream end: " + r.status().message());
    } else if (*r != Stream::ReadResult::kEnd) {
      result = Internal("a message or timeout after the " + std::to_string(n) + " echoes");
    }
  }
  if (!result.ok()) s.Finish(Status(Code::kCanceled, "check failed"));
  writer.join();
  if (result.ok() && !write_status.ok()) return write_status;
  return result;
}

Status CheckBidi(Client& c, int n) {
  auto size = [](int i) { return static_cast<size_t>(8 + (i * 37) % 512); };
  auto payload = [&](int i) { return BidiPayload(i, size(i)); };
  auto check = [&](int i, const std::string& got) -> Status {
    if (got != payload(i)) {
      return Internal("echo " + std::to_string(i) + ": got " + std::to_string(got.size()) +
                      " bytes, not the " + std::to_string(size(i)) + " sent");
    }
    return Status();
  };
  BRS_RETURN_IF_ERROR(RunBidi(c, n, payload, check));
  return RunBidi(c, 0, payload, check);  // an empty stream ends OK too
}

Status WantError(const Status& got, Code code) {
  if (got.ok()) return Internal("call succeeded");
  if (got.code() != code) return Internal("got " + got.ToString());
  if (got.message() != "requested") {
    return Internal("got message \"" + got.message() + "\", want \"requested\"");
  }
  return Status();
}

Status BidiError(Client& c, Code code) {
  auto s = c.Open(echo::kBidi, CallKind::kBidi, {}, kCallTimeoutMs);
  if (!s.ok()) return s.status();
  BRS_RETURN_IF_ERROR((*s)->Write(Bytes("first")));
  std::string m;
  auto r = ReadOne(**s, &m);
  BytesValue v;
  if (!r.ok()) return Status(r.status().code(), "first echo: " + r.status().message());
  if (*r != Stream::ReadResult::kMessage || !v.ParseFromString(m) || v.value() != "first") {
    return Internal("first echo: wrong answer");
  }
  // The server may end the stream before this write lands; the outcome is
  // read either way.
  (void)(*s)->Write(Bytes("error:" + std::string(CodeName(code))));
  (*s)->Finish(Status());
  r = ReadOne(**s, &m);
  return WantError(r.ok() ? Status() : r.status(), code);
}

Status CheckErrors(Client& c) {
  for (int i = static_cast<int>(Code::kCanceled); i <= static_cast<int>(Code::kUnauthenticated);
       ++i) {
    Code code = static_cast<Code>(i);
    const std::string name(CodeName(code));
    auto r = c.Unary(echo::kEcho, Bytes("error:" + name), {}, kCallTimeoutMs);
    if (Status s = WantError(r.status(), code); !s.ok()) {
      return Status(s.code(), "unary " + name + ": " + s.message());
    }
    if (Status s = BidiError(c, code); !s.ok()) {
      return Status(s.code(), "bidi " + name + ": " + s.message());
    }
  }
  return Status();
}

StatusOr<std::unique_ptr<Client>> MakeClient(const CallConfig& config) {
  ClientOptions o;
  o.base_url = config.url;
  o.grpc = config.protocol == "grpc";
  o.send_gzip = config.gzip;
  o.ca_file = config.ca_file;
  o.user_agent = "rpc_test_peer";
  return Client::Create(o);
}

}  // namespace

int RunChecks(const CallConfig& config, const std::string& test, int n,
              const std::function<void(const std::string&)>& out) {
  auto client = MakeClient(config);
  if (!client.ok()) {
    out("call: " + client.status().ToString());
    return 2;
  }
  std::vector<std::string> tests = {test};
  if (test == "all") tests = {"unary", "stream", "bidi", "errors"};
  int failed = 0;
  for (const auto& t : tests) {
    auto start = std::chrono::steady_clock::now();
    Status s;
    if (t == "unary")
      s = CheckUnary(**client);
    else if (t == "stream")
      s = CheckStream(**client);
    else if (t == "bidi")
      s = CheckBidi(**client, n);
    else if (t == "errors")
      s = CheckErrors(**client);
    else
      s = InvalidArgument("unknown test " + t);
    std::string label =
        t + " protocol=" + config.protocol + " gzip=" + (config.gzip ? "true" : "false");
    if (!s.ok()) {
      ++failed;
      out("FAIL " + label + ": " + s.ToString());
    } else {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - start)
                    .count();
      out("ok   " + label + " (" + std::to_string(ms) + " ms)");
    }
  }
  return failed == 0 ? 0 : 1;
}

StatusOr<double> BenchBidi(const CallConfig& config, int n, int size) {
  auto client = MakeClient(config);
  if (!client.ok()) return client.status();
  const std::string payload = Pattern(static_cast<uint32_t>(size), static_cast<size_t>(size));
  auto same = [&](int) { return payload; };
  auto check = [&](int i, const std::string& got) -> Status {
    if (got.size() != payload.size()) {
      return Internal("echo " + std::to_string(i) + ": " + std::to_string(got.size()) + " bytes");
    }
    return Status();
  };
  if (Status s = RunBidi(**client, 100, same, check); !s.ok()) {
    return Status(s.code(), "warm-up: " + s.message());
  }
  auto start = std::chrono::steady_clock::now();
  BRS_RETURN_IF_ERROR(RunBidi(**client, n, same, check));
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  return n / took.count();
}

}  // namespace brs::rpc::peer
