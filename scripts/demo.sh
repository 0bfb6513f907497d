#!/usr/bin/env bash
# qrt's main job on the bundled models: install, build qrt, then build, run and bench the default
# CNN, and run the seed experiment (FP32 / FP16 / INT8 / QAT engines evaluated on Fashion-MNIST).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
QRT=build/qrt
echo "== qrt build / run / bench on models/fashion_cnn.onnx"
$QRT build models/fashion_cnn.onnx -o build/fashion_cnn.plan --batch 1:8:64
$QRT run build/fashion_cnn.plan --input models/fashion_sample.npy --output-dir build/demo_outputs
$QRT bench build/fashion_cnn.plan --batch 1,8,64 --iterations 20 --json build/demo_bench.json
echo
scripts/main_job.sh build/main_job
