// The interop EchoService (Echo unary, Count server stream, Bidi) on a real
// server, and a self-signed certificate for TLS tests.
#pragma once

#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "echo_service.h"
#include "rpc/client.h"
#include "rpc/server.h"

namespace brs::rpc::testing {

// The interop contract's EchoService (tools/rpc_test_peer/echo_service.h).
inline void RegisterEcho(Server& server) { echo::Register(server); }

inline std::string Bytes(std::string_view v) {
  google::protobuf::BytesValue b;
  b.set_value(std::string(v));
  return b.SerializeAsString();
}
inline std::string Int(int64_t v) {
  google::protobuf::Int64Value b;
  b.set_value(v);
  return b.SerializeAsString();
}

// A new client on a new connection makes a normal unary call to the echo
// service on 127.0.0.1:port and gets its answer.
inline void ExpectFreshClientServes(int port) {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  o.connect_timeout_ms = 5'000;
  auto client = Client::Create(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto r = (*client)->Unary("/brs.test.v1.EchoService/Echo", Bytes("still serving"), {}, 5'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, Bytes("still serving"));
}

// Writes a self-signed certificate for "localhost" and 127.0.0.1 into dir.
inline bool MakeSelfSignedCert(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  if (!pkey) return false;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  X509_sign(x, pkey, EVP_sha256());
  FILE* f = std::fopen(cert_path.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return true;
}

}  // namespace brs::rpc::testing
