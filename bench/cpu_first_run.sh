#!/usr/bin/env bash
# What a fresh process pays before its first inference on the CPU, per qrt build or setting,
# interleaved so that a shared machine's load hits all alike. Per configuration and round:
#   plan_MB   the plan file's size
#   load_s    wall seconds of `qrt inspect PLAN` (read, checksum, parse, bind kernels)
#   first_s   wall seconds of a process that loads the plan and runs once (`qrt bench
#             --iterations 1 --warmup 0`: random inputs, no output files)
#   first_cpu its CPU seconds (user + sys): steadier than wall time on a loaded machine
#   first_ms  that first run's latency (primitives made, weights reordered or transformed)
#   wino_ms   oneDNN's time in Winograd weight transforms (wino_reorder) during that first run
#             (ONEDNN_VERBOSE=1 on that process: its exec lines' times), and their count
#   reord_ms  oneDNN's time in all reorders of that run (activation layouts at the blocked
#             run's borders, weights), and their count
#   later_ms  a later run's latency in a warm context (`--iterations 1 --warmup 1`)
#
#   bench/cpu_first_run.sh MODEL.onnx OUT_DIR NAME=QRT[:ENV=VALUE,...] NAME=QRT[:...] ...
#     e.g. bench/cpu_first_run.sh resnet50.onnx /tmp/fr \
#            before=/tmp/old/qrt:LD_LIBRARY_PATH=/tmp/old after=build/qrt
#   Each configuration's plan is built once with its own binary and environment
#   (--backend cpu --precision PRECISION --batch BATCH --threads THREADS). Environment: ROUNDS
#   [3], BATCH [64], PRECISION [fp32], THREADS [2]; OMP_WAIT_POLICY defaults to passive.
set -euo pipefail
usage="usage: cpu_first_run.sh MODEL.onnx OUT_DIR NAME=QRT[:ENV=VALUE,...] ..."
MODEL=${1:?$usage}
OUT=${2:?$usage}
shift 2
(($# >= 1)) || { echo "cpu_first_run.sh: give at least one NAME=QRT configuration" >&2; exit 2; }
ROUNDS=${ROUNDS:-3} BATCH=${BATCH:-64} PRECISION=${PRECISION:-fp32} THREADS=${THREADS:-2}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
mkdir -p "$OUT"

# shellcheck source=bench/qrt_configs.sh
source "$(dirname "$0")/qrt_configs.sh"
parse_qrt_configs cpu_first_run.sh "$@"

qrt() {  # NAME ARGS...: that configuration's qrt with its environment
  local name=$1
  shift
  # shellcheck disable=SC2086
  env ${ENVS[$name]} "${BIN[$name]}" "$@"
}
latency() {  # JSON: the mean latency in ms
  python3 -c "import json,sys; print('%.0f' % json.load(open(sys.argv[1]))['results'][0]['latency_ms']['mean'])" "$1"
}
bench_args=(--batch "$BATCH" --threads "$THREADS")

for name in "${NAMES[@]}"; do
  qrt "$name" build "$MODEL" --backend cpu --precision "$PRECISION" --batch "$BATCH" \
    --threads "$THREADS" -o "$OUT/$name.plan" > "$OUT/$name.build.log" 2>&1 ||
    { echo "cpu_first_run.sh: $name: build failed: $(tail -1 "$OUT/$name.build.log")" >&2; exit 1; }
done

printf '%-6s %-10s %-6s %8s %7s %8s %9s %9s %10s %11s %9s\n' round config load plan_MB load_s first_s \
  first_cpu first_ms 'wino_ms(n)' 'reord_ms(n)' later_ms
for r in $(seq 1 "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    plan="$OUT/$name.plan"
    loadavg=$(cut -d' ' -f1 /proc/loadavg)
    mb=$(du -m --apparent-size "$plan" | cut -f1)
    # shellcheck disable=SC2086
    /usr/bin/time -f %e -o "$OUT/${name}_$r.load" env ${ENVS[$name]} "${BIN[$name]}" inspect \
      "$plan" > /dev/null 2>&1
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %U %S" -o "$OUT/${name}_$r.first" env ${ENVS[$name]} ONEDNN_VERBOSE=1 \
      "${BIN[$name]}" bench "$plan" "${bench_args[@]}" --iterations 1 --warmup 0 \
      --json "$OUT/${name}_${r}_first.json" > "$OUT/${name}_${r}_first.log" 2>&1
    qrt "$name" bench "$plan" "${bench_args[@]}" --iterations 1 --warmup 1 \
      --json "$OUT/${name}_${r}_later.json" > /dev/null 2>&1
    reorders=$(awk -F, '/^onednn_verbose,exec,cpu,reorder,/ {
        n++; ms += $NF; if ($0 ~ /wino_reorder/) { wn++; wms += $NF } }
      END { printf "%.0f(%d) %.0f(%d)", wms, wn, ms, n }' "$OUT/${name}_${r}_first.log")
    # shellcheck disable=SC2086  # $reorders is two fields
    printf '%-6s %-10s %-6s %8s %7s %8s %9s %9s %10s %11s %9s\n' "$r" "$name" "$loadavg" "$mb" \
      "$(cat "$OUT/${name}_$r.load")" "$(awk '{print $1}' "$OUT/${name}_$r.first")" \
      "$(awk '{printf "%.2f", $2 + $3}' "$OUT/${name}_$r.first")" \
      "$(latency "$OUT/${name}_${r}_first.json")" ${reorders} \
      "$(latency "$OUT/${name}_${r}_later.json")"
  done
done | tee "$OUT/table.txt"
