// Chaos tests with real processes: a `serve` daemon that can be SIGKILLed and
// restarted on the same address, the ops a data dir holds (read with the CLI)
// and a comparison of a hub's copy with a client's own ops.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "app/cli_test_util.h"
#include "store/config_store.h"
#include "store/json_syntax.h"
#include "v1/operations.pb.h"

namespace brs::app::testing {

// A `serve --data DATA` process. Start waits (with a deadline) until the new
// process itself has written daemon.json, so a stale file left by a SIGKILL
// is not mistaken for a started daemon.
class Daemon {
 public:
  Daemon(const TempDir& dir, std::string data, std::string extra = "")
      : dir_(dir), data_(std::move(data)), extra_(std::move(extra)) {}
  ~Daemon() { Kill(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Listens on `listen` (127.0.0.1:0 the first time; the same address
  // after a kill, since clients dial a fixed URL). An error when the process
  // exits or does not announce itself within `deadline_s`.
  std::string Start(int deadline_s = 90) {
    if (pid_ > 0) return "already running";
    const std::string listen = address_.empty() ? "127.0.0.1:0" : address_;
    std::string args = "cd '" + dir_.path() +
                       "' && unset BACKREST_SYNC_DATA && exec '" BRS_BINARY "' serve --data " +
                       data_ + " --listen " + listen + " --retry-delay 1 " + extra_ + " >>'" +
                       log_path() + "' 2>&1 </dev/null";
    const char* argv[] = {"/bin/sh", "-c", args.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
      pid_ = -1;
      return "posix_spawn failed";
    }
    ++starts_;
    const std::string pid_field = "\"pid\":" + std::to_string(pid_) + ",";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(deadline_s);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Alive()) return data_ + " exited while starting: " + Tail();
      const std::string info = Slurp(dir_.File(data_ + "/daemon.json"));
      if (Contains(info, pid_field)) {
        const std::string a = JsonField(info, "listen");
        if (!a.empty()) {
          address_ = a;
          return "";
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return data_ + " did not start within " + std::to_string(deadline_s) + " s: " + Tail();
  }
  // True while the process runs (reaps it when it has exited by itself).
  bool Alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    return true;
  }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM and wait: the exit code.
  int Stop() {
    if (pid_ <= 0) return exit_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_;
  }
  const std::string& address() const { return address_; }
  const std::string& data() const { return data_; }
  int starts() const { return starts_; }
  int exit_code() const { return exit_; }
  // DIR/<data>.log, with '/' in a nested data path as '_' (so a data dir
  // on a small filesystem logs outside it).
  std::string log_path() const {
    std::string name = data_;
    std::replace(name.begin(), name.end(), '/', '_');
    return dir_.File(name + ".log");
  }
  std::string Tail(size_t n = 3000) const {
    std::string l = Slurp(log_path());
    return l.size() > n ? l.substr(l.size() - n) : l;
  }

 private:
  const TempDir& dir_;
  std::string data_, extra_, address_;
  pid_t pid_ = -1;
  int exit_ = -1;
  int starts_ = 0;
};

// Every *.json file in DIR is one well-formed JSON value, and config.json
// loads as a config: "" or what is wrong (a torn write shows here).
inline std::string CheckConfigFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".json") continue;
    const std::string text = Slurp(e.path().string());
    brs::store::JsonSyntaxError err;
    if (!brs::store::CheckJsonSyntax(text, &err)) {
      return e.path().string() + ":" + std::to_string(err.line) + ":" + std::to_string(err.column) +
             ": " + err.message + " (" + std::to_string(text.size()) + " bytes)";
    }
  }
  brs::store::ConfigStore::Options o;
  o.path = dir + "/config.json";
  auto c = brs::store::ConfigStore::Open(o);
  if (!c.ok()) return c.status().ToString();
  return ec ? "cannot list " + dir + ": " + ec.message() : "";
}

// `ops list --json` parsed; an error line when a line does not parse or the
// command fails.
inline std::vector<v1::Operation> ListOps(const TempDir& dir, const std::string& args,
                                          std::string* error) {
  auto r = Sh(dir, "$B ops list --json " + args);
  std::vector<v1::Operation> ops;
  if (r.code != 0) {
    *error = "ops list " + args + ": exit " + std::to_string(r.code) + ": " + r.err;
    return ops;
  }
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    v1::Operation op;
    if (!google::protobuf::util::JsonStringToMessage(line, &op).ok()) {
      *error = "unparsable op line: " + line.substr(0, 200);
      return {};
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

// How a hub's copy of one client's ops differs from the client's own:
// missing (held by the client, not the hub), extra (at the hub only: a
// deletion not applied, or an op that never existed), doubled (two hub ops
// for one client op), stale (an older modno).
struct OpDiff {
  int client_ops = 0, hub_ops = 0;
  int missing = 0, extra = 0, doubled = 0, stale = 0;
  std::string examples;
  bool same() const { return missing + extra + doubled + stale == 0; }
  std::string Summary() const {
    return "client " + std::to_string(client_ops) + ", hub " + std::to_string(hub_ops) +
           ": missing " + std::to_string(missing) + ", extra " + std::to_string(extra) +
           ", doubled " + std::to_string(doubled) + ", stale modno " + std::to_string(stale) +
           examples;
  }
};

inline OpDiff CompareOps(const std::vector<v1::Operation>& client,
                         const std::vector<v1::Operation>& hub) {
  OpDiff d;
  d.client_ops = static_cast<int>(client.size());
  d.hub_ops = static_cast<int>(hub.size());
  std::map<int64_t, int64_t> want;  // client op id -> modno
  for (const auto& op : client) want[op.id()] = op.modno();
  std::map<int64_t, int> seen;
  auto example = [&](const std::string& what, int64_t id) {
    if (d.examples.size() < 300) d.examples += "; " + what + " " + std::to_string(id);
  };
  for (const auto& op : hub) {
    if (++seen[op.original_id()] == 2) {
      ++d.doubled;
      example("doubled", op.original_id());
    }
    auto it = want.find(op.original_id());
    if (it == want.end()) {
      ++d.extra;
      example("extra", op.original_id());
    } else if (op.modno() != it->second) {
      ++d.stale;
      example("modno " + std::to_string(op.modno()) + "!=" + std::to_string(it->second),
              op.original_id());
    }
  }
  for (const auto& [id, modno] : want) {
    if (!seen.count(id)) {
      ++d.missing;
      example("missing", id);
    }
  }
  return d;
}

}  // namespace brs::app::testing
