#include "app/cli.h"

#include <iostream>

#include "app/commands.h"

namespace brs::app {

int RunCli(int argc, char** argv) {
  CLI::App app{"backrest-sync: a hub and client for Backrest's multi-instance sync"};
  CommandRegistry registry(app, std::string("backrest-sync ") + BRS_VERSION);
  RegisterInit(registry);
  RegisterServe(registry);
  RegisterStatus(registry);
  RegisterPair(registry);
  RegisterJoin(registry);
  RegisterPeers(registry);
  RegisterRepo(registry);
  RegisterOps(registry);
  RegisterImportRestic(registry);
  RegisterConfigPush(registry);
  RegisterLogs(registry);
  RegisterUser(registry);
  RegisterHealth(registry);
  return registry.Run(argc, argv, std::cout, std::cerr);
}

}  // namespace brs::app
