// The backrest-sync command line: every command of the README, each taking
// --data DIR. Commands that change state work with or without a running
// daemon: the config goes through ConfigStore (the daemon notices), and
// operations go through the daemon's admin API when it holds the oplog.
#pragma once

namespace brs::app {

// Returns the process exit code: 0 ok, 1 runtime error, 2 usage error.
int RunCli(int argc, char** argv);

}  // namespace brs::app
