// Writes the fuzz targets' seed corpora from real messages made by the real
// code (envelopes, trailers, HTTP/2 frames from an nghttp2 client, sealed
// channel items, the items of a recorded hub/client session, configs and
// ops as their serializers write them), plus a few hand-written inputs.
//   fuzz_seedgen DIR      writes DIR/<target>/<name>
// The corpora in tests/fuzz/corpus/ came from this tool (README.md there);
// regression inputs for findings are added next to them by hand.
#include <google/protobuf/util/json_util.h>
#include <nghttp2/nghttp2.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/encoding.h"
#include "crypto/channel.h"
#include "crypto/identity.h"
#include "crypto/pairing_token.h"
#include "fuzz_util.h"
#include "rpc/call_semantics.h"
#include "rpc/envelope.h"
#include "rpc/message_codec.h"
#include "rpc/protocol.h"
#include "store/config_store.h"
#include "sync/client_handler.h"
#include "sync/hub_handler.h"
#include "sync_fixture.h"

using namespace brs;
using fuzz::PieceBytes;

namespace {

std::string g_dir;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(g_dir + "/" + target);
  std::ofstream(g_dir + "/" + target + "/" + name, std::ios::binary) << bytes;
}

std::string Env(uint8_t flags, std::string_view payload) {
  std::string out;
  (void)rpc::AppendEnvelope(flags, payload, &out);
  return out;
}

