// Wire and JSON facts of the schema that Backrest peers depend on.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>

#include "v1/config.pb.h"
#include "v1/operations.pb.h"
#include "v1sync/syncservice.pb.h"

namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonPrintOptions;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

// A Backrest config.json written by Backrest itself (shape of v1.14).
constexpr char kBackrestConfig[] = R"({
  "modno": 7,
  "version": 4,
  "instance": "laptop",
  "repos": [{"id": "r1", "uri": "/srv/r1", "guid": "abc123", "shared": true,
             "originInstanceId": "hub", "prunePolicy": {"maxUnusedPercent": 10}}],
  "plans": [{"id": "p1", "repo": "r1", "paths": ["/home"],
             "schedule": {"maxFrequencyDays": 1, "clock": "CLOCK_LOCAL"},
             "backup_flags": ["--one-file-system"]}],
  "auth": {"disabled": false, "users": [{"name": "admin", "passwordBcrypt": "JDJhJDEw"}]},
  "sync": {
    "identity": {"keyId": "ed25519.AAAA", "ed25519priv": "cHJpdg", "ed25519pub": "cHVi"},
    "knownHosts": [{"instanceId": "hub", "keyId": "ed25519.BBBB",
                    "instanceUrl": "http://hub:9898", "initialPairingSecret": "s3cr3t",
                    "permissions": [{"type": "PERMISSION_READ_OPERATIONS", "scopes": ["*"]}]}],
    "authorizedClients": [{"instanceId": "c1", "keyId": "ed25519.CCCC",
                           "permissions": [{"type": "PERMISSION_RECEIVE_SHARED_REPOS"}]}],
    "pairingTokens": [{"secret": "00ff", "label": "l", "createdAtUnix": "100",
                       "expiresAtUnix": "200", "maxUses": 1, "uses": 0,
                       "permissions": [{"type": "PERMISSION_READ_CONFIG", "scopes": ["repo:r1"]}]}]
  }
})";

TEST(SchemaCompat, BackrestConfigJsonParses) {
  v1::Config c;
  JsonParseOptions opts;  // strict: an unknown field name would fail the parse
  ASSERT_TRUE(JsonStringToMessage(kBackrestConfig, &c, opts).ok());
  EXPECT_EQ(c.modno(), 7);
  EXPECT_EQ(c.instance(), "laptop");
  const auto& mh = c.multihost();
  EXPECT_EQ(mh.identity().keyid(), "ed25519.AAAA");
  ASSERT_EQ(mh.known_hosts_size(), 1);
  EXPECT_EQ(mh.known_hosts(0).instance_url(), "http://hub:9898");
  EXPECT_EQ(mh.known_hosts(0).initial_pairing_secret(), "s3cr3t");
  EXPECT_EQ(mh.known_hosts(0).permissions(0).type(),
            v1::Multihost::Permission::PERMISSION_READ_OPERATIONS);
  ASSERT_EQ(mh.authorized_clients_size(), 1);
  EXPECT_EQ(mh.authorized_clients(0).keyid(), "ed25519.CCCC");
  ASSERT_EQ(mh.pairing_tokens_size(), 1);
  EXPECT_EQ(mh.pairing_tokens(0).expires_at_unix(), 200);
  EXPECT_EQ(mh.pairing_tokens(0).max_uses(), 1);
  EXPECT_EQ(c.plans(0).backup_flags(0), "--one-file-system");
  EXPECT_EQ(c.plans(0).schedule().maxfrequencydays(), 1);
  EXPECT_TRUE(c.repos(0).shared());
  EXPECT_EQ(c.repos(0).origin_instance_id(), "hub");
  EXPECT_EQ(c.auth().users(0).password_bcrypt(), "JDJhJDEw");
}

TEST(SchemaCompat, ConfigPrintsBackrestJsonNames) {
  v1::Config c;
  c.set_instance("hub");
  auto* mh = c.mutable_multihost();
  mh->mutable_identity()->set_keyid("ed25519.K");
  auto* kh = mh->add_known_hosts();
  kh->set_keyid("ed25519.H");
  kh->set_instance_id("h");
  kh->set_instance_url("https://h");
  kh->set_initial_pairing_secret("x");
  mh->add_authorized_clients()->set_keyid("ed25519.C");
  mh->add_pairing_tokens()->set_secret("s");
  c.add_plans()->add_backup_flags("-v");
  std::string json;
  JsonPrintOptions p;
  ASSERT_TRUE(MessageToJsonString(c, &json, p).ok());
  for (const char* name : {"\"sync\"", "\"knownHosts\"", "\"authorizedClients\"", "\"keyId\"",
                           "\"instanceUrl\"", "\"initialPairingSecret\"", "\"pairingTokens\"",
                           "\"instanceId\"", "\"backup_flags\""}) {
    EXPECT_NE(json.find(name), std::string::npos) << name << " missing in " << json;
  }
  EXPECT_EQ(json.find("\"multihost\""), std::string::npos);
  EXPECT_EQ(json.find("\"knownhosts\""), std::string::npos);
}

// Appends a protobuf tag and varint.
void Varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void Tag(std::string& out, int field, int wire) { Varint(out, uint64_t(field) << 3 | wire); }
void LenField(std::string& out, int field, const std::string& bytes) {
  Tag(out, field, 2);
  Varint(out, bytes.size());
  out += bytes;
}

