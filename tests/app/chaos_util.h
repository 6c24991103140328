// Chaos tests with real processes: a `serve` daemon that can be SIGKILLed and
// restarted on the same address, the ops a data dir holds (read with the CLI),
// a comparison of a hub's copy with a client's own ops, and the live changes
// (inserts, updates, deletes with the CLI) that run while things break.
#pragma once

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

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

// The numbers in the array `key` of a command's JSON answer ("ids",
// "modnos").
inline std::vector<int64_t> IdsOf(const std::string& json, const std::string& key) {
  std::vector<int64_t> ids;
  const auto p = json.find("\"" + key + "\":[");
  if (p == std::string::npos) return ids;
  const auto end = json.find(']', p);
  const std::string arr = json.substr(p, end - p);
  static const std::regex num("[0-9]+");
  for (std::sregex_iterator it(arr.begin(), arr.end(), num), e; it != e; ++it) {
    ids.push_back(std::stoll(it->str()));
  }
  return ids;
}

// One op of `ops add`'s input: CLIENT's, in repo1/daily, with flow ID FLOW.
inline std::string OpLine(const std::string& client, int64_t flow, const std::string& msg) {
  return "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
         "\"status\":\"STATUS_SUCCESS\",\"flowId\":\"" +
         std::to_string(flow) + "\",\"displayMessage\":\"" + client + " " + msg + "\"}\n";
}

// The hub's copy of CLIENT's ops (the hub's data dir "hub", the client's
// key ID KEYID) against the client's own.
inline OpDiff HubDiff(const TempDir& dir, const std::string& client, const std::string& keyid,
                      std::string* err) {
  auto own = ListOps(dir, "--data " + client, err);
  auto held = ListOps(dir, "--data hub --peer " + keyid, err);
  return CompareOps(own, held);
}

// Live changes at a set of clients, with the CLI (through a client's
// daemon when one answers, else to its store), and what the CLI said it
// did. A command that fails (its daemon killed under it) has an unknown
// outcome: a failed add's ops are simply not expected; a failed delete's
// ops may or may not be gone, so they leave the expected set (and are
// never picked again) for `unsure_deleted`. Change runs on one thread at a
// time; read the records once the changes have stopped.
class LiveChanges {
 public:
  struct Mix {
    int insert_pct = 70;  // an insert of 1-20 ops
    int update_pct = 15;  // an update of 1-5 ops; the rest: a delete of 1-5
  };
  LiveChanges(const TempDir& dir, std::vector<std::string> clients, Mix mix)
      : dir_(dir), clients_(std::move(clients)), mix_(mix) {}

  // N ops added at CLIENT ("CLIENT op K", flow K + 1): "" or what failed.
  std::string Preload(const std::string& client, int n) {
    {
      std::ofstream f(dir_.File(client + "-preload.jsonl"));
      for (int k = 0; k < n; ++k) f << OpLine(client, k + 1, "op " + std::to_string(k));
    }
    auto add = Sh(dir_, "$B ops add --json --data " + client + " " + client + "-preload.jsonl");
    if (add.code != 0) return "preload of " + client + ": " + add.err;
    const auto ids = IdsOf(add.out, "ids");
    if (static_cast<int>(ids.size()) != n) {
      return "preload of " + client + ": " + std::to_string(ids.size()) + " IDs for " +
             std::to_string(n) + " ops";
    }
    std::lock_guard<std::mutex> l(mu_);
    for (int k = 0; k < n; ++k) {
      live_[client].insert(ids[k]);
      flow_of_[client][ids[k]] = k + 1;
    }
    return "";
  }

  // One change at a random client, its kind drawn from the mix.
  void Change(std::mt19937_64& rng, int serial) {
    const std::string c = clients_[rng() % clients_.size()];
    const int kind = static_cast<int>(rng() % 100);
    if (kind < mix_.insert_pct) return Insert(c, 1 + static_cast<int>(rng() % 20), serial);
    const std::vector<int64_t> pick = Pick(rng, c, 1 + static_cast<int>(rng() % 5));
    if (pick.empty()) return;
    if (kind < mix_.insert_pct + mix_.update_pct) return Update(c, pick, serial);
    Delete(c, pick);
  }

