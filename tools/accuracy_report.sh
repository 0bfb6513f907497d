#!/usr/bin/env bash
# The accuracy table of docs/accuracy.md: every qrt scheme of the bundled models beside
# onnxruntime's own post-training quantization on the same calibration images.
#   tools/accuracy_report.sh [OUT_DIR]    env: QRT=build/qrt, LIMIT (test samples; default all),
#                                             CALIB=512 (first training images / canvases),
#                                             MODELS="resnet mobilenetv2 unet" (which tables),
#                                             SKIP_ORT=1 (qrt only), THREADS (qrt --threads and
#                                             onnxruntime's intra-op threads; default: all)
# onnxruntime's U-Net calibration runs 64 canvases at a time (--calib-stride 64): its Entropy and
# Percentile calibrators otherwise hold every activation of all 512 canvases (13 GB).
# Needs: python3 -m pip install -r tools/requirements-peers.txt (onnxruntime, for the peer).
set -euo pipefail
cd "$(dirname "$0")/.."
QRT="${QRT:-build/qrt}"
OUT="${1:-build/accuracy}"
CALIB="${CALIB:-512}"
LIMIT_FLAG=(); ORT_LIMIT=()
if [ -n "${LIMIT:-}" ]; then LIMIT_FLAG=(--limit "$LIMIT"); ORT_LIMIT=(--limit "$LIMIT"); fi
MODELS="${MODELS:-resnet mobilenetv2 unet}"
THREAD_FLAG=(); ORT_THREADS=()
if [ -n "${THREADS:-}" ]; then THREAD_FLAG=(--threads "$THREADS"); ORT_THREADS=(--threads "$THREADS"); fi
BATCH=100
mkdir -p "$OUT"

report() {  # name model calib-spec eval-spec task ort-flags [qat-model]
  local name="$1" model="$2" calib="$3" data="$4" task="$5" ort_flags="$6" qat="${7:-}"
  local plans=() names=()
  for p in fp32 fp16 weights-int8; do
    "$QRT" build "$model" -o "$OUT/$name-$p.plan" --batch 1:$BATCH:$BATCH --precision "$p" "${THREAD_FLAG[@]}" >/dev/null
    plans+=("$OUT/$name-$p.plan"); names+=("$p")
  done
  for algo in entropy minmax percentile mse; do
    "$QRT" build "$model" -o "$OUT/$name-int8-$algo.plan" --batch 1:$BATCH:$BATCH --precision int8 \
      --calib-data "$calib" --calib-batch-size 32 --calib-batches $((CALIB / 32)) --calib-algo "$algo" \
      --calib-table "$OUT/$name-$algo.cache" "${THREAD_FLAG[@]}" 2>/dev/null >/dev/null
    plans+=("$OUT/$name-int8-$algo.plan"); names+=("int8-$algo")
  done
  if [ -n "$qat" ]; then
    "$QRT" build "$qat" -o "$OUT/$name-qat-fake.plan" --batch 1:$BATCH:$BATCH "${THREAD_FLAG[@]}" >/dev/null
    "$QRT" build "$qat" -o "$OUT/$name-qat-int8.plan" --batch 1:$BATCH:$BATCH --precision int8 "${THREAD_FLAG[@]}" >/dev/null
    plans+=("$OUT/$name-qat-fake.plan" "$OUT/$name-qat-int8.plan"); names+=(qat-fake-quant qat-int8)
  fi
  echo "== $name: qrt ($model)"
  "$QRT" eval "${plans[@]}" --names "$(IFS=,; echo "${names[*]}")" --data "$data" \
    --batch-size $BATCH "${LIMIT_FLAG[@]}" "${THREAD_FLAG[@]}" --compare --json "$OUT/$name-qrt.json"
  [ -n "${SKIP_ORT:-}" ] && return
  echo "== $name: onnxruntime quantize_static (QDQ, symmetric int8, per-channel), same $CALIB calibration samples"
  # shellcheck disable=SC2086  # ort_flags: several words or none
  python3 tools/ort_ptq_baseline.py --model "$model" --task "$task" --calib-samples "$CALIB" \
    $ort_flags "${ORT_LIMIT[@]}" "${ORT_THREADS[@]}" --json "$OUT/$name-ort.json"
}

for m in $MODELS; do
  case "$m" in
    resnet) report classifier-resnet models/fashion_resnet.onnx fashion-mnist:train fashion-mnist:test \
      classify "" models/fashion_resnet_qat.onnx ;;
    mobilenetv2) report classifier-mobilenetv2 models/fashion_mobilenetv2.onnx fashion-mnist:train \
      fashion-mnist:test classify "" ;;
    unet) report segmenter-unet models/fashion_unet.onnx fashion-mnist-seg:train fashion-mnist-seg:test \
      segment "--calib-stride 64" ;;
    *) echo "accuracy_report.sh: unknown model '$m' (resnet, mobilenetv2, unet)" >&2; exit 2 ;;
  esac
done
