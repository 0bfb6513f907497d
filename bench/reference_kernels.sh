#!/usr/bin/env bash
# Throughput of the CPU reference backend on the bundled models at batch 64: FP32, FP16 and
# INT8 (entropy calibration on 4 batches of training images), the best of several runs since
# other work may share the cores. Prints one line per model and precision, in images/s.
#
# Usage: bench/reference_kernels.sh [REPEATS] [MODEL...]
#   REPEATS  bench runs per engine; the best is reported (default 2)
#   MODEL    names under models/ (default: fashion_resnet fashion_mobilenetv2 fashion_unet)
# Environment: QRT (default build/qrt) runs the benchmarks; QRT_BUILD (default $QRT) builds
# the plans, e.g. to time an older library on the same plans; QRT_THREADS sets the threads.
set -euo pipefail

QRT=${QRT:-build/qrt}
QRT_BUILD=${QRT_BUILD:-$QRT}
REPEATS=${1:-2}
[[ $# -gt 0 ]] && shift
MODELS=("$@")
[[ ${#MODELS[@]} -gt 0 ]] || MODELS=(fashion_resnet fashion_mobilenetv2 fashion_unet)
BATCH=64

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

best_throughput() {  # plan -> the best images/s of REPEATS runs
  local best=0 r value
  for ((r = 0; r < REPEATS; ++r)); do
    "$QRT" bench "$1" --batch "$BATCH" --warmup 1 --iterations 3 --duration 5 \
      --json "$work/bench.json" >/dev/null
    value=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["throughput"])' \
      "$work/bench.json")
    best=$(python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$best" "$value")
  done
  printf '%.1f' "$best"
}

printf '%-22s %-9s %10s\n' model precision images/s
for model in "${MODELS[@]}"; do
  calib=fashion-mnist:train
  [[ $model == *unet* ]] && calib=fashion-mnist-seg:train
  for precision in fp32 fp16 int8; do
    plan="$work/$model.$precision.plan"
    flags=(--precision "$precision")
    [[ $precision == int8 ]] && flags+=(--calib-data "$calib" --calib-batches 4
      --calib-table "$work/$model.cache")
    "$QRT_BUILD" build "models/$model.onnx" "${flags[@]}" --batch "1:$BATCH:$BATCH" -o "$plan" \
      >/dev/null 2>&1
    printf '%-22s %-9s %10s\n' "$model" "$precision" "$(best_throughput "$plan")"
  done
done
