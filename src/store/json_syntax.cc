#include "store/json_syntax.h"

#include <cstring>

namespace brs::store {
namespace {

class Checker {
 public:
  Checker(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  bool Run(JsonSyntaxError* error) {
    SkipSpace();
    bool ok = Value(0);
    if (ok) {
      SkipSpace();
      if (pos_ != s_.size()) ok = Fail("unexpected data after the JSON value");
    }
    if (!ok && error != nullptr) {
      size_t line = 1, col = 1;
      for (size_t i = 0; i < err_pos_ && i < s_.size(); ++i) {
        if (s_[i] == '\n') {
          ++line;
          col = 1;
        } else {
          ++col;
        }
      }
      error->line = line;
      error->column = col;
      error->offset = err_pos_;
      error->message = err_;
    }
    return ok;
  }

 private:
  bool Fail(const char* msg) {
    err_ = msg;
    err_pos_ = pos_;
    return false;
  }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Literal(const char* word) {
    size_t n = std::strlen(word);
    if (s_.substr(pos_, n) != word) return Fail("invalid literal");
    pos_ += n;
    return true;
  }

  bool Value(int depth) {
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    switch (Peek()) {
      case '{':
        return Container(depth + 1, '}', /*keyed=*/true);
      case '[':
        return Container(depth + 1, ']', /*keyed=*/false);
      case '"':
        return String();
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) return Number();
        return Fail("unexpected character, expected a value");
    }
  }

  // An object (`keyed`: its members are "key": value) or an array, from
  // its opening bracket to `close`.
  bool Container(int depth, char close, bool keyed) {
    if (depth > max_depth_) return Fail("nesting too deep");
    ++pos_;  // '{' or '['
    SkipSpace();
    if (Peek() == close) {
      ++pos_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (keyed && !Key()) return false;
      if (!Value(depth)) return false;
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == close) {
        ++pos_;
        return true;
      }
      if (AtEnd()) {
        return Fail(keyed ? "unexpected end of input in object"
                          : "unexpected end of input in array");
      }
      return Fail(keyed ? "expected ',' or '}'" : "expected ',' or ']'");
    }
  }

  // An object member's key and its colon.
  bool Key() {
    if (Peek() != '"') return Fail("expected a string key");
    if (!String()) return false;
    SkipSpace();
    if (Peek() != ':') return Fail("expected ':' after key");
    ++pos_;
    SkipSpace();
    return true;
  }

  static bool IsHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  bool String() {
    ++pos_;  // opening quote
    while (!AtEnd()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in string");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) break;
        char e = s_[pos_];
        if (e == 'u') {
          for (int i = 1; i <= 4; ++i) {
            if (pos_ + i >= s_.size() || !IsHex(s_[pos_ + i])) return Fail("bad \\u escape");
          }
          pos_ += 5;
          continue;
        }
        if (std::strchr("\"\\/bfnrt", e) == nullptr || e == '\0') return Fail("bad escape");
      }
      ++pos_;
    }
    return Fail("unterminated string");
  }

  bool Digits() {
    size_t start = pos_;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool Number() {
    if (Peek() == '-') ++pos_;
    if (Peek() == '0') {
      ++pos_;
    } else if (!Digits()) {
      return Fail("bad number");
    }
    if (Peek() == '.') {
      ++pos_;
      if (!Digits()) return Fail("bad number: digits expected after '.'");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!Digits()) return Fail("bad number: digits expected in exponent");
    }
    return true;
  }

  std::string_view s_;
  int max_depth_;
  size_t pos_ = 0;
  size_t err_pos_ = 0;
  std::string err_;
};

}  // namespace

bool CheckJsonSyntax(std::string_view text, JsonSyntaxError* error, int max_depth) {
  return Checker(text, max_depth).Run(error);
}

}  // namespace brs::store
