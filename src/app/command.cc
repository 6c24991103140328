#include "app/command.h"

#include <iostream>
#include <sstream>

#include "app/config_change.h"
#include "app/json_writer.h"
#include "app/log.h"

namespace brs::app {

void CommandContext::Warn(const std::string& message) {
  err_ << "backrest-sync: warning: " << message << "\n";
}

void CommandContext::Note(const std::string& message) {
  err_ << "backrest-sync: note: " << message << "\n";
}

StatusOr<DataDir> CommandContext::RequireDataDir() const {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ExistingDataDir(flags_.data));
  // A broken config is reported by every command, not only by those that
  // read it (the operator should hear of it before the daemon does).
  BRS_ASSIGN_OR_RETURN(std::string text, ReadFile(dir.config(), size_t{64} << 20));
  BRS_RETURN_IF_ERROR(store::ParseConfigJson(text, dir.config()).status());
  return dir;
}

StatusOr<std::unique_ptr<store::ConfigStore>> CommandContext::OpenConfigStore() const {
  BRS_ASSIGN_OR_RETURN(DataDir dir, RequireDataDir());
  return OpenConfig(dir);
}

Status CommandContext::UpdateConfig(const store::ConfigStore::UpdateFn& fn) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, RequireDataDir());
  return ChangeConfig(dir, fn, [this](const std::string& message) { Warn(message); });
}

Outcome RemoveFromConfig(CommandContext& ctx, const std::string& what, const std::string& id,
                         const std::function<bool(v1::Config&)>& erase, const std::string& done) {
  BRS_RETURN_IF_ERROR(ctx.UpdateConfig([&](v1::Config& c) {
    return erase(c) ? Status() : NotFound("no " + what + " " + id + " in the config");
  }));
  if (ctx.json()) {
    ctx.out() << JsonObject().Str("removed", id).str() << "\n";
  } else {
    ctx.out() << done << "\n";
  }
  return Outcome();
}

CommandRegistry::CommandRegistry(CLI::App& root, std::string version) : root_(root) {
  flags_.data = DefaultDataDir();
  root_.set_version_flag("--version", std::move(version));
  root_.require_subcommand(1);
}

CLI::App* CommandRegistry::Group(const std::string& name, const std::string& description) {
  auto it = groups_.find(name);
  if (it != groups_.end()) return it->second;
  CLI::App* g = root_.add_subcommand(name, description);
  g->require_subcommand(1);
  groups_[name] = g;
  return g;
}

CLI::App* CommandRegistry::AddCommand(CLI::App* parent, const std::string& name,
                                      const std::string& description, CommandFn fn) {
  CLI::App* c = (parent ? parent : &root_)->add_subcommand(name, description);
  c->add_option("--data", flags_.data,
                "data directory (default $BACKREST_SYNC_DATA or ~/.local/share/backrest-sync)");
  c->add_flag("--json", flags_.json, "print data as JSON");
  c->add_option("--log-format", flags_.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  c->add_option("--log-level", flags_.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  commands_.emplace_back(c, std::move(fn));
  return c;
}

int CommandRegistry::Run(int argc, char** argv, std::ostream& out, std::ostream& err,
                         const Env& env) {
  try {
    root_.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0.
    return root_.exit(e, out, err) == 0 ? 0 : UsageExitCode();
  }
  Status logging = InitLogging(flags_.log_format, flags_.log_level);
  if (!logging.ok()) {
    err << "backrest-sync: error: " << logging.message() << "\n";
    return UsageExitCode();
  }
  for (auto& [app, fn] : commands_) {
    if (!app->parsed()) continue;
    CommandContext ctx(flags_, out, err, env);
    Outcome o = fn(ctx);
    out.flush();
    if (!o.ok() && !o.message().empty()) {
      // One line, whatever a lower layer put in the message.
      std::string line = o.message();
      for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
      }
      err << "backrest-sync: error: " << line << "\n";
    }
    return o.exit_code();
  }
  err << "backrest-sync: error: no command given (see --help)\n";
  return 2;
}

int CommandRegistry::UsageExitCode() const {
  for (const auto& [app, code] : usage_codes_) {
    if (app->parsed()) return code;
  }
  return 2;
}

StatusOr<std::string> ReadInputFile(const std::string& file) {
  constexpr size_t kMax = size_t{1} << 30;
  if (file.empty() || file == "-") {
    std::string out;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      out.append(buf, static_cast<size_t>(std::cin.gcount()));
      if (out.size() > kMax) return ResourceExhausted("stdin is larger than 1 GiB");
    }
    return out;
  }
  return ReadFile(file, kMax);
}

std::string InputName(const std::string& file) {
  return file.empty() || file == "-" ? "stdin" : file;
}

}  // namespace brs::app
