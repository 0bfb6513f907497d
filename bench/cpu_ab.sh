#!/usr/bin/env bash
# A/B timing of two qrt builds (or two build settings) on the CPU, interleaved so that a shared
# machine's load hits both alike: each round builds nothing, it runs `qrt bench` once per
# configuration and records img/s and the process's CPU seconds (plan load + warm-up + runs).
#
#   bench/cpu_ab.sh MODEL.onnx OUT_DIR NAME=QRT[:ENV=VALUE,...] NAME=QRT[:...] ...
#     e.g. bench/cpu_ab.sh mobilenet_v2.onnx /tmp/ab before=/tmp/main/build/qrt \
#            after=build/qrt plain=build/qrt:QRT_CPU_LAYOUT=plain
#   Each configuration's plan is built once with its own binary and environment
#   (--backend cpu --precision PRECISION --batch BATCH). Environment: ROUNDS [4], BATCH [64],
#   PRECISION [fp32], THREADS [2], ITER [4], WARMUP [1]; OMP_WAIT_POLICY defaults to passive.
set -euo pipefail
MODEL=${1:?usage: cpu_ab.sh MODEL.onnx OUT_DIR NAME=QRT[:ENV=VALUE,...] ...}
OUT=${2:?usage: cpu_ab.sh MODEL.onnx OUT_DIR NAME=QRT[:ENV=VALUE,...] ...}
shift 2
(($# >= 2)) || { echo "cpu_ab.sh: give at least two NAME=QRT configurations" >&2; exit 2; }
ROUNDS=${ROUNDS:-4} BATCH=${BATCH:-64} PRECISION=${PRECISION:-fp32} THREADS=${THREADS:-2}
ITER=${ITER:-4} WARMUP=${WARMUP:-1}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
mkdir -p "$OUT"

# shellcheck source=bench/qrt_configs.sh
source "$(dirname "$0")/qrt_configs.sh"
parse_qrt_configs cpu_ab.sh "$@"

for name in "${NAMES[@]}"; do
  # shellcheck disable=SC2086
  env ${ENVS[$name]} "${BIN[$name]}" build "$MODEL" --backend cpu --precision "$PRECISION" \
    --batch "$BATCH" --threads "$THREADS" -o "$OUT/$name.plan" > "$OUT/$name.build.log" 2>&1 ||
    { echo "cpu_ab.sh: $name: build failed: $(tail -1 "$OUT/$name.build.log")" >&2; exit 1; }
done

printf '%-6s %-12s %-6s %10s %10s\n' round config load img/s cpu_s
for r in $(seq 1 "$ROUNDS"); do
  for name in "${NAMES[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    json="$OUT/${name}_$r.json"
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S" -o "$OUT/${name}_$r.time" env ${ENVS[$name]} "${BIN[$name]}" bench \
      "$OUT/$name.plan" --batch "$BATCH" --iterations "$ITER" --warmup "$WARMUP" \
      --threads "$THREADS" --json "$json" > /dev/null 2>&1
    ips=$(python3 -c "import json,sys; print('%.1f' % json.load(open(sys.argv[1]))['results'][0]['throughput'])" "$json")
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$OUT/${name}_$r.time")
    printf '%-6s %-12s %-6s %10s %10s\n' "$r" "$name" "$load" "$ips" "$cpu"
  done
done | tee "$OUT/table.txt"
