#!/usr/bin/env bash
# Installs qrt into a temporary prefix, builds examples/ against it with find_package(qrt) and
# runs the example on the bundled model.
set -euo pipefail
src="$1"; bin="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$bin" --prefix "$work/prefix" >/dev/null
cmake -S "$src/examples" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
out="$("$work/build/build_and_run" "$src/models/fashion_cnn.onnx" "$work/model.plan")"
echo "$out"
grep -q "logits \[2,10\]" <<<"$out"
test -s "$work/model.plan"
