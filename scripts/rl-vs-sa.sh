#!/usr/bin/env bash
# rl + search + sa against sa alone on one clustered design at the same wall-clock budget, the
# tables in docs/results.md. BENCH (default ../shared/benchmarks/ct/ariane133_ng45: a folder with
# netlist.pb.txt[.gz] and initial.plc, e.g. one written by `macroplace cluster`), SECONDS_PER_RUN
# (default 120), POLICY (default checkpoints/ariane133-finetuned), OUT (default out/rl-vs-sa),
# SEEDS (default "1 2 3"), THREADS (default: all cores, runs one after another; THREADS=1 runs
# each seed's two placements side by side, one core each), START_ACCEPTANCE (default: sa's own;
# the --start-acceptance of rl's refinement), RL_ARGS (more `place` flags for rl, e.g.
# "--mcts 16 --policy-jumps 32").
set -euo pipefail
B=${BENCH:-../shared/benchmarks/ct/ariane133_ng45}
T=${SECONDS_PER_RUN:-120}
P=${POLICY:-checkpoints/ariane133-finetuned}
O=${OUT:-out/rl-vs-sa}
TH=${THREADS:-}
SEEDS=${SEEDS:-1 2 3}
M=./target/release/macroplace
NL="$B/netlist.pb.txt.gz"
[ -f "$NL" ] || NL="$B/netlist.pb.txt"
mkdir -p "$O"
targs=()
[ -n "$TH" ] && targs=(--threads "$TH")
rargs=()
[ -n "${START_ACCEPTANCE:-}" ] && rargs=(--start-acceptance "$START_ACCEPTANCE")
# shellcheck disable=SC2206
xargs_rl=(${RL_ARGS:-})
for s in $SEEDS; do
  rl() { $M place "$NL" --plc "$B/initial.plc" --method rl --policy "$P" \
    --refine sa "${rargs[@]}" "${xargs_rl[@]}" --time-limit "$T" --seed "$s" "${targs[@]}" \
    --out "$O/rl-sa-s$s" --no-pictures > "$O/rl-sa-s$s.txt"; }
  sa() { $M place "$NL" --plc "$B/initial.plc" --method sa \
    --time-limit "$T" --seed "$s" "${targs[@]}" --out "$O/sa-s$s" --no-pictures > "$O/sa-s$s.txt"; }
  if [ "$TH" = 1 ]; then rl & sa & wait; else rl; sa; fi
done
echo "| seed | rl + sa | sa |"
echo "|---|---:|---:|"
for s in $SEEDS; do
  a=$(python3 -c "import json;print('%.4f'%json.load(open('$O/rl-sa-s$s/report.json'))['proxy_cost'])")
  b=$(python3 -c "import json;print('%.4f'%json.load(open('$O/sa-s$s/report.json'))['proxy_cost'])")
  echo "| $s | $a | $b |"
done
