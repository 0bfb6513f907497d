#!/usr/bin/env bash
# Installs what qrt needs to build and test, from Debian 12's packages. Idempotent.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libonnx-dev libprotobuf-dev protobuf-compiler   # reading ONNX models
  libcli11-dev nlohmann-json3-dev libxxhash-dev  # CLI parser, JSON/CBOR, plan checksums
  libjpeg62-turbo-dev libpng-dev zlib1g-dev      # image and idx datasets (JPEG, PNG, gzip)
  libdnnl-dev                                    # oneDNN: the cpu backend
  dataset-fashion-mnist                          # Fashion-MNIST idx files for eval and tests
  libgtest-dev libonnx-testdata                  # tests and ONNX's own conformance data
  clang-format
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "qrt: dependencies already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "qrt: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
