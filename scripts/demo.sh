#!/usr/bin/env bash
# qrt's main job on the bundled default model: install, build qrt, build an engine, run it, bench it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
QRT=build/qrt
echo "== qrt build"
$QRT build models/fashion_cnn.onnx -o build/fashion_cnn.plan --batch 1:8:64
echo "== qrt run (8 Fashion-MNIST test images; labels: $(python3 -c 'import numpy; print(list(numpy.load("models/fashion_sample_labels.npy")))' 2>/dev/null || echo 'see models/'))"
$QRT run build/fashion_cnn.plan --input models/fashion_sample.npy --output-dir build/demo_outputs
echo "== qrt bench"
$QRT bench build/fashion_cnn.plan --batch 1,8,64 --iterations 20 --json build/demo_bench.json
