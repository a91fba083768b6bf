#!/usr/bin/env bash
# Reproduces the placer table of docs/results.md: every method on ariane133 (clustered, from
# Circuit Training's initial.plc) and ibm01 (IBM-MS Bookshelf, macros movable) at the listed
# budgets, then prints a markdown table (proxy, HPWL, legality, wall time) from the reports.
#
#   scripts/place-table.sh [OUT_DIR] [SHARED_DIR]      (default: out/table, ../shared)
#   RUNS="ariane133:sa:60 ibm01:greedy:0" SEED=2 scripts/place-table.sh   # a subset, seed 2
#   RUNS= scripts/place-table.sh                                          # table only
#
# Rerunning with other seeds into the same OUT_DIR adds rows.
#
# Needs a release build (`make build`). Wall times depend on the machine and its load.
set -euo pipefail
OUT=${1:-out/table}
SHARED=${2:-../shared}
BIN=${BIN:-./target/release/macroplace}
SEED=${SEED:-1}
RUNS=${RUNS-"ariane133:greedy:10 ariane133:ea:60 ariane133:sa:60 ariane133:ea:600 ariane133:sa:600 ibm01:greedy:10 ibm01:ea:60 ibm01:sa:60"}
mkdir -p "$OUT"
for run in $RUNS; do
  IFS=: read -r design method budget <<<"$run"
  case $design in
    ariane133) args=("$SHARED/benchmarks/ct/ariane133_ng45/netlist.pb.txt.gz" --plc "$SHARED/benchmarks/ct/ariane133_ng45/initial.plc") ;;
    ibm01) args=("$SHARED/benchmarks/bookshelf/ibm01_ms/ibm01.aux") ;;
    *) echo "unknown design $design" >&2; exit 2 ;;
  esac
  dir="$OUT/$design-$method-$budget-s$SEED"
  echo ">> $design $method ${budget}s seed $SEED" >&2
  "$BIN" place "${args[@]}" --method "$method" --time-limit "$budget" --seed "$SEED" --out "$dir" >/dev/null
done
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
print("| design | method | budget s | seed | proxy | WL cost | density | congestion | HPWL | macro HPWL | legal | wall s |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
def key(s):
    p = s.split('-')
    return (p[0], ['greedy', 'ea', 'sa'].index(p[1]) if p[1] in ('greedy', 'ea', 'sa') else 9, int(p[2]), p[3])
for d in sorted((d for d in os.listdir(out) if d.count('-') == 3), key=key):
    p = os.path.join(out, d, "report.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p))
    design, method, budget, seed = d.split('-')
    budget = "—" if method == "greedy" else budget
    print(f"| {r['design']} | {method} | {budget} | {r['seed']} | {r['proxy_cost']:.4f} | {r['wirelength_cost']:.4f} | {r['density_cost']:.4f} | {r['congestion_cost']:.4f} | {r['hpwl']:.4e} | {r['hpwl_macro_only']:.4e} | {'yes' if r['legal'] else 'no'} | {r['wall_seconds']:.1f} |")
PY
