// A real peer nobody here wrote: curl (Debian's, with HTTP/2) against our
// server, for Connect unary JSON and proto calls and a Connect server
// stream (proto and JSON), over h2c prior knowledge and HTTP/1.1.
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "rpc/envelope.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"
#include "store/store_test_util.h"

namespace brs::rpc {
namespace {

struct CurlResult {
  int code;
  std::string out;
};

CurlResult Curl(const std::string& cmd) {
  CurlResult r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class CurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto v = Curl("curl --version 2>/dev/null");
    if (v.code != 0 || v.out.find("HTTP2") == std::string::npos) {
      GTEST_SKIP() << "curl with HTTP/2 is not installed";
    }
    server_ = std::make_unique<Server>(ServerOptions{});
    testing::RegisterEcho(*server_);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop(500);
  }
  std::unique_ptr<Server> server_;
  std::string base_;
  store::testing::TempDir dir_;
};

TEST_F(CurlTest, UnaryJsonOverH2cAndHttp1) {
  for (const char* version : {"--http2-prior-knowledge", "--http1.1"}) {
    auto r = Curl(std::string("curl -s ") + version +
                  " -H 'content-type: application/json' --data '\"aGVsbG8=\"' " + base_ +
                  "/brs.test.v1.EchoService/Echo");
    EXPECT_EQ(r.code, 0) << version;
    // BytesValue's JSON is the bare base64 string (protobuf's JSON mapping
    // of wrapper types, as connect-go prints it).
    EXPECT_EQ(r.out, "\"aGVsbG8=\"") << version;
  }
  // A Connect error as JSON with the mapped HTTP status.
  auto err = Curl(
      "curl -s --http2-prior-knowledge -w ' %{http_code}' -H 'content-type: "
      "application/json' --data '\"" +
      std::string("ZXJyb3I6bm90X2ZvdW5k") /* error:not_found */ + "\"' " + base_ +
      "/brs.test.v1.EchoService/Echo");
  EXPECT_EQ(err.out, "{\"code\":\"not_found\",\"message\":\"requested\"} 404");
  auto bad_json = Curl(
      "curl -s --http2-prior-knowledge -w ' %{http_code}' -H 'content-type: "
      "application/json' --data '{not json' " +
      base_ + "/brs.test.v1.EchoService/Echo");
  EXPECT_NE(bad_json.out.find("invalid_argument"), std::string::npos) << bad_json.out;
  EXPECT_NE(bad_json.out.find(" 400"), std::string::npos);
}

TEST_F(CurlTest, UnaryProto) {
  const std::string req = testing::Bytes(std::string("\x00\x01\xff binary", 10));
  std::ofstream(dir_.File("req.bin"), std::ios::binary) << req;
  auto r = Curl(
      "curl -s --http2-prior-knowledge -H 'content-type: application/proto' "
      "--data-binary @" +
      dir_.File("req.bin") + " " + base_ + "/brs.test.v1.EchoService/Echo");
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, req);
}

TEST_F(CurlTest, ConnectServerStream) {
  std::string body;
  ASSERT_TRUE(AppendEnvelope(0, testing::Int(3), &body).ok());
  std::ofstream(dir_.File("count.bin"), std::ios::binary) << body;
  for (const char* version : {"--http2-prior-knowledge", "--http1.1"}) {
    auto r = Curl(std::string("curl -s ") + version +
                  " -H 'content-type: application/connect+proto' --data-binary @" +
                  dir_.File("count.bin") + " " + base_ + "/brs.test.v1.EchoService/Count");
    ASSERT_EQ(r.code, 0) << version;
    EnvelopeDecoder dec;
    ASSERT_TRUE(dec.Feed(r.out).ok());
    std::vector<Envelope> envs;
    while (auto e = dec.Next()) envs.push_back(*e);
    ASSERT_EQ(envs.size(), 4u) << version;
    for (int i = 0; i < 3; ++i) {
      google::protobuf::Int64Value v;
      ASSERT_TRUE(v.ParseFromString(envs[static_cast<size_t>(i)].payload));
      EXPECT_EQ(v.value(), i);
    }
    EXPECT_EQ(envs[3].flags, kFlagEndStream);
    EXPECT_EQ(envs[3].payload, "{}");
  }
}

// The JSON codec of a server stream, as a browser's fetch() reads it
// (HTTP/1.1, chunked) and over h2c.
TEST_F(CurlTest, ConnectServerStreamJson) {
  std::string body;
  ASSERT_TRUE(AppendEnvelope(0, "\"2\"", &body).ok());  // Int64Value's JSON: a string
  std::ofstream(dir_.File("count.json"), std::ios::binary) << body;
  for (const char* version : {"--http2-prior-knowledge", "--http1.1"}) {
    auto r = Curl(std::string("curl -s -D ") + dir_.File("head.txt") + " " + version +
                  " -H 'content-type: application/connect+json' --data-binary @" +
                  dir_.File("count.json") + " " + base_ + "/brs.test.v1.EchoService/Count");
    ASSERT_EQ(r.code, 0) << version;
    std::stringstream head;
    head << std::ifstream(dir_.File("head.txt")).rdbuf();
    EXPECT_NE(head.str().find("application/connect+json"), std::string::npos) << head.str();
    EnvelopeDecoder dec;
    ASSERT_TRUE(dec.Feed(r.out).ok());
    std::vector<Envelope> envs;
    while (auto e = dec.Next()) envs.push_back(*e);
    ASSERT_EQ(envs.size(), 3u) << version << ": " << r.out;
    EXPECT_EQ(envs[0].payload, "\"0\"");
    EXPECT_EQ(envs[1].payload, "\"1\"");
    EXPECT_EQ(envs[2].flags, kFlagEndStream);
  }
  // Malformed JSON: the stream ends with invalid_argument.
  body.clear();
  ASSERT_TRUE(AppendEnvelope(0, "{nope", &body).ok());
  std::ofstream(dir_.File("bad.json"), std::ios::binary) << body;
  auto bad = Curl("curl -s --http1.1 -H 'content-type: application/connect+json' --data-binary @" +
                  dir_.File("bad.json") + " " + base_ + "/brs.test.v1.EchoService/Count");
  EXPECT_NE(bad.out.find("invalid_argument"), std::string::npos) << bad.out;
}

TEST_F(CurlTest, WrongMethodsAndPaths) {
  auto get = Curl("curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge " + base_ +
                  "/brs.test.v1.EchoService/Echo");
  EXPECT_EQ(get.out, "405");
  auto unknown = Curl(
      "curl -s -w ' %{http_code}' --http2-prior-knowledge -H 'content-type: "
      "application/proto' --data x " +
      base_ + "/brs.test.v1.EchoService/Nope");
  EXPECT_NE(unknown.out.find("unimplemented"), std::string::npos);
  EXPECT_NE(unknown.out.find(" 404"), std::string::npos);
  auto media = Curl(
      "curl -s -o /dev/null -w '%{http_code}' --http2-prior-knowledge -H "
      "'content-type: text/plain' --data x " +
      base_ + "/brs.test.v1.EchoService/Echo");
  EXPECT_EQ(media.out, "415");
}

}  // namespace
}  // namespace brs::rpc
