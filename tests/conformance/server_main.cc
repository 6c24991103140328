// The server under test of the Connect conformance suite (its runner's
// `--mode server`): reads a ServerCompatRequest on stdin, serves
// connectrpc.conformance.v1.ConformanceService with brs::rpc::Server, writes
// a ServerCompatResponse with its address on stdout, and serves until the
// runner sends SIGTERM.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "compat_io.h"
#include "connectrpc/conformance/v1/server_compat.pb.h"
#include "connectrpc/conformance/v1/service.pb.h"
#include "rpc/server.h"

namespace cv1 = connectrpc::conformance::v1;
using brs::Code;
using brs::Status;
using brs::StatusOr;
using brs::rpc::CallInfo;
using brs::rpc::Stream;

namespace {

constexpr const char* kService = "/connectrpc.conformance.v1.ConformanceService/";

// The request's headers as the suite wants them: grouped by name, without
// HTTP/2 pseudo-headers.
cv1::ConformancePayload::RequestInfo RequestInfo(const CallInfo& call,
                                                 const std::vector<std::string>& requests,
                                                 const std::string& type_url) {
  cv1::ConformancePayload::RequestInfo info;
  std::map<std::string, cv1::Header*> by_name;
  for (const auto& [name, value] : call.headers) {
    if (!name.empty() && name[0] == ':') continue;
    cv1::Header*& h = by_name[name];
    if (h == nullptr) {
      h = info.add_request_headers();
      h->set_name(name);
    }
    h->add_value(value);
  }
  if (call.deadline_ms != brs::rpc::kNoDeadline) {
    info.set_timeout_ms(std::max<int64_t>(0, call.deadline_ms - brs::rpc::SteadyNowMs()));
  }
  for (const std::string& r : requests) {
    auto* any = info.add_requests();
    any->set_type_url(type_url);
    any->set_value(r);
  }
  return info;
}

// The error a response definition asks for. With `info` (an error before
// any response message), the service spec wants the request's RequestInfo
// appended to its details.
Status ErrorStatus(const cv1::Error& e,
                   const cv1::ConformancePayload::RequestInfo* info = nullptr) {
  std::vector<brs::StatusDetail> details;
  for (const auto& any : e.details()) details.push_back({any.type_url(), any.value()});
  if (info != nullptr) {
    details.push_back(
        {"type.googleapis.com/" + cv1::ConformancePayload::RequestInfo::descriptor()->full_name(),
         info->SerializeAsString()});
  }
  return Status(static_cast<Code>(e.code()), e.message()).WithDetails(std::move(details));
}

// The suite asks for these waits (request_delay_ms / response_delay_ms in
// its messages) to exercise timeouts and streaming order; the runner
// judges the outcome. Not a test waiting to prove that nothing happened.
void Delay(uint32_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

using HeaderList = google::protobuf::RepeatedPtrField<cv1::Header>;

void AddHeaders(Stream& s, const HeaderList& headers) {
  for (const auto& h : headers) {
    for (const auto& v : h.value()) s.AddResponseHeader(h.name(), v);
  }
}

void AddTrailers(Stream& s, const HeaderList& trailers) {
  for (const auto& h : trailers) {
    for (const auto& v : h.value()) s.AddResponseTrailer(h.name(), v);
  }
}

void AppendTo(brs::rpc::Headers* out, const HeaderList& headers) {
  for (const auto& h : headers) {
    for (const auto& v : h.value()) out->emplace_back(h.name(), v);
  }
}

// Unary and client-stream answers: the payload for `def`, or its error.
template <typename Response>
StatusOr<std::string> UnaryAnswer(const CallInfo& call, const cv1::UnaryResponseDefinition& def,
                                  const std::vector<std::string>& requests,
                                  const std::string& type_url) {
  Delay(def.response_delay_ms());
  if (def.has_error()) {
    const auto info = RequestInfo(call, requests, type_url);
    return ErrorStatus(def.error(), &info);
  }
  Response resp;
  *resp.mutable_payload()->mutable_request_info() = RequestInfo(call, requests, type_url);
  resp.mutable_payload()->set_data(def.response_data());
  return resp.SerializeAsString();
}

template <typename Request, typename Response>
StatusOr<std::string> ServeUnary(const CallInfo& call, std::string_view body,
                                 brs::rpc::ResponseMetadata* meta) {
  Request req;
  if (!req.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status(Code::kInvalidArgument, "bad request message");
  }
  AppendTo(&meta->headers, req.response_definition().response_headers());
  AppendTo(&meta->trailers, req.response_definition().response_trailers());
  return UnaryAnswer<Response>(call, req.response_definition(), {std::string(body)},
                               "type.googleapis.com/" + Request::descriptor()->full_name());
}

Status ServeClientStream(const CallInfo& call, Stream& s) {
  const std::string type_url = "type.googleapis.com/connectrpc.conformance.v1.ClientStreamRequest";
  std::vector<std::string> requests;
  cv1::UnaryResponseDefinition def;
  for (;;) {
    std::string msg;
    auto r = s.Read(&msg);
    if (!r.ok()) return r.status();
    if (*r != Stream::ReadResult::kMessage) break;
    if (requests.empty()) {
      cv1::ClientStreamRequest req;
      if (!req.ParseFromString(msg)) return Status(Code::kInvalidArgument, "bad request message");
      def = req.response_definition();
    }
    requests.push_back(std::move(msg));
  }
  AddHeaders(s, def.response_headers());
  AddTrailers(s, def.response_trailers());
  auto answer = UnaryAnswer<cv1::ClientStreamResponse>(call, def, requests, type_url);
  if (!answer.ok()) return answer.status();
  return s.Write(*answer);
}

Status ServeServerStream(const CallInfo& call, Stream& s) {
  const std::string type_url = "type.googleapis.com/connectrpc.conformance.v1.ServerStreamRequest";
  std::string msg;
  auto r = s.Read(&msg);
  if (!r.ok()) return r.status();
  if (*r != Stream::ReadResult::kMessage) return Status(Code::kInvalidArgument, "no request");
  cv1::ServerStreamRequest req;
  if (!req.ParseFromString(msg)) return Status(Code::kInvalidArgument, "bad request message");
  const auto& def = req.response_definition();
  AddHeaders(s, def.response_headers());
  AddTrailers(s, def.response_trailers());
  int n = 0;
  for (const std::string& data : def.response_data()) {
    cv1::ServerStreamResponse resp;
    resp.mutable_payload()->set_data(data);
    if (n == 0)
      *resp.mutable_payload()->mutable_request_info() = RequestInfo(call, {msg}, type_url);
    Delay(def.response_delay_ms());
    if (Status st = s.Write(resp.SerializeAsString()); !st.ok()) return st;
    ++n;
  }
  if (def.has_error()) {
    const auto info = RequestInfo(call, {msg}, type_url);
    return ErrorStatus(def.error(), n == 0 ? &info : nullptr);
  }
  return Status();
}

Status ServeBidi(const CallInfo& call, Stream& s) {
  const std::string type_url = "type.googleapis.com/connectrpc.conformance.v1.BidiStreamRequest";
  cv1::StreamResponseDefinition def;
  bool full_duplex = false;
  bool first = true;
  int n = 0;
  std::vector<std::string> requests;
  auto send = [&](int i) {
    cv1::BidiStreamResponse resp;
    resp.mutable_payload()->set_data(def.response_data(i));
    if (i == 0) {
      *resp.mutable_payload()->mutable_request_info() = RequestInfo(call, requests, type_url);
    } else if (full_duplex) {
      auto* info = resp.mutable_payload()->mutable_request_info();
      for (const std::string& r : requests) {
        auto* any = info->add_requests();
        any->set_type_url(type_url);
        any->set_value(r);
      }
    }
    Delay(def.response_delay_ms());
    return s.Write(resp.SerializeAsString());
  };
  for (;;) {
    std::string msg;
    auto r = s.Read(&msg);
    if (!r.ok()) return r.status();
    if (*r != Stream::ReadResult::kMessage) break;
    if (first) {
      cv1::BidiStreamRequest req;
      if (!req.ParseFromString(msg)) return Status(Code::kInvalidArgument, "bad request message");
      def = req.response_definition();
      full_duplex = req.full_duplex();
      first = false;
      AddHeaders(s, def.response_headers());
      AddTrailers(s, def.response_trailers());
    }
    requests.push_back(std::move(msg));
    if (full_duplex) {
      if (n >= def.response_data_size()) break;
      if (Status st = send(n); !st.ok()) return st;
      ++n;
      requests.clear();
    }
  }
  for (; n < def.response_data_size(); ++n) {
    if (Status st = send(n); !st.ok()) return st;
  }
  if (def.has_error()) {
    const auto info = RequestInfo(call, requests, type_url);
    return ErrorStatus(def.error(), n == 0 ? &info : nullptr);
  }
  return Status();
}

std::string WriteTemp(const std::string& dir, const std::string& name, const std::string& data) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

}  // namespace

int main() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  cv1::ServerCompatRequest req;
  if (!brs::conformance::ReadPrefixed(stdin, &req)) {
    std::fprintf(stderr, "conformance server: no ServerCompatRequest on stdin\n");
    return 2;
  }
  brs::rpc::ServerOptions opts;
  opts.listen = "127.0.0.1:0";
  if (req.message_receive_limit() > 0) opts.max_message_size = req.message_receive_limit();
  std::string tmp;
  if (req.use_tls()) {
    char dir[] = "/tmp/brs-conformance-XXXXXX";
    if (mkdtemp(dir) == nullptr) return 2;
    tmp = dir;
    opts.tls_cert_file = WriteTemp(tmp, "cert.pem", req.server_creds().cert());
    opts.tls_key_file = WriteTemp(tmp, "key.pem", req.server_creds().key());
  }
  brs::rpc::Server server(opts);
  const std::string svc = kService;
  server.HandleUnary(
      svc + "Unary", ServeUnary<cv1::UnaryRequest, cv1::UnaryResponse>,
      {&cv1::UnaryRequest::default_instance(), &cv1::UnaryResponse::default_instance()});
  server.HandleUnary(svc + "IdempotentUnary",
                     ServeUnary<cv1::IdempotentUnaryRequest, cv1::IdempotentUnaryResponse>,
                     {&cv1::IdempotentUnaryRequest::default_instance(),
                      &cv1::IdempotentUnaryResponse::default_instance()});
  server.HandleServerStream(svc + "ServerStream", ServeServerStream,
                            {&cv1::ServerStreamRequest::default_instance(),
                             &cv1::ServerStreamResponse::default_instance()});
  // A client stream is a bidi stream on the wire whose handler answers once.
  server.HandleBidi(svc + "ClientStream", ServeClientStream,
                    {&cv1::ClientStreamRequest::default_instance(),
                     &cv1::ClientStreamResponse::default_instance()});
  server.HandleBidi(
      svc + "BidiStream", ServeBidi,
      {&cv1::BidiStreamRequest::default_instance(), &cv1::BidiStreamResponse::default_instance()});
  if (Status st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "conformance server: %s\n", st.ToString().c_str());
    return 1;
  }
  if (!tmp.empty()) {
    std::remove(opts.tls_key_file.c_str());
    std::remove(opts.tls_cert_file.c_str());
    rmdir(tmp.c_str());
  }
  cv1::ServerCompatResponse resp;
  resp.set_host("127.0.0.1");
  resp.set_port(static_cast<uint32_t>(server.port()));
  if (req.use_tls()) resp.set_pem_cert(req.server_creds().cert());
  if (!brs::conformance::WritePrefixed(stdout, resp)) return 1;
  // Serve until the runner sends SIGTERM (blocked in every thread, taken here).
  int sig = 0;
  sigwait(&stop_signals, &sig);
  server.Stop(1'000);
  return 0;
}
