// Every command of the backrest-sync CLI, one registration function each
// (one file each: cmd_<name>.cc). RunCli (app/cli.cc) calls them in the
// order of --help. See app/command.h for how a command is written.
#pragma once

#include "app/command.h"

namespace brs::app {

void RegisterInit(CommandRegistry& registry);          // init
void RegisterServe(CommandRegistry& registry);         // serve
void RegisterStatus(CommandRegistry& registry);        // status
void RegisterPair(CommandRegistry& registry);          // pair new | list | revoke
void RegisterJoin(CommandRegistry& registry);          // join
void RegisterPeers(CommandRegistry& registry);         // peers
void RegisterRepo(CommandRegistry& registry);          // repo add | list | remove
void RegisterOps(CommandRegistry& registry);           // ops add | list
void RegisterImportRestic(CommandRegistry& registry);  // ops import-restic
void RegisterConfigPush(CommandRegistry& registry);    // config push
void RegisterLogs(CommandRegistry& registry);          // logs get
void RegisterUser(CommandRegistry& registry);          // user add | remove
void RegisterHealth(CommandRegistry& registry);        // health

// `init` itself, for `serve` on a fresh machine (instance "" = host name).
struct InitFlags {
  std::string instance;
};
Outcome RunInit(CommandContext& ctx, const InitFlags& flags);

}  // namespace brs::app
