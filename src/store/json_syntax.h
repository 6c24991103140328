// A strict JSON (RFC 8259) syntax check that says WHERE a document is broken:
// the protobuf JSON parser reports what is wrong but not the line and column,
// and a user fixing a hand-edited config.json needs both.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace brs::store {

struct JsonSyntaxError {
  size_t line = 0;    // 1-based
  size_t column = 0;  // 1-based, in bytes
  size_t offset = 0;  // 0-based byte offset
  std::string message;
};

// True when `text` is one well-formed JSON value (with surrounding
// whitespace). Otherwise fills *error with the first problem's position.
// Nesting deeper than `max_depth` is an error.
bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error, int max_depth = 256);

}  // namespace brs::store
