// The command registry of the backrest-sync CLI.
//
// Each command lives in a file of its own (cmd_<name>.cc) with one
// registration function, `void Register<Name>(CommandRegistry&)`, declared in
// app/commands.h and called from RunCli (app/cli.cc). A registration function
// adds its CLI11 subcommand through the registry, which gives every command
// the common flags (--data, --json, --log-format, --log-level), and binds the
// function that runs it. Adding a command is one file plus one line in each
// of commands.h and cli.cc:
//
//   // cmd_example.cc
//   void RegisterExample(CommandRegistry& r) {
//     auto flags = std::make_shared<ExampleFlags>();
//     CLI::App* c = r.AddCommand(r.Group("example", "…"), "run", "…",
//                                [flags](CommandContext& ctx) { return Run(ctx, *flags); });
//     c->add_option("--x", flags->x, "…");
//   }
//
// A command returns an Outcome: success, a runtime error (exit code 1) or a
// usage error (exit code 2). Errors are printed by the registry as one line,
// "backrest-sync: error: <message>", on stderr. Commands print their data on
// ctx.out() and their notes and warnings on ctx.err().
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "base/env.h"
#include "base/status.h"
#include "store/config_store.h"

namespace brs::app {

// The result of a command. Implicitly built from a Status (OK: success;
// otherwise a runtime error), so BRS_RETURN_IF_ERROR and
// BRS_ASSIGN_OR_RETURN work in functions returning an Outcome.
class [[nodiscard]] Outcome {
 public:
  Outcome() = default;
  Outcome(const Status& status)  // NOLINT: implicit by design
      : exit_code_(status.ok() ? 0 : 1), message_(status.message()) {}

  // A usage error: bad flags or arguments (exit code 2).
  static Outcome Usage(std::string message) {
    Outcome o;
    o.exit_code_ = 2;
    o.message_ = std::move(message);
    return o;
  }
  // An already-printed failure with a given exit code (no message printed).
  static Outcome Silent(int exit_code) {
    Outcome o;
    o.exit_code_ = exit_code;
    return o;
  }

  bool ok() const { return exit_code_ == 0; }
  int exit_code() const { return exit_code_; }
  const std::string& message() const { return message_; }

 private:
  int exit_code_ = 0;
  std::string message_;
};

// Flags every command takes.
struct GlobalFlags {
  std::string data;  // the data directory (DefaultDataDir() unless --data)
  bool json = false;
  std::string log_format = "text";
  std::string log_level = "info";
};

// What a running command gets: the global flags and its output streams.
class CommandContext {
 public:
  CommandContext(GlobalFlags flags, std::ostream& out, std::ostream& err,
                 const Env& env = Env::Default())
      : flags_(std::move(flags)), out_(out), err_(err), env_(env) {}

  const GlobalFlags& flags() const { return flags_; }
  bool json() const { return flags_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  // Where a command takes "now" from (wall time for what it stores).
  const Env& env() const { return env_; }

  // A warning line on stderr: "backrest-sync: warning: <message>".
  void Warn(const std::string& message);
  // A note line on stderr: "backrest-sync: note: <message>".
  void Note(const std::string& message);

  // The existing data directory of --data; NotFound (suggesting
  // `backrest-sync init`) when it or its config.json is missing, and the
  // parse error (file:line:column) when config.json does not parse.
  StatusOr<DataDir> RequireDataDir() const;
  // RequireDataDir, then opens its config (errors name the file and the
  // line:column of a syntax error; the file is never rewritten on error).
  StatusOr<std::unique_ptr<store::ConfigStore>> OpenConfigStore() const;
  // RequireDataDir, then one config change (app/config_change.h): through
  // the running daemon, which applies it before this returns, else in the
  // file. `fn` may run more than once, each time on a fresh copy of the
  // config: it must derive what it reports from the copy it is given.
  Status UpdateConfig(const store::ConfigStore::UpdateFn& fn);

 private:
  GlobalFlags flags_;
  std::ostream& out_;
  std::ostream& err_;
  const Env& env_;
};

using CommandFn = std::function<Outcome(CommandContext&)>;

// Erases the first element of `list` for which `match` holds; whether one
// was.
template <typename List, typename Match>
bool EraseFirst(List& list, const Match& match) {
  for (int i = 0; i < list.size(); ++i) {
    if (!match(list.Get(i))) continue;
    list.DeleteSubrange(i, 1);
    return true;
  }
  return false;
}

// A `… remove ID` command: one config change in which `erase` removes the
// entry `id` (false when there is none: NotFound "no <what> <id> in the
// config"), then {"removed":ID} with --json, else the line `done`.
Outcome RemoveFromConfig(CommandContext& ctx, const std::string& what, const std::string& id,
                         const std::function<bool(v1::Config&)>& erase, const std::string& done);

class CommandRegistry {
 public:
  // `root` is the program's CLI11 app; the registry adds --version to it.
  CommandRegistry(CLI::App& root, std::string version);
  CommandRegistry(const CommandRegistry&) = delete;
  CommandRegistry& operator=(const CommandRegistry&) = delete;

  // A command group (e.g. "ops", "repo") under the root that only holds
  // subcommands; the same group object on a second call with that name.
  CLI::App* Group(const std::string& name, const std::string& description);

  // Adds a runnable command `name` under `parent` (nullptr: the root) with
  // the common flags, run by `fn` when it is the command given. Returns the
  // subcommand so the caller can add its own options.
  CLI::App* AddCommand(CLI::App* parent, const std::string& name, const std::string& description,
                       CommandFn fn);

  // The exit code of a usage error in `command` (default 2): a monitoring
  // plugin (`health`) reports one as UNKNOWN (3), not as CRITICAL.
  void SetUsageExitCode(CLI::App* command, int code) { usage_codes_[command] = code; }

  // Parses argv, sets up logging and runs the chosen command with output on
  // `out`/`err`. Returns the process exit code: 0 ok, 1 runtime error,
  // 2 usage error (parse errors included; see SetUsageExitCode).
  // Commands take their time from `env` (tests pass a FakeEnv).
  int Run(int argc, char** argv, std::ostream& out, std::ostream& err,
          const Env& env = Env::Default());

 private:
  CLI::App& root_;
  GlobalFlags flags_;
  std::map<std::string, CLI::App*> groups_;
  std::vector<std::pair<CLI::App*, CommandFn>> commands_;
  std::map<const CLI::App*, int> usage_codes_;

  // The usage-error exit code of the command given, if it was reached.
  int UsageExitCode() const;
};

// Reads FILE, or stdin when file is "-" or empty (at most 1 GiB).
StatusOr<std::string> ReadInputFile(const std::string& file);
// How an input is named in messages: the file name, or "stdin".
std::string InputName(const std::string& file);

}  // namespace brs::app
