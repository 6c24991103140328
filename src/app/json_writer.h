// The --json output of the CLI: objects with keys in a fixed order, one line
// each, and protobuf messages in protobuf's canonical JSON (lowerCamelCase
// names, int64 as strings), so output is exact and stable across releases.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace brs::app {

// Builds {"key":value,…} in insertion order.
class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& Bool(std::string_view key, bool value);
  // `json` must already be valid JSON (an object, array, …).
  JsonObject& Raw(std::string_view key, std::string_view json);
  std::string str() const { return body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_ = "{";
};

// [item,item,…] from already-encoded items.
std::string JsonArray(const std::vector<std::string>& items);
// A JSON string literal, quotes included.
std::string JsonString(std::string_view s);
// Protobuf canonical JSON on one line ("{}" for an empty message).
std::string ProtoToJson(const google::protobuf::Message& message);

}  // namespace brs::app
