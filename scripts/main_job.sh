#!/usr/bin/env bash
# qrt's main job, the seed experiment: for the bundled classifier and segmenter, build FP32, FP16,
# INT8 (entropy, minmax, percentile calibration on 512 training images) and, for the classifier,
# the QAT model's INT8 engine; evaluate each on the Fashion-MNIST test set and print the summary
# table (metric, deviation from FP32, samples/s). Runs on the CPU reference backend.
#   scripts/main_job.sh [OUT_DIR]     env: QRT=build/qrt, CLS_LIMIT=10000, SEG_LIMIT=10000
# The whole job is about 950 CPU-seconds, 586 s on two nearly idle cores (docs/accuracy.md, "The
# main job"); on shared cores SEG_LIMIT=2000 (about 340 CPU-seconds) keeps it within 10 minutes,
# and the table then says the segmenter was subsampled.
set -euo pipefail
cd "$(dirname "$0")/.."
QRT="${QRT:-build/qrt}"
OUT="${1:-build/main_job}"
CLS_LIMIT="${CLS_LIMIT:-10000}"
SEG_LIMIT="${SEG_LIMIT:-10000}"
BATCH=100
mkdir -p "$OUT"
start=$(date +%s)

build_all() {  # name model calib-spec
  local name="$1" model="$2" calib="$3"
  "$QRT" build "$model" -o "$OUT/$name-fp32.plan" --batch 1:$BATCH:$BATCH >/dev/null
  "$QRT" build "$model" -o "$OUT/$name-fp16.plan" --batch 1:$BATCH:$BATCH --precision fp16 >/dev/null
  for algo in entropy minmax percentile; do
    "$QRT" build "$model" -o "$OUT/$name-int8-$algo.plan" --batch 1:$BATCH:$BATCH --precision int8 \
      --calib-data "$calib" --calib-batch-size 32 --calib-batches 16 --calib-algo "$algo" \
      --calib-table "$OUT/$name-$algo.cache" 2>/dev/null >/dev/null
  done
}

echo "== building engines (calibration: first 512 training images)"
build_all classifier models/fashion_resnet.onnx fashion-mnist:train
"$QRT" build models/fashion_resnet_qat.onnx -o "$OUT/classifier-qat-int8.plan" --batch 1:$BATCH:$BATCH --precision int8 >/dev/null
build_all segmenter models/fashion_unet.onnx fashion-mnist-seg:train

echo
echo "== classifier (ResNet-style, models/fashion_resnet.onnx): Fashion-MNIST test, first $CLS_LIMIT images"
"$QRT" eval "$OUT"/classifier-{fp32,fp16,int8-entropy,int8-minmax,int8-percentile,qat-int8}.plan \
  --names FP32,FP16,INT8-entropy,INT8-minmax,INT8-percentile,QAT-INT8 \
  --data fashion-mnist:test --batch-size $BATCH --limit "$CLS_LIMIT" --json "$OUT/classifier.json"
echo
seg_note=""
[ "$SEG_LIMIT" -lt 10000 ] && seg_note=" (subsampled for time; SEG_LIMIT=10000 evaluates all)"
echo "== segmenter (U-Net, models/fashion_unet.onnx): Fashion-MNIST canvases, first $SEG_LIMIT of 10000$seg_note"
"$QRT" eval "$OUT"/segmenter-{fp32,fp16,int8-entropy,int8-minmax,int8-percentile}.plan \
  --names FP32,FP16,INT8-entropy,INT8-minmax,INT8-percentile \
  --data fashion-mnist-seg:test --batch-size $BATCH --limit "$SEG_LIMIT" --json "$OUT/segmenter.json"
echo
# CPU time of the engines (user, system): with other jobs on the cores, wall time overstates.
times >"$OUT/cpu_times.txt"  # a builtin in this shell: $(times) would count a subshell's
cpu=$(tail -1 "$OUT/cpu_times.txt")
echo "main job done in $(( $(date +%s) - start )) s (CPU reference backend, $(nproc) cores; CPU time user/sys $cpu); results in $OUT"
