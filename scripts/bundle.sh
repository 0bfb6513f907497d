#!/usr/bin/env bash
# Makes a self-contained folder of qrt for a GPU machine that has only the NVIDIA driver, the
# CUDA libraries (cuBLASLt) and cuDNN: bin/ (qrt and the given test binaries), lib/ (libqrt and
# every shared library they need that is not part of glibc, libstdc++ or CUDA/cuDNN), and
# run.sh, which sets the library path and runs a bundled program.
#   scripts/bundle.sh BUILD_DIR OUT_DIR [extra binaries relative to BUILD_DIR...]
# PACK=1 also writes OUT_DIR.tar.xz (oneDNN makes the folder ~75 MB; packed ~13 MB), which
# unpacks anywhere with `tar xJf` or Python's tarfile.
set -euo pipefail
build=${1:?usage: bundle.sh BUILD_DIR OUT_DIR [binaries...]}
out=${2:?usage: bundle.sh BUILD_DIR OUT_DIR [binaries...]}
shift 2
rm -rf "$out"
# qrt and libqrt as installed: RPATH $ORIGIN/../lib, so bin/qrt runs without run.sh wherever
# cuDNN and cuBLASLt are on the system's library path.
cmake --install "$build" --prefix "$out" --component Unspecified >/dev/null
rm -rf "$out/include" "$out/lib/cmake"
mkdir -p "$out/bin" "$out/lib"
bins=("$@")
for b in "${bins[@]}"; do
  [[ "$b" = /* ]] || [[ -e "$b" ]] || b="$build/$b"
  [[ -e "$b" ]] || { echo "bundle.sh: $b not found" >&2; exit 1; }
  cp "$b" "$out/bin/"
done
# Libraries the GPU machine provides itself, or that must match its driver: left out.
system='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|librt\.|libpthread\.|libgcc_s\.|libstdc\+\+\.|libcuda\.|libcudnn|libcublas|libnvidia|libnvrtc|libcudart)'
for f in "$out"/bin/* "$out"/lib/libqrt.so.0; do
  LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$f" | awk '/=>/ {print $1, $3}' |
    while read -r name path; do
      [[ "$name" =~ $system ]] && continue
      [[ -e "$out/lib/$name" ]] || cp -L "$path" "$out/lib/$name"
    done
done
# Symbols are not needed to run: a deployable bundle stays small.
strip --strip-unneeded "$out"/lib/* "$out"/bin/* 2>/dev/null || true
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs a bundled program: run.sh qrt build ... | run.sh qrt_cuda_tests ...
here=$(cd "$(dirname "$0")" && pwd)
prog=$1
shift
cuda_libs=/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib:/usr/lib/x86_64-linux-gnu
export LD_LIBRARY_PATH="$here/lib:$cuda_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$here/bin/$prog" "$@"
RUN
chmod +x "$out/run.sh"
# The commit the bundle was built from (the GPU machine's copy of the tree may carry stale git
# metadata): bench/gpu_models.sh records it.
git -C "$(dirname "$0")/.." describe --always --dirty > "$out/COMMIT" 2>/dev/null || rm -f "$out/COMMIT"
du -sh "$out" | awk '{print "bundle: " $1 " in '"$out"'"}'
if [[ -n "${PACK:-}" ]]; then
  tar cJf "$out.tar.xz" -C "$(dirname "$out")" "$(basename "$out")"
  du -sh "$out.tar.xz" | awk '{print "packed: " $1 " in " $2}'
fi
