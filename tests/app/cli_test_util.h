// Running the real backrest-sync binary (BRS_BINARY) in a temp directory.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

extern char** environ;

#include "base/encoding.h"
#include "rpc/client.h"
#include "store/store_test_util.h"
#include "sync/rpc_glue.h"

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

// A `serve` process on 127.0.0.1:0 (plus `extra` arguments; reconnect
// delay `retry_s`), stopped with SIGTERM; its log is DIR/<data>.log.
class Serve {
 public:
  Serve(const TempDir& dir, const std::string& data, const std::string& extra = "",
        const std::string& listen = "127.0.0.1:0", int retry_s = 1)
      : log_(dir.File(data + ".log")) {
    std::string args = "cd '" + dir.path() +
                       "' && unset BACKREST_SYNC_DATA && exec '" BRS_BINARY "' serve --data " +
                       data + " --listen " + listen + " --retry-delay " + std::to_string(retry_s) +
                       " " + extra + " >>'" + log_ + "' 2>&1 </dev/null";
    const char* argv[] = {"/bin/sh", "-c", args.c_str(), nullptr};
    EXPECT_EQ(posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
              0);
    // Wait for daemon.json (written once listening).
    for (int i = 0; i < 400; ++i) {
      std::string info = Slurp(dir.File(data + "/daemon.json"));
      auto p = info.find("\"listen\":\"");
      if (p != std::string::npos) {
        p += 10;
        address_ = info.substr(p, info.find('"', p) - p);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "serve did not start: " << Slurp(log_);
  }
  ~Serve() { Stop(); }
  Serve(const Serve&) = delete;
  Serve& operator=(const Serve&) = delete;
  // SIGTERM and wait; the exit code.
  int Stop() {
    if (pid_ <= 0) return exit_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return exit_;
  }
  // SIGKILL and wait (a crash: daemon.json stays behind).
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  const std::string& address() const { return address_; }
  std::string log() const { return Slurp(log_); }
  // Sends a signal (e.g. SIGHUP: reload and redial at once).
  void Signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int exit_ = -1;
  std::string address_;
};

inline bool WaitFor(const std::function<bool()>& cond, int seconds = 20) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The value of "key":"…" in a one-line JSON object ("" when absent).
inline std::string JsonField(const std::string& json, const std::string& key) {
  const std::string k = "\"" + key + "\":\"";
  auto p = json.find(k);
  if (p == std::string::npos) return "";
  p += k.size();
  return json.substr(p, json.find('"', p) - p);
}

inline int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Calling the daemon's APIs directly, as Backrest or a script would.

inline std::string Basic(std::string_view user_colon_password) {
  return "Basic " + brs::Base64Encode(reinterpret_cast<const uint8_t*>(user_colon_password.data()),
                                      user_colon_password.size(), brs::Base64Alphabet::kStandard,
                                      brs::Base64Padding::kPadded);
}

inline brs::rpc::Headers Authz(const std::string& value) {
  if (value.empty()) return {};
  return {{"authorization", value}};
}

inline std::unique_ptr<brs::rpc::Client> ClientFor(std::string address, bool grpc) {
  // A wildcard bind is reached on loopback.
  if (address.rfind("0.0.0.0:", 0) == 0) address = "127.0.0.1:" + address.substr(8);
  brs::rpc::ClientOptions o;
  o.base_url = "http://" + address;
  o.grpc = grpc;
  auto c = brs::rpc::Client::Create(o);
  EXPECT_TRUE(c.ok());
  return std::move(*c);
}

// GetPeerSyncStatesStream without subscribing: how many states came.
inline brs::StatusOr<int> PeerStates(brs::rpc::Client& c, const std::string& authz) {
  BRS_ASSIGN_OR_RETURN(auto s, c.Open(brs::sync::kPeerStatesPath, brs::rpc::CallKind::kServerStream,
                                      Authz(authz), 10'000));
  BRS_RETURN_IF_ERROR(s->Write(v1sync::SyncStateStreamRequest().SerializeAsString()));
  s->Finish(brs::Status());
  int n = 0;
  std::string m;
  for (;;) {
    BRS_ASSIGN_OR_RETURN(auto r, s->Read(&m, brs::rpc::SteadyNowMs() + 10'000));
    if (r != brs::rpc::Stream::ReadResult::kMessage) return n;
    ++n;
  }
}

}  // namespace brs::app::testing
