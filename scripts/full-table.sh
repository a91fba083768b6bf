#!/usr/bin/env bash
# The full-placement table of docs/results.md: ibm01 (mixed-size, seeds 1-3; and with the macros
# fixed where `sa` put them), ibm03 (std cells only) and flat ariane133 (mixed-size; and with
# the macros of `greedy`, `sa` and `rl`). RUNS="..." limits the rows (names below); TABLE_ONLY=1 prints the table of
# earlier runs; OUT (default out/full-table).
set -euo pipefail
S=${SHARED:-../shared}/benchmarks
O=${OUT:-out/full-table}
M=./target/release/macroplace
RUNS=${RUNS:-"ibm01-s1 ibm01-s2 ibm01-s3 ibm01-sa ibm03 ariane-flat ariane-flat-greedy ariane-flat-sa ariane-flat-rl"}
mkdir -p "$O"
for r in $RUNS; do
  case $r in
    ibm01-sa) args=("$S/bookshelf/ibm01_ms/ibm01.aux" --macros sa --macro-time 60 --time-limit 80) ;;
    ibm01-s*) args=("$S/bookshelf/ibm01_ms/ibm01.aux" --macros analytic --seed "${r#ibm01-s}" --time-limit 20) ;;
    ibm03) args=("$S/bookshelf/ibm03_stdcell/ibm03.aux" --macros analytic --time-limit 20) ;;
    ariane-flat) args=("$S/ct-flat/ariane133_ng45/netlist.pb.txt.gz" --macros analytic --time-limit 170) ;;
    ariane-flat-greedy) args=("$S/ct-flat/ariane133_ng45/netlist.pb.txt.gz" --macros greedy --macro-time 20 --time-limit 170) ;;
    ariane-flat-sa) args=("$S/ct-flat/ariane133_ng45/netlist.pb.txt.gz" --macros sa --macro-time 60 --time-limit 170) ;;
    ariane-flat-rl) args=("$S/ct-flat/ariane133_ng45/netlist.pb.txt.gz" --macros rl --policy checkpoints/ariane133-finetuned --macro-time 30 --time-limit 170) ;;
    *) echo "unknown run $r"; exit 2 ;;
  esac
  [ -n "${TABLE_ONLY:-}" ] && continue
  /usr/bin/time -f "%e" -o "$O/$r.time" $M place "${args[@]}" --flow full --out "$O/$r" > "$O/$r.txt"
done
echo "| run | macros | HPWL (legal) | macro-only HPWL | legal macros / cells | place wall s | process wall s |"
echo "|---|---|---:|---:|---|---:|---:|"
for r in $RUNS; do
  python3 - "$O/$r/report.json" "$r" "$(cat "$O/$r.time")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {j['macros']} | {j['hpwl']:.4e} | {j['hpwl_macro_only']:.4e} | "
      f"{'yes' if j['legal'] else 'no'} / {'yes' if j['cells_legal'] else 'no'} | "
      f"{j['wall_seconds']:.1f} | {sys.argv[3]} |")
PY
done
