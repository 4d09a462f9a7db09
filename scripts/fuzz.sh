#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS of wall time, in one process, and prints the CPU time it
# used and what it found, for docs/fuzzing.md. The committed corpus fuzz/corpus/TARGET is only
# read: new inputs go to build/fuzz/work/TARGET, crashers to build/fuzz/findings/TARGET/ (fix the
# bug, then copy the crasher into fuzz/corpus/TARGET/ as crash-<what>: a regression test).
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]     e.g. scripts/fuzz.sh plist 600
set -euo pipefail
cd "$(dirname "$0")/.."
if (($# < 2)); then
  echo "usage: $0 TARGET SECONDS [libFuzzer options...]; targets:" >&2
  ls fuzz/*_fuzz.cpp | sed 's|fuzz/||; s|_fuzz.cpp||' >&2
  exit 2
fi
target=$1 seconds=$2
shift 2
[[ -f fuzz/${target}_fuzz.cpp ]] || { echo "fuzz.sh: no harness fuzz/${target}_fuzz.cpp" >&2; exit 2; }

[[ -f build/fuzz/build.ninja ]] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${target}_fuzz" >/dev/null

work=build/fuzz/work/$target findings=build/fuzz/findings/$target
mkdir -p "$work" "$findings"
log=build/fuzz/findings/$target.log
# -timeout: one input taking 10 s is a hang; -rss_limit_mb: more than 2 GB is unbounded memory.
TIMEFORMAT='%U %S'
set +e
{ time build/fuzz/fuzz/"${target}_fuzz" "$work" "fuzz/corpus/$target" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/" "$@" \
    >"$log" 2>&1; } 2>build/fuzz/work/$target.cpu
status=$?
set -e
read -r user sys <build/fuzz/work/$target.cpu
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
# slow-unit-* files are inputs that took longer than 10 s of wall time once; on a shared machine
# (or a paused process) that is usually the machine, not the input: re-run them, they are not
# counted as findings. Crashes, timeouts (hangs past -timeout), leaks and OOMs are.
found=$(find "$findings" -type f ! -name 'slow-unit-*' | wc -l)
slow=$(find "$findings" -type f -name 'slow-unit-*' | wc -l)
printf '%s: %s CPU-seconds (user %s, sys %s), %s executions, corpus %s files, %s finding(s), %s slow unit(s), exit %s\n' \
  "$target" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", u + s }')" "$user" "$sys" "${runs:-?}" \
  "$(find "$work" -type f | wc -l)" "$found" "$slow" "$status"
if ((found + slow > 0)); then find "$findings" -type f; echo "log: $log"; fi
exit "$status"
