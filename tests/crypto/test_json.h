// Test-only helpers: read a JSON file from BRS_TEST_DATA as a
// google.protobuf.Value (protobuf's own JSON parser, no extra dependency) and
// pull hex fields out of it.
#pragma once

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "base/encoding.h"

namespace brs::crypto::testing {

inline std::string TestDataPath(const std::string& relative) {
  const char* dir = std::getenv("BRS_TEST_DATA");
  return std::string(dir ? dir : "tests/data") + "/" + relative;
}

inline bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// Parses the file at `path`; a parse failure fails the test and returns a
// null Value.
inline google::protobuf::Value LoadJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(ss.str(), &value);
  EXPECT_TRUE(status.ok()) << path << ": " << status.ToString();
  EXPECT_TRUE(in.good() || in.eof()) << "cannot read " << path;
  return value;
}

inline const google::protobuf::Value& Field(const google::protobuf::Value& obj,
                                            const std::string& name) {
  static const google::protobuf::Value kNull;
  const auto& fields = obj.struct_value().fields();
  auto it = fields.find(name);
  EXPECT_NE(it, fields.end()) << "missing field " << name;
  return it == fields.end() ? kNull : it->second;
}

inline Bytes HexField(const google::protobuf::Value& obj, const std::string& name) {
  auto r = HexDecode(Field(obj, name).string_value());
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : Bytes();
}

inline uint64_t IntField(const google::protobuf::Value& obj, const std::string& name) {
  return static_cast<uint64_t>(Field(obj, name).number_value());
}

template <typename C>
std::string Hex(const C& c) {
  return HexEncode(reinterpret_cast<const uint8_t*>(c.data()), c.size());
}

}  // namespace brs::crypto::testing