std::string Ctl(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

void ConnectEnvelope() {
  const std::string t = "connect_envelope";
  Write(t, "stream_ok",
        Ctl({0, 6}) + Env(0, "hello") + Env(0, "") +
            Env(rpc::kFlagEndStream, rpc::ConnectEndStreamJson(Status())));
  Write(t, "stream_error",
        Ctl({0, 255}) + Env(0, "x") +
            Env(rpc::kFlagEndStream, rpc::ConnectEndStreamJson(Status(Code::kPermissionDenied,
                                                                      "not allowed: \"repo\""))));
  std::string gz;
  (void)rpc::EncodeMessage(std::string(200, 'a') + "hello", rpc::Encoding::kGzip, &gz);
  Write(t, "gzip", Ctl({1, 3}) + gz + Env(rpc::kFlagEndStream, "{}"));
  Write(t, "unary_error_json",
        Ctl({0, 0}) + rpc::ConnectErrorJson(Status(Code::kUnavailable, "hub restarting")));
  Write(t, "end_with_metadata",
        Ctl({0, 9}) + Env(rpc::kFlagEndStream,
                          R"({"error":{"code":"resource_exhausted","message":"slow down",)"
                          R"("details":[]},"metadata":{"retry-after":["10"]}})"));
  Write(t, "request_side", Ctl({2, 4}) + Env(0, "req") + Env(rpc::kFlagEndStream, "{}"));
}

std::string Lines(const rpc::Headers& h) {
  std::string out;
  for (const auto& [k, v] : h) out += k + ": " + v + "\n";
  return out;
}

void GrpcFraming() {
  const std::string t = "grpc_framing";
  rpc::Headers head = {{":status", "200"}, {"content-type", "application/grpc"}};
  std::string body = Env(0, "message one") + Env(0, "two");
  Write(t, "ok",
        Ctl({0}) + PieceBytes(Lines(head)) +
            PieceBytes(Lines(rpc::internal::GrpcTrailers(Status()))) + body);
  Write(t, "error_trailers",
        Ctl({3}) + PieceBytes(Lines(head)) +
            PieceBytes(Lines(
                rpc::internal::GrpcTrailers(Status(Code::kNotFound, "no such repo: ü 100%\r\n")))) +
            body);
  rpc::Headers gz_head = head;
  gz_head.emplace_back("grpc-encoding", "gzip");
  std::string gz;
  (void)rpc::EncodeMessage(std::string(100, 'z'), rpc::Encoding::kGzip, &gz);
  Write(t, "gzip",
        Ctl({1}) + PieceBytes(Lines(gz_head)) +
            PieceBytes(Lines(rpc::internal::GrpcTrailers(Status()))) + gz);
  rpc::Headers only = head;
  for (auto& kv : rpc::internal::GrpcTrailers(Status(Code::kUnimplemented, "unknown method")))
    only.push_back(kv);
  Write(t, "trailers_only", Ctl({16}) + PieceBytes(Lines(only)) + PieceBytes("") + "");
  Write(t, "http_503", Ctl({8, 47}) + PieceBytes(Lines(head)) + PieceBytes("") + body);
}

void Http1() {
  const std::string t = "http1_parser";
  const std::string unary =
      "POST /fuzz.v1.Echo/Unary HTTP/1.1\r\nHost: hub\r\nContent-Type: application/proto\r\n"
      "Content-Length: 5\r\n\r\nhello";
  Write(t, "unary", Ctl({7}) + unary);
  Write(t, "pipelined",
        Ctl({13}) + unary +
            "GET /metrics HTTP/1.1\r\nHost: hub\r\n\r\n"
            "POST /fuzz.v1.Echo/Unary HTTP/1.1\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nContent-Length: 2\r\n\r\n{}");
  Write(t, "http10", Ctl({0}) + "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  Write(t, "chunked",
        Ctl({3}) +
            "POST /fuzz.v1.Echo/Unary HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: application/proto\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  Write(t, "connect_get",
        Ctl({1}) +
            "GET /fuzz.v1.Echo/Unary?encoding=proto&message=aGk HTTP/1.1\r\n"
            "Connect-Protocol-Version: 1\r\n\r\n");
  Write(t, "too_long", Ctl({200}) + "POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n");
  Write(t, "head_404", Ctl({2}) + "HEAD /nope HTTP/1.1\r\n\r\n");
}

// The bytes an nghttp2 client writes for these requests (with bodies).
struct Body {
  std::string bytes;
  size_t at = 0;
};
ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t len, uint32_t* flags,
                 nghttp2_data_source* src, void*) {
  auto* b = static_cast<Body*>(src->ptr);
  size_t n = std::min(len, b->bytes.size() - b->at);
  std::memcpy(buf, b->bytes.data() + b->at, n);
  b->at += n;
  if (b->at == b->bytes.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

struct Request {
  rpc::Headers headers;
  std::string body;  // empty: headers only, ending the stream
};

std::string H2Client(const std::vector<Request>& reqs) {
  nghttp2_session_callbacks* cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session* s;
  nghttp2_session_client_new(&s, cbs, nullptr);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, 1);
  std::deque<Body> bodies;
  for (const auto& r : reqs) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [k, v] : r.headers) {
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    }
    if (r.body.empty()) {
      nghttp2_submit_request(s, nullptr, nv.data(), nv.size(), nullptr, nullptr);
    } else {
      bodies.push_back(Body{r.body, 0});
      nghttp2_data_provider dp;
      dp.source.ptr = &bodies.back();
      dp.read_callback = ReadBody;
      nghttp2_submit_request(s, nullptr, nv.data(), nv.size(), &dp, nullptr);
    }
  }
  std::string out = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  for (;;) {
    const uint8_t* p;
    ssize_t n = nghttp2_session_mem_send(s, &p);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }
  nghttp2_session_del(s);
  return out;
}

rpc::Headers Post(const std::string& path, const std::string& ctype) {
  return {{":method", "POST"},
          {":scheme", "http"},
          {":authority", "hub"},
          {":path", path},
          {"content-type", ctype}};
}

