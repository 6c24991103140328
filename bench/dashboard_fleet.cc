// dashboard_fleet DIR: builds the dashboard's fleet-scale hub
// (bench/dashboard_fleet.h: 1 000 instances x 5 plans, 1 000 000 ops) into
// DIR, which must not exist yet. For bench/dashboard_browser.sh.
#include "dashboard_fleet.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dashboard_fleet DIR\n");
    return 2;
  }
  if (std::filesystem::exists(argv[1])) {
    std::fprintf(stderr, "dashboard_fleet: %s exists\n", argv[1]);
    return 1;
  }
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  brs::bench::BuildDashboardFleet(BRS_BINARY, argv[1], now);
  return 0;
}
