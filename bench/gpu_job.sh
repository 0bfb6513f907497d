#!/usr/bin/env bash
# Everything qrt checks and measures on a GPU machine, in one call (the device time is scarce):
# the CUDA test suite, the bundled Fashion-MNIST models in INT8 on the GPU against the CPU
# reference backend (same calibration table), and the model benchmark against PyTorch.
#   bench/gpu_job.sh OUT_DIR [parts...]   parts: info tests accuracy bench (default: all)
# Needs a bundle made on the build machine: scripts/bundle.sh build .bundle tests/qrt_cuda_tests
# and the Fashion-MNIST idx files in .fmnist/ (or FMNIST_DIR).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: gpu_job.sh OUT_DIR [parts...]}
shift
parts=${*:-info tests accuracy bench}
mkdir -p "$OUT"
R=".bundle/run.sh qrt"
FM=${FMNIST_DIR:-$PWD/.fmnist_small}
W=${WORK_DIR:-/tmp/qrt_gpu_job}
mkdir -p "$W"
has() { [[ " $parts " == *" $1 "* ]]; }

if has info; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv \
    > "$OUT/gpu_info.txt" 2>&1
  cat "$OUT/gpu_info.txt"
fi

if has tests; then
  echo "== CUDA tests"
  timeout 300 .bundle/run.sh qrt_cuda_tests --gtest_brief=1 > "$OUT/cuda_tests.log" 2>&1
  echo "qrt_cuda_tests exit $?"
  grep -E "^\[  (PASSED|FAILED|SKIPPED) |tests? ran|FAILED TEST" "$OUT/cuda_tests.log" | head -40
fi

if has accuracy; then
  echo "== Fashion-MNIST models: INT8 on the GPU vs the CPU reference (one calibration table)"
  for m in fashion_resnet fashion_mobilenetv2 fashion_unet; do
    data=fashion-mnist:$FM
    [[ $m == fashion_unet ]] && data=fashion-mnist-seg:$FM
    $R build models/$m.onnx -o "$W/$m-ref-int8.plan" --precision int8 --batch 1:100:100 \
      --calib-data "$data:train" --calib-batch-size 32 --calib-batches 16 --calib-algo entropy \
      --calib-table "$W/$m.cache" > "$W/$m-build.log" 2>&1 || tail -3 "$W/$m-build.log"
    for p in fp32 fp16 int8; do
      $R build models/$m.onnx -o "$W/$m-cuda-$p.plan" --backend cuda --precision $p \
        --batch 1:100:100 --calib-table "$W/$m.cache" --timing-cache "$W/$m-timing.json" \
        >> "$W/$m-build.log" 2>&1 || { echo "$m cuda $p build failed:"; tail -3 "$W/$m-build.log"; }
    done
    $R eval "$W/$m-ref-int8.plan" "$W/$m-cuda-fp32.plan" "$W/$m-cuda-fp16.plan" "$W/$m-cuda-int8.plan" \
      --names ref-INT8,cuda-FP32,cuda-FP16,cuda-INT8 --data "$data:test" --batch-size 100 \
      --json "$OUT/accuracy_$m.json" 2>&1 | tee "$OUT/accuracy_$m.txt" | tail -8
  done
fi

if has bench && [[ -x bench/gpu_models.sh ]]; then
  echo "== model benchmark (qrt vs PyTorch)"
  bench/gpu_models.sh "$R" "$OUT" 2>&1 | tee "$OUT/bench.log" | tail -40
fi