void H2Server() {
  const std::string t = "h2_server";
  auto bidi = Post("/fuzz.v1.Echo/Bidi", "application/connect+proto");
  bidi.emplace_back("connect-accept-encoding", "gzip");
  Write(t, "connect_bidi",
        Ctl({0, 255}) + H2Client({{bidi, Env(0, "one") + Env(0, "two") + Env(0, "fail")}}));
  auto grpc = Post("/fuzz.v1.Echo/Bidi", "application/grpc");
  grpc.emplace_back("te", "trailers");
  grpc.emplace_back("grpc-timeout", "5S");
  Write(t, "grpc_bidi", Ctl({0, 3}) + H2Client({{grpc, Env(0, "hello")}}));
  auto unary = Post("/fuzz.v1.Echo/Unary", "application/proto");
  unary.emplace_back("connect-timeout-ms", "1000");
  Write(t, "unary_and_get",
        Ctl({2, 255}) + H2Client({{unary, "payload"},
                                  {{{":method", "GET"},
                                    {":scheme", "http"},
                                    {":authority", "hub"},
                                    {":path", "/metrics"}},
                                   ""},
                                  {Post("/fuzz.v1.Nope/X", "application/grpc"), ""}}));
  auto json = Post("/fuzz.v1.Echo/Server", "application/connect+json");
  std::string gz;
  (void)rpc::EncodeMessage("{}", rpc::Encoding::kGzip, &gz);
  json.emplace_back("connect-content-encoding", "gzip");
  Write(t, "json_gzip", Ctl({0, 1}) + H2Client({{json, gz}}));
}

std::string Serialized(const v1sync::SyncStreamItem& item) { return item.SerializeAsString(); }

void ChannelOpen() {
  const std::string t = "channel_open";
  std::array<uint8_t, 32> i2r, r2i;
  i2r.fill(0x11);
  r2i.fill(0x22);
  crypto::Transcript tr{};
  auto client = crypto::Channel::Create(i2r, r2i, tr);
  v1sync::SyncStreamItem hb;
  hb.mutable_heartbeat();
  v1sync::SyncStreamItem manifest;
  manifest.mutable_operation_manifest()->add_op_ids(7);
  manifest.mutable_operation_manifest()->add_modnos(3);
  auto sealed0 = client->Seal(hb);
  // Step 0: a peer's own (here valid, counter 0) encrypted item.
  Write(t, "raw_valid", Ctl({0}) + PieceBytes(Serialized(*sealed0)));
  Write(t, "raw_then_sealed",
        Ctl({0}) + PieceBytes(Serialized(*sealed0)) + Ctl({2}) + PieceBytes(Serialized(manifest)));
  Write(t, "sealed_sequence",
        Ctl({2}) + PieceBytes(Serialized(hb)) + Ctl({2}) + PieceBytes(Serialized(manifest)));
  Write(t, "raw_encrypted",
        Ctl({1}) + PieceBytes(Serialized(manifest)) + Ctl({0, 0}) + Ctl({1}) +
            PieceBytes("not an item \xff\xff") + Ctl({0, 0}));
  Write(t, "tampered",
        Ctl({1}) + PieceBytes(Serialized(hb)) + Ctl({0, 0}) + Ctl({1}) +
            PieceBytes(Serialized(manifest)) + Ctl({1, 3}));
  Write(t, "replayed", Ctl({1}) + PieceBytes(Serialized(hb)) + Ctl({128, 0}));
  Write(t, "dropped",
        Ctl({1}) + PieceBytes(Serialized(hb)) + Ctl({16, 0}) + Ctl({1}) +
            PieceBytes(Serialized(hb)) + Ctl({0, 0}));
  v1sync::SyncStreamItem plain;
  plain.mutable_encrypted()->set_nonce(std::string(12, '\0'));
  plain.mutable_encrypted()->set_ciphertext("short");
  Write(t, "short_ciphertext", Ctl({0}) + PieceBytes(Serialized(plain)));
}

// A recording sink: what one side of a session sent.
class Recorder final : public sync::ItemSink {
 public:
  void Send(sync::SyncStreamItem item) override {
    std::lock_guard lock(mu_);
    items.push_back(std::move(item));
  }
  bool Pop(sync::SyncStreamItem* out) {
    std::lock_guard lock(mu_);
    if (items.empty()) return false;
    *out = std::move(items.front());
    items.pop_front();
    return true;
  }
  std::deque<sync::SyncStreamItem> items;

