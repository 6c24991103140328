// The client under test of the Connect conformance suite (its runner's
// `--mode client`): reads ClientCompatRequests on stdin, makes each call
// with brs::rpc::Client, and writes a ClientCompatResponse per request on
// stdout (calls run concurrently; answers in completion order).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "compat_io.h"
#include "connectrpc/conformance/v1/client_compat.pb.h"
#include "connectrpc/conformance/v1/service.pb.h"
#include "rpc/client.h"

namespace cv1 = connectrpc::conformance::v1;
using brs::Code;
using brs::Status;
using brs::rpc::CallKind;
using brs::rpc::Headers;
using brs::rpc::Stream;

namespace {

std::mutex out_mu;
std::string tmp_dir;

void Emit(const cv1::ClientCompatResponse& resp) {
  std::lock_guard<std::mutex> lock(out_mu);
  brs::conformance::WritePrefixed(stdout, resp);
}

void SetHeaders(const Headers& in, google::protobuf::RepeatedPtrField<cv1::Header>* out) {
  std::map<std::string, cv1::Header*> by_name;
  for (const auto& [name, value] : in) {
    if (!name.empty() && name[0] == ':') continue;
    cv1::Header*& h = by_name[name];
    if (h == nullptr) {
      h = out->Add();
      h->set_name(name);
    }
    h->add_value(value);
  }
}

void SetError(const Status& st, cv1::ClientResponseResult* result) {
  result->mutable_error()->set_code(static_cast<cv1::Code>(st.code()));
  if (!st.message().empty()) result->mutable_error()->set_message(st.message());
  for (const brs::StatusDetail& d : st.details()) {
    auto* any = result->mutable_error()->add_details();
    any->set_type_url("type.googleapis.com/" + d.type);
    any->set_value(d.value);
  }
}

// A response message's payload (every response type has it as field 1).
bool AddPayload(const std::string& msg, cv1::ClientResponseResult* result) {
  cv1::UnaryResponse r;  // same shape as the other responses
  if (!r.ParseFromString(msg)) return false;
  *result->add_payloads() = r.payload();
  return true;
}

// The suite asks for these waits (request_delay_ms / response_delay_ms in
// its messages) to exercise timeouts and streaming order; the runner
// judges the outcome. Not a test waiting to prove that nothing happened.
void Sleep(uint32_t ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

cv1::ClientCompatResponse Run(const cv1::ClientCompatRequest& req) {
  cv1::ClientCompatResponse resp;
  resp.set_test_name(req.test_name());
  auto fail = [&](const std::string& why) {
    resp.mutable_error()->set_message(why);
    return resp;
  };
  if (req.has_raw_request()) return fail("raw requests are not supported");
  if (req.codec() == cv1::CODEC_JSON) return fail("the client speaks the proto codec only");
  brs::rpc::ClientOptions opts;
  const bool tls = !req.server_tls_cert().empty();
  opts.base_url =
      std::string(tls ? "https://" : "http://") + req.host() + ":" + std::to_string(req.port());
  opts.grpc = req.protocol() == cv1::PROTOCOL_GRPC;
  opts.send_gzip = req.compression() == cv1::COMPRESSION_GZIP;
  if (req.message_receive_limit() > 0) opts.max_message_size = req.message_receive_limit();
  if (tls) {
    opts.pinned_cert_file =
        tmp_dir + "/" + std::to_string(std::hash<std::string>{}(req.test_name())) + ".pem";
    std::ofstream(opts.pinned_cert_file, std::ios::binary) << req.server_tls_cert();
  }
  auto client = brs::rpc::Client::Create(opts);
  if (!client.ok()) return fail(client.status().ToString());
  Headers extra;
  for (const auto& h : req.request_headers()) {
    for (const auto& v : h.value()) extra.emplace_back(h.name(), v);
  }
  CallKind kind = CallKind::kBidi;
  switch (req.stream_type()) {
    case cv1::STREAM_TYPE_UNARY:
      kind = CallKind::kUnary;
      break;
    case cv1::STREAM_TYPE_SERVER_STREAM:
      kind = CallKind::kServerStream;
      break;
    default:
      kind = CallKind::kBidi;
      break;
  }
  const std::string path = "/" + req.service() + "/" + req.method();
  const int64_t timeout = req.has_timeout_ms() ? req.timeout_ms() : 0;
  auto* result = resp.mutable_response();
  auto opened = (*client)->Open(path, kind, extra, timeout);
  if (!opened.ok()) {
    SetError(opened.status(), result);
    return resp;
  }
  Stream& s = **opened;
  const bool full_duplex = req.stream_type() == cv1::STREAM_TYPE_FULL_DUPLEX_BIDI_STREAM;
  const auto& cancel = req.cancel();
  const int64_t deadline = timeout > 0 ? brs::rpc::SteadyNowMs() + timeout : brs::rpc::kNoDeadline;
  int sent = 0;
  int received = 0;
  Status final_status;
  auto read_one = [&]() -> bool {  // false: the call is over
    std::string msg;
    auto r = s.Read(&msg, deadline);
    if (!r.ok()) {
      final_status = r.status();
      return false;
    }
    if (*r == Stream::ReadResult::kTimeout) {
      final_status = Status(Code::kDeadlineExceeded, "deadline exceeded");
      return false;
    }
    if (*r == Stream::ReadResult::kEnd) return false;
    if (!AddPayload(msg, result)) {
      final_status = Status(Code::kInternal, "bad response message");
      return false;
    }
    ++received;
    if (cancel.has_after_num_responses() &&
        received == static_cast<int>(cancel.after_num_responses())) {
      s.Finish(Status(Code::kCanceled, "canceled by the client"));
    }
    return true;
  };
  bool over = false;
  for (const auto& any : req.request_messages()) {
    Sleep(req.request_delay_ms());
    if (!s.Write(any.value()).ok()) break;
    ++sent;
    if (full_duplex && !read_one()) {
      over = true;
      break;
    }
  }
  result->set_num_unsent_requests(req.request_messages_size() - sent);
  if (cancel.has_before_close_send()) {
    s.Finish(Status(Code::kCanceled, "canceled by the client"));
  } else if (!over) {
    s.Finish(Status());
    if (cancel.has_after_close_send_ms()) {
      Sleep(cancel.after_close_send_ms());
      s.Finish(Status(Code::kCanceled, "canceled by the client"));
    }
  }
  if (cancel.has_after_num_responses() && cancel.after_num_responses() == 0) {
    s.Finish(Status(Code::kCanceled, "canceled by the client"));
  }
  while (!over && read_one()) {
  }
  // Unary and client-stream calls answer with exactly one message (as a
  // Connect or gRPC client of a unary-response method checks).
  const bool unary_response = req.stream_type() == cv1::STREAM_TYPE_UNARY ||
                              req.stream_type() == cv1::STREAM_TYPE_CLIENT_STREAM;
  if (unary_response && final_status.ok() && received != 1 && !cancel.has_before_close_send() &&
      !cancel.has_after_close_send_ms()) {
    final_status = Status(Code::kUnimplemented,
                          received == 0 ? "no response message" : "more than one response message");
  }
  // A failed unary-response call has no response (what it read is not its
  // answer).
  if (unary_response && !final_status.ok()) result->clear_payloads();
  SetHeaders(s.headers(), result->mutable_response_headers());
  SetHeaders(s.trailers(), result->mutable_response_trailers());
  if (!final_status.ok()) SetError(final_status, result);
  return resp;
}

}  // namespace

int main() {
  char dir[] = "/tmp/brs-conformance-client-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 2;
  tmp_dir = dir;
  std::vector<std::thread> calls;
  for (;;) {
    auto req = std::make_shared<cv1::ClientCompatRequest>();
    if (!brs::conformance::ReadPrefixed(stdin, req.get())) break;
    calls.emplace_back([req] { Emit(Run(*req)); });
  }
  for (auto& t : calls) t.join();
  std::system(("rm -rf " + tmp_dir).c_str());
  return 0;
}