TEST(SchemaCompat, SyncStreamItemFieldNumbers) {
  // establish_shared_secret = 2 { protocol_version = 1, kem_public_key = 2 }
  std::string ess;
  Tag(ess, 1, 0);
  Varint(ess, 1);
  LenField(ess, 2, "PK");
  LenField(ess, 3, "ENC");
  std::string item;
  LenField(item, 2, ess);
  v1sync::SyncStreamItem m;
  ASSERT_TRUE(m.ParseFromString(item));
  ASSERT_TRUE(m.has_establish_shared_secret());
  EXPECT_EQ(m.establish_shared_secret().protocol_version(), 1u);
  EXPECT_EQ(m.establish_shared_secret().kem_public_key(), "PK");
  EXPECT_EQ(m.establish_shared_secret().kem_encapsulation(), "ENC");

  // encrypted = 5 { nonce = 1, ciphertext = 2 }
  std::string enc;
  LenField(enc, 1, std::string(12, '\0'));
  LenField(enc, 2, "CT");
  item.clear();
  LenField(item, 5, enc);
  ASSERT_TRUE(m.ParseFromString(item));
  ASSERT_TRUE(m.has_encrypted());
  EXPECT_EQ(m.encrypted().nonce().size(), 12u);

  // handshake = 3 {protocol_version=1, public_key=2{keyid=1, ed25519pub=2},
  //                instance_id=3, pairing_secret=4, signature=5}
  std::string pk;
  LenField(pk, 1, "ed25519.K");
  LenField(pk, 2, "PUB");
  std::string hs;
  Tag(hs, 1, 0);
  Varint(hs, 3);
  LenField(hs, 2, pk);
  LenField(hs, 3, "inst");
  LenField(hs, 4, "secret");
  LenField(hs, 5, "SIG");
  item.clear();
  LenField(item, 3, hs);
  ASSERT_TRUE(m.ParseFromString(item));
  EXPECT_EQ(m.handshake().protocol_version(), 3);
  EXPECT_EQ(m.handshake().public_key().keyid(), "ed25519.K");
  EXPECT_EQ(m.handshake().public_key().ed25519pub(), "PUB");
  EXPECT_EQ(m.handshake().instance_id(), "inst");
  EXPECT_EQ(m.handshake().pairing_secret(), "secret");
  EXPECT_EQ(m.handshake().signature(), "SIG");

  // operation_manifest = 20 {op_ids = 1 packed, modnos = 2 packed}; throttle = 1000
  std::string man;
  std::string ids;
  Varint(ids, 5);
  Varint(ids, 300);
  LenField(man, 1, ids);
  LenField(man, 2, ids);
  item.clear();
  LenField(item, 20, man);
  ASSERT_TRUE(m.ParseFromString(item));
  ASSERT_EQ(m.operation_manifest().op_ids_size(), 2);
  EXPECT_EQ(m.operation_manifest().op_ids(1), 300);
  item.clear();
  std::string thr;
  Tag(thr, 1, 0);
  Varint(thr, 250);
  LenField(item, 1000, thr);
  ASSERT_TRUE(m.ParseFromString(item));
  EXPECT_EQ(m.throttle().delay_ms(), 250);
}

TEST(SchemaCompat, OperationFieldNumbersAndUnknownFieldsSurvive) {
  std::string op;
  Tag(op, 1, 0);
  Varint(op, 42);  // id
  Tag(op, 12, 0);
  Varint(op, 9);  // modno
  Tag(op, 13, 0);
  Varint(op, 7);  // original_id
  Tag(op, 10, 0);
  Varint(op, 40);  // flow_id
  LenField(op, 15, "guid-1");  // repo_guid
  LenField(op, 16, "ed25519.X");  // original_instance_keyid
  LenField(op, 11, "inst");  // instance_id
  // An unknown field from a newer Backrest: field 999, bytes.
  LenField(op, 999, "future");
  v1::Operation m;
  ASSERT_TRUE(m.ParseFromString(op));
  EXPECT_EQ(m.id(), 42);
  EXPECT_EQ(m.modno(), 9);
  EXPECT_EQ(m.original_id(), 7);
  EXPECT_EQ(m.flow_id(), 40);
  EXPECT_EQ(m.repo_guid(), "guid-1");
  EXPECT_EQ(m.original_instance_keyid(), "ed25519.X");
  EXPECT_EQ(m.instance_id(), "inst");
  std::string again;
  ASSERT_TRUE(m.SerializeToString(&again));
  EXPECT_NE(again.find("future"), std::string::npos) << "unknown field lost";
  v1::Operation m2;
  ASSERT_TRUE(m2.ParseFromString(again));
  std::string again2;
  ASSERT_TRUE(m2.SerializeToString(&again2));
  EXPECT_EQ(again, again2);
}

TEST(SchemaCompat, SchemaQuirksKept) {
  // SetAvailableResourcesRequest: repos typed PlanMetadata, plans RepoMetadata.
  v1sync::SetAvailableResourcesRequest r;
  r.add_repos()->set_id("x");
  r.add_plans()->set_guid("g");
  EXPECT_EQ(r.repos(0).GetDescriptor()->name(), "PlanMetadata");
  EXPECT_EQ(r.plans(0).GetDescriptor()->name(), "RepoMetadata");
  EXPECT_EQ(v1::Multihost::Peer::descriptor()->FindFieldByNumber(3), nullptr);  // reserved
  EXPECT_EQ(v1sync::CONNECTION_STATE_ERROR_AUTH, 10);
  EXPECT_EQ(v1::Multihost::Permission::PERMISSION_RECEIVE_SHARED_REPOS, 4);
}

}  // namespace
