#!/usr/bin/env bash
# Checks that a refactoring changed no result: runs the same deterministic jobs with two
# `macroplace` binaries and compares what they write. Placement files must be byte-identical;
# report.json files must be equal once timings are removed (fields a newer report adds are
# listed, not failed).
#
#   scripts/same-output.sh OLD_BIN NEW_BIN [OUT_DIR] [SHARED_DIR]
#
# Build OLD_BIN from the older commit in a worktree (git worktree add ../base OLD && make -C
# ../base build). Exit status 1 when a placement file differs.
set -euo pipefail
OLD=$1; NEW=$2
OUT=${3:-out/same-output}
SHARED=${4:-../shared}
IBM="$SHARED/benchmarks/bookshelf/ibm01_ms/ibm01.aux"
CT="$SHARED/benchmarks/ct/ariane133_ng45"
jobs=(
  "ibm01_sa|place $IBM --method sa --iterations 200000 --seed 3"
  "ibm01_full|place $IBM --flow full --seed 2"
  "ibm01_full_sa|place $IBM --flow full --macros sa --iterations 100000 --seed 4"
  "ariane_sa|place $CT/netlist.pb.txt.gz --plc $CT/initial.plc --method sa --iterations 100000 --seed 1"
  "ariane_greedy|place $CT/netlist.pb.txt.gz --plc $CT/initial.plc --method greedy --seed 1"
)
status=0
for job in "${jobs[@]}"; do
  name=${job%%|*}; cmd=${job#*|}
  for side in old new; do
    bin=$OLD; [ "$side" = new ] && bin=$NEW
    # shellcheck disable=SC2086
    "$bin" $cmd --time-limit 600 --no-pictures --out "$OUT/$side/$name" >/dev/null
  done
  for f in "$OUT/old/$name"/*.pl "$OUT/old/$name"/*.plc; do
    [ -e "$f" ] || continue
    if cmp -s "$f" "$OUT/new/$name/$(basename "$f")"; then
      echo "$name: $(basename "$f") byte-identical"
    else
      echo "$name: $(basename "$f") DIFFERS"; status=1
    fi
  done
  python3 - "$OUT/old/$name/report.json" "$OUT/new/$name/report.json" "$name" <<'PY'
import json, sys
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not any(t in k for t in ("seconds", "wall", "time"))}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
a, b = (strip(json.load(open(p))) for p in sys.argv[1:3])
diffs, added = [], []
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in x.keys() | y.keys():
            if k not in y: diffs.append(f"{path}/{k} removed")
            elif k not in x: added.append(f"{path}/{k}")
            else: walk(x[k], y[k], f"{path}/{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (p, q) in enumerate(zip(x, y)): walk(p, q, f"{path}[{i}]")
    elif x != y:
        diffs.append(f"{path}: {x!r} -> {y!r}")
walk(a, b, "")
print(f"{sys.argv[3]}: report.json " + ("equal" if not diffs else "DIFFERS: " + "; ".join(diffs[:5]))
      + (f" (new fields: {', '.join(sorted(added))})" if added else ""))
PY
done
exit $status
