#!/usr/bin/env bash
# The whole test suite: install, build with -Werror, run every test (unit, conformance, CLI,
# installed package + example), then the unit tests again under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_deps.sh
JOBS="$(nproc)"
echo "== Release build (-Werror)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DQRT_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
echo "== clang-format check"
scripts/format.sh --check
echo "== tests"
ctest --test-dir build -j"$JOBS" --output-on-failure
echo "== ASan+UBSan build"
# The CUDA backend is left out here: its kernels cannot run without a GPU, and nvcc would
# compile them a second time.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DQRT_WERROR=ON -DQRT_SANITIZE=ON \
  -DQRT_WITH_CUDA=OFF -DCMAKE_CXX_FLAGS="-O1" >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan -j"$JOBS" --output-on-failure -LE "slow|install"
