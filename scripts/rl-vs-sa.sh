#!/usr/bin/env bash
# rl + sa against sa alone on ariane133 (clustered, from initial.plc) at the same wall-clock
# budget, seeds 1..3: the table in docs/results.md. SECONDS_PER_RUN (default 120), POLICY
# (default checkpoints/ariane133-finetuned), OUT (default out/rl-vs-sa), THREADS (default: all
# cores, runs one after another; THREADS=1 runs each seed's two placements side by side, one
# core each), START_ACCEPTANCE (default: sa's own; the --start-acceptance of rl's refinement).
set -euo pipefail
B=${BENCH:-../shared/benchmarks/ct/ariane133_ng45}
T=${SECONDS_PER_RUN:-120}
P=${POLICY:-checkpoints/ariane133-finetuned}
O=${OUT:-out/rl-vs-sa}
TH=${THREADS:-}
M=./target/release/macroplace
mkdir -p "$O"
targs=()
[ -n "$TH" ] && targs=(--threads "$TH")
rargs=()
[ -n "${START_ACCEPTANCE:-}" ] && rargs=(--start-acceptance "$START_ACCEPTANCE")
for s in 1 2 3; do
  rl() { $M place "$B/netlist.pb.txt.gz" --plc "$B/initial.plc" --method rl --policy "$P" \
    --refine sa "${rargs[@]}" --time-limit "$T" --seed "$s" "${targs[@]}" --out "$O/rl-sa-s$s" --no-pictures \
    > "$O/rl-sa-s$s.txt"; }
  sa() { $M place "$B/netlist.pb.txt.gz" --plc "$B/initial.plc" --method sa \
    --time-limit "$T" --seed "$s" "${targs[@]}" --out "$O/sa-s$s" --no-pictures > "$O/sa-s$s.txt"; }
  if [ "$TH" = 1 ]; then rl & sa & wait; else rl; sa; fi
done
echo "| seed | rl + sa | sa |"
echo "|---|---:|---:|"
for s in 1 2 3; do
  a=$(python3 -c "import json;print('%.4f'%json.load(open('$O/rl-sa-s$s/report.json'))['proxy_cost'])")
  b=$(python3 -c "import json;print('%.4f'%json.load(open('$O/sa-s$s/report.json'))['proxy_cost'])")
  echo "| $s | $a | $b |"
done
