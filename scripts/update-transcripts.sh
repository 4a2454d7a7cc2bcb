#!/usr/bin/env bash
# Regenerates Examples/NAME.out for the given examples (default: all) with the settings the example test
# uses, then masks the lines that differ run to run (a "…" line matches any lines; see ExamplesTests):
# the latency table between the lines "latency varies:" and "(latency is measured" (hundredx), and a line
# starting "latency (measured, varies): " (workshop lesson 4).
# Read the diff afterwards: a transcript is a claim about the output.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product eff >/dev/null
names=("$@")
if [ ${#names[@]} -eq 0 ]; then names=($(cd Examples && ls *.eff | sed 's/\.eff$//')); fi
for name in "${names[@]}"; do
  NO_COLOR=1 COLUMNS=80 EFF_CPU_CACHE_ROOT=/nonexistent .build/debug/eff "Examples/$name.eff" > "Examples/$name.out"
  python3 - "Examples/$name.out" <<'PY'
import sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
out, i = [], 0
while i < len(lines):
    if lines[i].startswith("latency (measured, varies): "):
        out.append("…")
        i += 1
        continue
    out.append(lines[i])
    # A measured-latency table follows this marker line in hundredx.eff; its values vary run to run.
    if lines[i].startswith("latency varies:"):
        out.append("…")
        i += 1
        while i < len(lines) and not lines[i].startswith("(latency is measured"):
            i += 1
        continue
    i += 1
open(path, "w", encoding="utf-8").write("\n".join(out))
PY
  echo "updated Examples/$name.out"
done
