#!/usr/bin/env bash
# The bundled Fashion-MNIST models in INT8 on the oneDNN cpu backend against the reference
# backend, from one calibration table (entropy, 512 training images or canvases), evaluated on
# the test set: issue 5's "oneDNN INT8 accuracy within 0.05 points of the reference backend's
# INT8 (Dice within 0.001)".
#   bench/cpu_accuracy.sh QRT OUT_DIR     env: THREADS [2], LIMIT (test samples; default all),
#                                              MODELS ["fashion_resnet fashion_mobilenetv2 fashion_unet"]
set -uo pipefail
QRT=${1:?usage: cpu_accuracy.sh QRT OUT_DIR}
OUT=${2:?usage: cpu_accuracy.sh QRT OUT_DIR}
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
MODELS=${MODELS:-fashion_resnet fashion_mobilenetv2 fashion_unet}
PARTS=${PARTS:-int8 bf16}
LIMIT_FLAG=()
[[ -n ${LIMIT:-} ]] && LIMIT_FLAG=(--limit "$LIMIT")
mkdir -p "$OUT"
for m in $MODELS; do
  data=fashion-mnist
  [[ $m == fashion_unet ]] && data=fashion-mnist-seg
  if [[ " $PARTS " == *" bf16 "* ]]; then
    for p in fp32 bf16; do
      "$QRT" build "models/$m.onnx" -o "$OUT/$m-cpu-$p.plan" --backend cpu --precision $p \
        --batch 1:100:100 --threads "$THREADS" >> "$OUT/$m-build.log" 2>&1 ||
        echo "$m: cpu $p build failed"
    done
    echo "== $m: cpu BF16 against cpu FP32"
    "$QRT" eval "$OUT/$m-cpu-fp32.plan" "$OUT/$m-cpu-bf16.plan" --names cpu-FP32,cpu-BF16 \
      --data "$data:test" --batch-size 100 --threads "$THREADS" "${LIMIT_FLAG[@]}" --compare \
      --json "$OUT/$m-bf16.json"
  fi
  [[ " $PARTS " == *" int8 "* ]] || continue
  "$QRT" build "models/$m.onnx" -o "$OUT/$m-reference-int8.plan" --precision int8 --batch 1:100:100 \
    --calib-data "$data:train" --calib-batch-size 32 --calib-batches 16 --calib-algo entropy \
    --calib-table "$OUT/$m.cache" --threads "$THREADS" > "$OUT/$m-build.log" 2>&1 ||
    { echo "$m: reference build failed"; tail -2 "$OUT/$m-build.log"; continue; }
  "$QRT" build "models/$m.onnx" -o "$OUT/$m-cpu-int8.plan" --backend cpu --precision int8 \
    --batch 1:100:100 --calib-table "$OUT/$m.cache" --threads "$THREADS" >> "$OUT/$m-build.log" 2>&1 ||
    { echo "$m: cpu build failed"; tail -2 "$OUT/$m-build.log"; continue; }
  echo "== $m"
  "$QRT" eval "$OUT/$m-reference-int8.plan" "$OUT/$m-cpu-int8.plan" --names reference-INT8,cpu-INT8 \
    --data "$data:test" --batch-size 100 --threads "$THREADS" "${LIMIT_FLAG[@]}" --compare \
    --json "$OUT/$m.json"
done