 private:
  std::mutex mu_;
};

void SyncDispatch() {
  const std::string t = "sync_dispatch";
  fuzz::Instance hub_i(fuzz::kHubConfig), client_i(fuzz::kClientConfig);
  std::vector<v1::Operation> ops;
  for (int i = 0; i < 3; ++i) ops.push_back(fuzz::LocalOp(i));
  (void)client_i.oplog->Add(ops);
  const auto features = sync::PeerFeatures::All();
  sync::HubHandler hub(hub_i.env(), {}, features);
  sync::ClientHandler client(client_i.env(), {}, features,
                             client_i.config->Get()->multihost().known_hosts(0));
  Recorder to_hub, to_client;
  (void)hub.OnConnectionEstablished(hub_i.config->Get()->multihost().authorized_clients(0),
                                    to_client);
  v1::Multihost::Peer hub_peer;
  hub_peer.set_keyid("ed25519.hubkey");
  hub_peer.set_instance_id("hub");
  (void)client.OnConnectionEstablished(hub_peer, to_hub);
  std::string hub_input = Ctl({14}), client_input = Ctl({15});
  sync::SyncStreamItem item;
  for (int round = 0; round < 100; ++round) {
    bool moved = false;
    if (to_hub.Pop(&item)) {
      moved = true;
      hub_input += PieceBytes(Serialized(item));
      (void)sync::DispatchItem(item, hub, to_client);
    }
    if (to_client.Pop(&item)) {
      moved = true;
      client_input += PieceBytes(Serialized(item));
      (void)sync::DispatchItem(item, client, to_hub);
    }
    if (!moved) break;
  }
  client.OnConnectionDisconnected(Status());
  hub.OnConnectionDisconnected(Status());
  Write(t, "session_to_hub", hub_input);
  Write(t, "session_to_client", client_input);

  sync::SyncStreamItem hb, throttle, log, bad;
  hb.mutable_heartbeat();
  throttle.mutable_throttle()->set_delay_ms(1500);
  log.mutable_request_log()->set_log_id("logs/1");
  bad.mutable_operation_manifest()->add_op_ids(1);  // ids without modnos
  Write(t, "client_misc",
        Ctl({15}) + PieceBytes(Serialized(hb)) + PieceBytes(Serialized(throttle)) +
            PieceBytes(Serialized(log)));
  Write(t, "hub_bad_manifest", Ctl({0}) + PieceBytes(Serialized(hb)) + PieceBytes(Serialized(bad)));
}

void ConfigJson() {
  const std::string t = "config_json";
  v1::Config hub;
  google::protobuf::TextFormat::ParseFromString(fuzz::kHubConfig, &hub);
  auto id = crypto::Identity::FromSeed(std::vector<uint8_t>(32, 7));
  hub.mutable_multihost()->mutable_identity()->set_keyid(id->key_id());
  auto* tok = hub.mutable_multihost()->add_pairing_tokens();
  tok->set_secret(std::string(64, 'a'));
  tok->set_max_uses(2);
  Write(t, "hub", *store::SerializeConfigJson(hub));
  v1::Config client;
  google::protobuf::TextFormat::ParseFromString(fuzz::kClientConfig, &client);
  Write(t, "client", *store::SerializeConfigJson(client));
  Write(t, "default", *store::SerializeConfigJson(store::DefaultConfig()));
  Write(t, "broken", "{\n  \"instance\": \"x\",\n  \"repos\": [ {\"id\": 1,} ]\n}\n");
  Write(t, "unknown_fields",
        R"({"version":6,"instance":"a","futureField":{"x":[1,2,{"y":null}]}})");
}

