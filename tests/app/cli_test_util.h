// Running the real backrest-sync binary (BRS_BINARY) in a temp directory.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "store/store_test_util.h"

namespace brs::app::testing {

using brs::store::testing::TempDir;

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void Spit(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// Runs a shell command line in `dir` with the binary as $B; captures stdout
// and stderr. BACKREST_SYNC_DATA is unset so only --data counts; stdin is
// /dev/null unless `cmd` pipes into the binary.
inline Result Sh(const TempDir& dir, const std::string& cmd) {
  const std::string out = dir.File(".out"), err = dir.File(".err");
  const std::string full = "cd '" + dir.path() +
                           "' && unset BACKREST_SYNC_DATA && B='" BRS_BINARY "' && (" + cmd +
                           ") >'" + out + "' 2>'" + err + "' </dev/null";
  const int rc = std::system(full.c_str());
  Result r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

inline int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace brs::app::testing
