#!/usr/bin/env bash
# The CPU benchmark of the oneDNN backend: ResNet-50 and MobileNetV2 (3x224x224, torchvision,
# random weights) and the bundled Fashion-MNIST models, built with qrt for --backend
# cpu,reference (FP32, BF16, INT8) and --backend reference (BF16 left out there: the reference
# backend computes bf16 in f32 and rounds, which times nothing of bf16), timed with `qrt bench
# --json`, next to
# onnxruntime FP32 and INT8 (QDQ from quantize_static, calibrated on the same .npy) on the same
# thread count. Prints one table and writes OUT_DIR/results.json. A failing step prints
# "failed" and the run goes on.
#
# Usage: bench/cpu_models.sh QRT OUT_DIR        (QRT: the qrt binary, e.g. build-cpu/qrt)
# Environment (defaults in brackets):
#   MODELS ["resnet50 mobilenet_v2 fashion_resnet fashion_mobilenetv2 fashion_cnn"]  PRECISIONS ["fp32 bf16 int8"]
#   BACKENDS ["cpu,reference reference"]  BATCH [64]  THREADS [2]  ITER [5]  WARMUP [1]
#   CALIB_N [32] random calibration images (Fashion-MNIST models: the bundled sample)
#   ORT [1] run onnxruntime too   WORK_DIR [/tmp/qrt_cpu_bench] exports, data and plans
#   TORCH_PYTHON [/usr/bin/python3] (torch, torchvision)  ORT_PYTHON [python3] (onnxruntime)
set -uo pipefail
[[ $# -eq 2 ]] || { sed -n '/^# Usage/,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
QRT=$(realpath "$1")
OUT_DIR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
MODELS=${MODELS:-resnet50 mobilenet_v2 fashion_resnet fashion_mobilenetv2 fashion_cnn}
PRECISIONS=${PRECISIONS:-fp32 bf16 int8}
BACKENDS=${BACKENDS:-cpu,reference reference}
BATCH=${BATCH:-64}
THREADS=${THREADS:-2}
ITER=${ITER:-5}
WARMUP=${WARMUP:-1}
CALIB_N=${CALIB_N:-32}
ORT=${ORT:-1}
WORK_DIR=${WORK_DIR:-/tmp/qrt_cpu_bench}
TORCH_PYTHON=${TORCH_PYTHON:-/usr/bin/python3}
ORT_PYTHON=${ORT_PYTHON:-python3}
mkdir -p "$OUT_DIR/qrt" "$OUT_DIR/ort" "$OUT_DIR/logs" "$WORK_DIR"
export QRT_THREADS=$THREADS OMP_NUM_THREADS=$THREADS

model_path() {
  case $1 in
    fashion_*) echo "$ROOT/models/$1.onnx" ;;
    *) echo "$WORK_DIR/$1.onnx" ;;
  esac
}
calib_path() {
  case $1 in
    fashion_*) echo "$ROOT/models/fashion_sample.npy" ;;
    *) echo "$WORK_DIR/calib_224.npy" ;;
  esac
}

for m in $MODELS; do
  case $m in fashion_*) continue ;; esac
  [[ -f $WORK_DIR/$m.onnx ]] ||
    "$TORCH_PYTHON" "$ROOT/tools/export_torchvision.py" --out "$WORK_DIR" --models "$m" \
      >"$OUT_DIR/logs/export_$m.log" 2>&1 || echo "export $m: failed"
done
[[ -f $WORK_DIR/calib_224.npy ]] || "$ORT_PYTHON" -c "
import numpy as np
np.save('$WORK_DIR/calib_224.npy', np.random.default_rng(0).standard_normal(($CALIB_N, 3, 224, 224)).astype(np.float32))"

for m in $MODELS; do
  model=$(model_path "$m")
  for p in $PRECISIONS; do
    for b in $BACKENDS; do
      [[ $p == bf16 && $b == reference ]] && continue
      tag=${m}_${p}_${b%%,*}
      plan=$WORK_DIR/$tag.plan
      if "$QRT" build "$model" --backend "$b" --precision "$p" --batch "1:$BATCH:$BATCH" \
        --calib-data "$(calib_path "$m")" --calib-batch-size 8 -o "$plan" \
        >"$OUT_DIR/logs/build_$tag.log" 2>&1 &&
        "$QRT" bench "$plan" --batch "$BATCH" --iterations "$ITER" --warmup "$WARMUP" \
          --json "$OUT_DIR/qrt/$tag.json" >"$OUT_DIR/logs/bench_$tag.log" 2>&1; then
        echo "$tag: ok"
      else
        echo "$tag: failed (see $OUT_DIR/logs/*_$tag.log)"
      fi
    done
  done
  if [[ $ORT == 1 ]]; then
    "$ORT_PYTHON" "$HERE/cpu_ort.py" "$model" "$(calib_path "$m")" "$OUT_DIR/ort/$m.json" \
      --batch "$BATCH" --threads "$THREADS" --iterations "$ITER" --warmup "$WARMUP" \
      >"$OUT_DIR/logs/ort_$m.log" 2>&1 || echo "onnxruntime $m: failed"
  fi
done
"$ORT_PYTHON" "$HERE/cpu_report.py" "$OUT_DIR"
