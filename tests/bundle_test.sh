#!/usr/bin/env bash
# The deployable bundle: scripts/bundle.sh makes a folder whose bin/qrt runs without any library
# path set (RPATH $ORIGIN/../lib) and builds and runs a model.
set -euo pipefail
src=$1
build=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$src/scripts/bundle.sh" "$build" "$out/bundle" >/dev/null
[[ -x $out/bundle/bin/qrt && -x $out/bundle/run.sh ]]
readelf -d "$out/bundle/bin/qrt" | grep -q 'RUNPATH.*\$ORIGIN/../lib'
# Only libraries the bundle ships (or the system's C/C++ runtime, CUDA and cuDNN) are needed.
env -u LD_LIBRARY_PATH "$out/bundle/bin/qrt" build "$src/models/fashion_cnn.onnx" -o "$out/m.plan" >/dev/null
env -u LD_LIBRARY_PATH "$out/bundle/bin/qrt" inspect "$out/m.plan" | grep -q "fashion_cnn"
echo "bundle ok: $(du -sh "$out/bundle" | cut -f1)"
