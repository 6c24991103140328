// Keeps the source tree's shape true: no file in src/ longer than 600 lines,
// no function longer than 80. The scanner is a brace counter over the text
// with comments, string and character literals blanked out; a "function" is
// an outermost brace block whose head has a parameter list and is not a
// namespace, class, struct, enum or union (lambdas count in their function).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kMaxFileLines = 600;
constexpr int kMaxFunctionLines = 80;

bool IsIdentChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Blanks `text[from, to)` except newlines, so line numbers stay true.
void Blank(std::string& text, size_t from, size_t to) {
  for (size_t i = from; i < to && i < text.size(); ++i)
    if (text[i] != '\n') text[i] = ' ';
}

// Returns where the literal starting at `i` (a quote) ends, one past it.
size_t QuotedEnd(const std::string& s, size_t i) {
  const char quote = s[i];
  size_t j = i + 1;
  while (j < s.size() && s[j] != quote) j += s[j] == '\\' ? 2 : 1;
  return std::min(j + 1, s.size());
}

// Returns where the raw string literal R"delim( ... )delim" at `i` ends.
size_t RawStringEnd(const std::string& s, size_t i) {
  const size_t open = s.find('(', i);
  if (open == std::string::npos) return s.size();
  const std::string close = ")" + s.substr(i + 2, open - i - 2) + "\"";
  const size_t end = s.find(close, open);
  return end == std::string::npos ? s.size() : end + close.size();
}

std::string StripCommentsAndLiterals(std::string s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t end = i + 1;
    if (s.compare(i, 2, "//") == 0) {
      end = s.find('\n', i);
      if (end == std::string::npos) end = s.size();
    } else if (s.compare(i, 2, "/*") == 0) {
      end = s.find("*/", i + 2);
      end = end == std::string::npos ? s.size() : end + 2;
    } else if (s.compare(i, 2, "R\"") == 0 && (i == 0 || !IsIdentChar(s[i - 1]))) {
      end = RawStringEnd(s, i);
    } else if (s[i] == '"' || (s[i] == '\'' && (i == 0 || !IsIdentChar(s[i - 1])))) {
      end = QuotedEnd(s, i);  // a ' after a digit is a digit separator
    } else {
      ++i;
      continue;
    }
    Blank(s, i, end);
    i = end;
  }
  return s;
}

struct LongFunction {
  int first_line;
  int lines;
  std::string head;
};

int LineOf(const std::string& s, size_t pos) {
  return 1 + static_cast<int>(std::count(s.begin(), s.begin() + static_cast<long>(pos), '\n'));
}

bool HeadIsFunction(const std::string& head) {
  static const std::regex kNotFunction(R"(\b(namespace|class|struct|enum|union)\b)");
  static const std::regex kControl(R"(\b(if|for|while|switch|catch)\s*\()");
  if (head.find(')') == std::string::npos || std::regex_search(head, kNotFunction)) return false;
  const size_t last_line = head.find_last_of('\n');
  return !std::regex_search(head.substr(last_line == std::string::npos ? 0 : last_line), kControl);
}

std::vector<LongFunction> LongFunctions(const std::string& source, int limit) {
  const std::string s = StripCommentsAndLiterals(source);
  struct Open {
    bool function;
    size_t head_start;
  };
  std::vector<Open> stack;
  std::vector<LongFunction> found;
  size_t last = 0;  // one past the previous '{', '}' or ';'
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '{') {
      const std::string head = s.substr(last, i - last);
      bool inside_function = false;
      for (const Open& o : stack) inside_function |= o.function;
      const size_t lead = head.find_first_not_of(" \t\n");
      stack.push_back({!inside_function && HeadIsFunction(head),
                       last + (lead == std::string::npos ? 0 : lead)});
    } else if (c == '}' && !stack.empty()) {
      const Open o = stack.back();
      stack.pop_back();
      const int first = LineOf(s, o.head_start), lines = LineOf(s, i) - first + 1;
      if (o.function && lines > limit) {
        found.push_back(
            {first, lines, source.substr(o.head_start, s.find('\n', o.head_start) - o.head_start)});
      }
    } else if (c != ';') {
      continue;
    }
    last = i + 1;
  }
  return found;
}

std::filesystem::path SourceRoot() {
  const char* data = std::getenv("BRS_TEST_DATA");
  if (data == nullptr) return {};
  return std::filesystem::path(data).parent_path().parent_path();
}

std::vector<std::filesystem::path> SourceFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(SourceRoot() / "src")) {
    const auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".cc" || ext == ".h")) files.push_back(e.path());
  }
  return files;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SourceShape, TheScannerFindsALongFunctionAndIgnoresBracesInText) {
  std::string body;
  for (int i = 0; i < 80; ++i) body += "  x += 1;\n";
  const std::string src =
      "namespace n {\nstruct S { int f() { return 1; } };\nint Long(int x) {\n" + body +
      "  const char* s = \"{\"; char c = '}'; int k = 1'000;  // {\n" +
      "  auto l = [&] { return R\"({)\"; };\n  return x;\n}\n}  // namespace n\n";
  const auto found = LongFunctions(src, kMaxFunctionLines);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first_line, 3);
  EXPECT_EQ(found[0].lines, 85);
  EXPECT_EQ(found[0].head, "int Long(int x) {");
  EXPECT_TRUE(LongFunctions(src, 85).empty());
}

TEST(SourceShape, NoFileInSrcIsLongerThan600Lines) {
  if (SourceRoot().empty()) GTEST_SKIP() << "BRS_TEST_DATA is not set";
  const auto files = SourceFiles();
  ASSERT_GT(files.size(), 50u) << "src/ was not found under " << SourceRoot();
  for (const auto& f : files) {
    const std::string text = ReadAll(f);
    EXPECT_LE(std::count(text.begin(), text.end(), '\n'), kMaxFileLines) << f;
  }
}

TEST(SourceShape, NoFunctionInSrcIsLongerThan80Lines) {
  if (SourceRoot().empty()) GTEST_SKIP() << "BRS_TEST_DATA is not set";
  for (const auto& f : SourceFiles()) {
    for (const auto& fn : LongFunctions(ReadAll(f), kMaxFunctionLines))
      ADD_FAILURE() << f.string() << ":" << fn.first_line << ": " << fn.lines
                    << " lines: " << fn.head;
  }
}

}  // namespace
