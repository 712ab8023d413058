#!/usr/bin/env bash
# The naive admin script wa-harden is measured against (scripts/bench_fleet.py): for every phone in
# turn, one `adb -s SERIAL shell CMD` per query, the same queries wa-harden's audit sends.
#
#   scripts/naive_audit.sh COMMANDS_FILE SERIAL [SERIAL ...]     (uses $ADB, else `adb`; -P from $ANDROID_ADB_SERVER_PORT)
set -u
commands_file=$1
shift
adb=${ADB:-adb}
for serial in "$@"; do
  while IFS= read -r command; do
    "$adb" -s "$serial" shell "$command" < /dev/null > /dev/null 2>&1
  done < "$commands_file"
done