  // CLIENT's ops added (and not deleted since), as the CLI reported.
  std::set<int64_t> reported_live(const std::string& client) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = live_.find(client);
    return it == live_.end() ? std::set<int64_t>{} : it->second;
  }
  // The modno each update at CLIENT reported, per op.
  std::map<int64_t, int64_t> reported_modno(const std::string& client) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = modno_.find(client);
    return it == modno_.end() ? std::map<int64_t, int64_t>{} : it->second;
  }
  // CLIENT's ops of a delete whose command failed: deleted or not, either
  // is right.
  std::set<int64_t> unsure_deleted(const std::string& client) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = unsure_deleted_.find(client);
    return it == unsure_deleted_.end() ? std::set<int64_t>{} : it->second;
  }
  int inserts() const { return inserts_; }
  int updates() const { return updates_; }
  int deletes() const { return deletes_; }
  int done() const { return inserts_ + updates_ + deletes_; }
  int failed() const { return failed_; }
  int failed_deletes() const { return failed_deletes_; }

 private:
  void Insert(const std::string& c, int n, int serial) {
    std::string lines;
    const int64_t flow0 = 1'000'000 + int64_t{serial} * 100 + 1;
    for (int k = 0; k < n; ++k) lines += OpLine(c, flow0 + k, "live " + std::to_string(serial));
    Spit(dir_.File(c + "-live.jsonl"), lines);
    auto r = Sh(dir_, "$B ops add --json --data " + c + " " + c + "-live.jsonl");
    if (r.code != 0) return void(++failed_);
    const auto ids = IdsOf(r.out, "ids");
    std::lock_guard<std::mutex> l(mu_);
    for (size_t k = 0; k < ids.size(); ++k) {
      live_[c].insert(ids[k]);
      flow_of_[c][ids[k]] = flow0 + static_cast<int64_t>(k);
    }
    ++inserts_;
  }

  // Up to N distinct ops of C's reported live set.
  std::vector<int64_t> Pick(std::mt19937_64& rng, const std::string& c, int n) {
    std::vector<int64_t> pick;
    std::lock_guard<std::mutex> l(mu_);
    const auto& live = live_[c];
    for (int k = 0; k < n && !live.empty(); ++k) {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      if (std::find(pick.begin(), pick.end(), *it) == pick.end()) pick.push_back(*it);
    }
    return pick;
  }

  // Each op as written (same flow), with a new message.
  void Update(const std::string& c, const std::vector<int64_t>& pick, int serial) {
    std::string body;
    for (auto id : pick) {
      int64_t flow = 0;
      {
        std::lock_guard<std::mutex> l(mu_);
        flow = flow_of_[c][id];
      }
      body += "{\"id\":\"" + std::to_string(id) +
              "\",\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
              "\"instanceId\":\"" +
              c + "\",\"flowId\":\"" + std::to_string(flow) +
              "\",\"unixTimeStartMs\":\"1000\",\"status\":\"STATUS_SUCCESS\","
              "\"displayMessage\":\"updated " +
              std::to_string(serial) + "\"}\n";
    }
    Spit(dir_.File(c + "-update.jsonl"), body);
    auto r = Sh(dir_, "$B ops update --json --data " + c + " " + c + "-update.jsonl");
    if (r.code != 0) return void(++failed_);
    const auto ids = IdsOf(r.out, "ids");
    const auto modnos = IdsOf(r.out, "modnos");
    std::lock_guard<std::mutex> l(mu_);
    for (size_t k = 0; k < ids.size() && k < modnos.size(); ++k) modno_[c][ids[k]] = modnos[k];
    ++updates_;
  }

  void Delete(const std::string& c, const std::vector<int64_t>& pick) {
    std::string args;
    for (auto id : pick) args += " " + std::to_string(id);
    auto r = Sh(dir_, "$B ops delete --json --data " + c + args);
    std::lock_guard<std::mutex> l(mu_);
    if (r.code != 0) {
      // The daemon may have deleted them before it was killed.
      ++failed_deletes_;
      ++failed_;
      for (auto id : pick) {
        live_[c].erase(id);
        modno_[c].erase(id);
        unsure_deleted_[c].insert(id);
      }
      return;
    }
    for (auto id : IdsOf(r.out, "ids")) {
      live_[c].erase(id);
      modno_[c].erase(id);
    }
    ++deletes_;
  }

  const TempDir& dir_;
  const std::vector<std::string> clients_;
  const Mix mix_;
  mutable std::mutex mu_;  // guards the maps
  std::map<std::string, std::set<int64_t>> live_;
  std::map<std::string, std::map<int64_t, int64_t>> modno_;
  std::map<std::string, std::map<int64_t, int64_t>> flow_of_;  // op ID -> flow ID
  std::map<std::string, std::set<int64_t>> unsure_deleted_;
  std::atomic<int> inserts_{0}, updates_{0}, deletes_{0}, failed_{0}, failed_deletes_{0};
};

}  // namespace brs::app::testing
