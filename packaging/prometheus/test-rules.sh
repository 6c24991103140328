#!/bin/sh
# Checks the alert rules and runs their unit tests with promtool (Debian:
# package prometheus, which scripts/setup installs). Exit 77 (CTest: skipped)
# when promtool is not installed.
set -eu
cd "$(dirname "$0")"
if ! command -v promtool >/dev/null 2>&1; then
  echo "promtool is not installed (Debian package prometheus; scripts/setup installs it): skipped"
  exit 77
fi
promtool check rules backrest-sync.rules.yml
promtool test rules backrest-sync.rules.test.yml
