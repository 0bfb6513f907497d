#!/usr/bin/env bash
# The accuracy table of docs/accuracy.md: every qrt scheme of the bundled models beside
# onnxruntime's own post-training quantization on the same calibration images.
#   tools/accuracy_report.sh [OUT_DIR]    env: QRT=build/qrt, LIMIT (test samples; default all),
#                                             CALIB=512 (first training images / canvases)
# Needs: python3 -m pip install -r tools/requirements-peers.txt (onnxruntime, for the peer).
set -euo pipefail
cd "$(dirname "$0")/.."
QRT="${QRT:-build/qrt}"
OUT="${1:-build/accuracy}"
CALIB="${CALIB:-512}"
LIMIT_FLAG=(); ORT_LIMIT=()
if [ -n "${LIMIT:-}" ]; then LIMIT_FLAG=(--limit "$LIMIT"); ORT_LIMIT=(--limit "$LIMIT"); fi
BATCH=100
mkdir -p "$OUT"

report() {  # name model calib-spec eval-spec task [qat-model]
  local name="$1" model="$2" calib="$3" data="$4" task="$5" qat="${6:-}"
  local plans=() names=()
  for p in fp32 fp16 weights-int8; do
    "$QRT" build "$model" -o "$OUT/$name-$p.plan" --batch 1:$BATCH:$BATCH --precision "$p" >/dev/null
    plans+=("$OUT/$name-$p.plan"); names+=("$p")
  done
  for algo in entropy minmax percentile mse; do
    "$QRT" build "$model" -o "$OUT/$name-int8-$algo.plan" --batch 1:$BATCH:$BATCH --precision int8 \
      --calib-data "$calib" --calib-batch-size 32 --calib-batches $((CALIB / 32)) --calib-algo "$algo" \
      --calib-table "$OUT/$name-$algo.cache" 2>/dev/null >/dev/null
    plans+=("$OUT/$name-int8-$algo.plan"); names+=("int8-$algo")
  done
  if [ -n "$qat" ]; then
    "$QRT" build "$qat" -o "$OUT/$name-qat-fake.plan" --batch 1:$BATCH:$BATCH >/dev/null
    "$QRT" build "$qat" -o "$OUT/$name-qat-int8.plan" --batch 1:$BATCH:$BATCH --precision int8 >/dev/null
    plans+=("$OUT/$name-qat-fake.plan" "$OUT/$name-qat-int8.plan"); names+=(qat-fake-quant qat-int8)
  fi
  echo "== $name: qrt ($model)"
  "$QRT" eval "${plans[@]}" --names "$(IFS=,; echo "${names[*]}")" --data "$data" \
    --batch-size $BATCH "${LIMIT_FLAG[@]}" --compare --json "$OUT/$name-qrt.json"
  echo "== $name: onnxruntime quantize_static (QDQ, symmetric int8, per-channel), same $CALIB calibration samples"
  python3 tools/ort_ptq_baseline.py --model "$model" --task "$task" --calib-samples "$CALIB" \
    "${ORT_LIMIT[@]}" --json "$OUT/$name-ort.json"
}

report classifier-resnet models/fashion_resnet.onnx fashion-mnist:train fashion-mnist:test classify models/fashion_resnet_qat.onnx
report classifier-mobilenetv2 models/fashion_mobilenetv2.onnx fashion-mnist:train fashion-mnist:test classify
report segmenter-unet models/fashion_unet.onnx fashion-mnist-seg:train fashion-mnist-seg:test segment
