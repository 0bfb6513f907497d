#!/usr/bin/env bash
# Where the GPU time goes: per-layer device times (qrt bench --profile) of ResNet-50 and
# MobileNetV2 in FP16 and INT8 at one batch size.
#   bench/gpu_profile.sh QRT_RUN OUT_DIR     env: BATCH=256, MODELS="resnet50 mobilenetv2",
#                                                 CACHE_DIR (timing caches to reuse), TOP=30
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
QRT=${1:?usage: gpu_profile.sh QRT_RUN OUT_DIR}
OUT=${2:?usage: gpu_profile.sh QRT_RUN OUT_DIR}
BATCH=${BATCH:-256}
MODELS=${MODELS:-resnet50 mobilenetv2}
CACHE_DIR=${CACHE_DIR:-$root/.gpu_cache}
TOP=${TOP:-30}
W=${WORK_DIR:-/tmp/qrt_gpu_profile}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT" "$W"
"$PYTHON" "$root/tools/export_gpu_bench_models.py" --out "$W" --models "${MODELS// /,}" \
  --calib-n 64 --unet-calib-n 8 > "$OUT/export.log" 2>&1 || tail -5 "$OUT/export.log"
for m in $MODELS; do
  for p in fp16 int8; do
    cache="$CACHE_DIR/$m.timing.json"
    cp -f "$cache" "$W/$m.timing.json" 2>/dev/null
    calib=()
    [[ $p == int8 ]] && calib=(--calib-data "$W/$m.calib.npy" --calib-batch-size 32)
    # shellcheck disable=SC2086
    $QRT build "$W/$m.onnx" --backend cuda --precision $p --batch 1:$BATCH:$BATCH \
      --timing-cache "$W/$m.timing.json" "${calib[@]}" -o "$W/$m.$p.plan" > "$OUT/$m.$p.build.log" 2>&1 ||
      { echo "$m $p build failed: $(tail -1 "$OUT/$m.$p.build.log")"; continue; }
    echo "== $m $p batch $BATCH: $(tail -1 "$OUT/$m.$p.build.log")"
    # shellcheck disable=SC2086
    $QRT bench "$W/$m.$p.plan" --batch $BATCH --iterations 20 --no-data-transfers \
      --profile "$TOP" --json "$OUT/$m.$p.profile.json" 2>&1 | tee "$OUT/$m.$p.profile.txt"
  done
done