void OpInput() {
  const std::string t = "op_input";
  std::string lines;
  for (int i = 0; i < 3; ++i) {
    v1::Operation op = fuzz::LocalOp(i);
    if (i == 1) op.set_instance_id("");
    if (i == 2) op.mutable_operation_backup();
    std::string j;
    (void)google::protobuf::util::MessageToJsonString(op, &j);
    lines += j + "\n\n";
  }
  Write(t, "jsonl", Ctl({0}) + lines);
  v1::Operation op = fuzz::LocalOp(9);
  op.set_id(42);
  op.set_flow_id(42);
  op.set_modno(5);
  std::string pretty;
  google::protobuf::util::JsonPrintOptions po;
  po.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(op, &pretty, po);
  Write(t, "update_pretty", Ctl({1}) + pretty);
  Write(t, "bad_line", Ctl({0}) + lines + "{\"repoId\": 5}\n");
}

void ResticImport() {
  const std::string t = "restic_import";
  const std::string id1 = "3f8b1a9e0c4d2b7f6e5a4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918abc";
  Write(t, "snapshots",
        Ctl({0}) +
            R"([{"time":"2024-03-01T10:20:30.123456789+01:00","parent":"aa","tree":"bb",)"
            R"("paths":["/home/u"],"hostname":"laptop","username":"u","uid":1000,"gid":1000,)"
            R"("tags":["plan:nightly","created-by:laptop-backrest"],)"
            R"("summary":{"backup_start":"2024-03-01T10:20:30.5+01:00",)"
            R"("backup_end":"2024-03-01T10:21:00.75+01:00","files_new":3,)"
            R"("data_added":12345,"total_bytes_processed":67890},"id":")" +
            id1 + R"(","short_id":"3f8b1a9e"},)" +
            R"({"time":"2024-03-02T00:00:00Z","tree":"cc","paths":["/srv"],"id":")" +
            std::string(63, '0') + R"(1"}])");
  Write(t, "config", Ctl({1}) + R"({"version":2,"id":")" + id1 + R"(","chunker_polynomial":"1"})");
  Write(t, "time", Ctl({0}) + "2024-02-29T23:59:60.999-23:59");
  Write(t, "empty", Ctl({1}) + "[]");
}

void PairingToken() {
  const std::string t = "pairing_token";
  auto id = crypto::Identity::FromSeed(std::vector<uint8_t>(32, 9));
  const std::string secret = std::string(32, 'a') + std::string(32, '0');
  const std::string token = crypto::FormatPairingToken(id->key_id(), secret, "hub-1");
  const std::string pub_b64 = Base64Encode(id->public_key().data(), id->public_key().size(),
                                           Base64Alphabet::kStandard, Base64Padding::kNone);
  // ctl 2: two tokens (secret, expiry, max uses, uses), then now, client
  // key ID, the public key's key ID and the key.
  Write(t, "redeem",
        Ctl({2}) + PieceBytes(token) + PieceBytes(secret) + Ctl({0, 2, 1}) +
            PieceBytes(std::string(64, 'b')) + Ctl({1, 0, 0}) + Ctl({5}) +
            PieceBytes(id->key_id()) + PieceBytes(id->key_id()) + pub_b64);
  Write(t, "expired",
        Ctl({1}) + PieceBytes(token) + PieceBytes(secret) + Ctl({1, 0, 0}) + Ctl({200}) +
            PieceBytes("ed25519.x") + PieceBytes("") + "");
  Write(t, "bad_token", Ctl({0}) + PieceBytes("ed25519.abc:zz#") + PieceBytes("") + "");
  Write(t, "hash_in_instance", Ctl({0}) + PieceBytes(id->key_id() + ":" + secret + "#a#b"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fuzz_seedgen DIR\n";
    return 2;
  }
  g_dir = argv[1];
  ConnectEnvelope();
  GrpcFraming();
  Http1();
  H2Server();
  ChannelOpen();
  SyncDispatch();
  ConfigJson();
  OpInput();
  ResticImport();
  PairingToken();
  return 0;
}
