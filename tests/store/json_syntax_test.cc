#include "store/json_syntax.h"

#include <gtest/gtest.h>

namespace brs::store {
namespace {

TEST(JsonSyntaxTest, AcceptsWellFormedDocuments) {
  for (const char* ok : {"{}", " [ ] ", "{\"a\": [1, -2.5e+3, true, false, null, \"\\u00e9\\n\"]}",
                         "0", "\"s\"", "{\"a\":{\"b\":{}}}"}) {
    JsonSyntaxError e;
    EXPECT_TRUE(CheckJsonSyntax(ok, &e)) << ok << ": " << e.message;
  }
}

TEST(JsonSyntaxTest, ReportsLineAndColumn) {
  struct Case {
    const char* text;
    size_t line, column;
  } cases[] = {
      {"{\"a\": 1,}", 1, 9},     {"{\n  \"a\": tru\n}", 2, 8}, {"[1, 2", 1, 6},
      {"{\"a\" 1}", 1, 6},       {"{\"a\": 01}", 1, 8},        {"{} x", 1, 4},
      {"\"abc", 1, 5},           {"{\"a\": \"\\q\"}", 1, 9},   {"", 1, 1},
      {"{\n\n   'x': 1}", 3, 4},
  };
  for (const auto& c : cases) {
    JsonSyntaxError e;
    EXPECT_FALSE(CheckJsonSyntax(c.text, &e)) << c.text;
    EXPECT_EQ(e.line, c.line) << c.text << ": " << e.message;
    EXPECT_EQ(e.column, c.column) << c.text << ": " << e.message;
  }
}

TEST(JsonSyntaxTest, BoundsNesting) {
  std::string deep(100000, '[');
  JsonSyntaxError e;
  EXPECT_FALSE(CheckJsonSyntax(deep, &e));
  EXPECT_EQ(e.message, "nesting too deep");
}

}  // namespace
}  // namespace brs::store
