#!/usr/bin/env bash
# The GPU benchmark of issue 4: exports ResNet-50, MobileNetV2 (3x224x224) and the U-Net
# (1x512x512 -> 2 classes), builds each with qrt in FP32, FP16 and INT8, and times them in the
# same run against PyTorch (eager FP32 with TF32 off, FP16 channels_last + CUDA graph, and
# torch.compile if asked), checks each engine's output against PyTorch FP32, prints one table
# and writes JSON. A failing step is reported ("failed" in the table) and the run goes on.
#
# Usage: bench/gpu_models.sh QRT_RUN OUT_DIR        (from any directory)
#   QRT_RUN  command prefix that runs the qrt CLI: '.bundle/run.sh qrt' (GPU machine), 'build/qrt'
#   OUT_DIR  results: results.json (all records), report.md (for docs/benchmarks.md), meta.json,
#            logs/ (every step's output), qrt/ and torch/ (raw JSON), cache/ (timing caches)
# Environment (defaults in brackets):
#   MODELS ["resnet50 mobilenetv2 unet512"]  PRECISIONS ["fp32 fp16 int8"]
#   BATCHES ["1 8 64 256"]  UNET_BATCHES ["1 8 16"]: 64 x 64 channels x 512 x 512 in fp32 is
#            4 GiB per activation, so the U-Net stops at 16
#   OPT_BATCH [the largest batch]: the batch the tactics are timed at
#   ITER [50] timed runs per batch, HEAVY_ITER [20] for batches >= HEAVY_FROM [128]
#            (U-Net: >= UNET_HEAVY_FROM [8]), WARMUP [5], DURATION [0] minimum seconds (qrt)
#   CALIB_N [512] calibration images (U-Net: UNET_CALIB_N [64]), CALIB_BATCH [32]
#   BACKEND [cuda]: qrt backends (reference: a CPU smoke run; no compute-only timing then)
#   TORCH [1] run the PyTorch peers; TORCH_COMPILE [0] also torch.compile (COMPILE_MODE
#            [max-autotune-no-cudagraphs], COMPILE_TIMEOUT [300] s per model)
#   QUICK=1  batches 1 and 8, few iterations, 64 calibration images (16 for the U-Net)
#   SMALL=1  64x64 inputs for every model (a CPU smoke run)
#   WORK_DIR [${TMPDIR:-/tmp}/qrt_gpu_bench] models, data and plans (large; kept out of OUT_DIR)
#   REUSE_EXPORTS [0] keep the exports already in WORK_DIR
#   BUDGET_S [540] steps not started by then are skipped, DEADLINE_S [580] steps still
#            running then are stopped: the report always comes (0: no limits); and per step
#            BUILD_TIMEOUT [240], BENCH_TIMEOUT [180], TORCH_TIMEOUT [300], EXPORT_TIMEOUT [300] s
#   KEEP_TIMING_CACHE [0] keep OUT_DIR/cache from an earlier run (default: build times include
#            timing every tactic)
#   PYTHON [the first of python3, /opt/torch/.venv/bin/python3, /usr/bin/python3 that has
#            torch] with torch, torchvision, onnx and numpy
set -uo pipefail

usage() { sed -n '/^# Usage/,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
[[ $# -eq 2 ]] || usage
read -ra QRT <<<"$1"
OUT_DIR=$2

QUICK=${QUICK:-0}
SMALL=${SMALL:-0}
if [[ $QUICK == 1 ]]; then
  : "${BATCHES:=1 8}" "${UNET_BATCHES:=1 8}" "${ITER:=10}" "${HEAVY_ITER:=5}" "${WARMUP:=2}"
  : "${CALIB_N:=64}" "${UNET_CALIB_N:=16}"
fi
MODELS=${MODELS:-resnet50 mobilenetv2 unet512}
PRECISIONS=${PRECISIONS:-fp32 fp16 int8}
BATCHES=${BATCHES:-1 8 64 256}
UNET_BATCHES=${UNET_BATCHES:-1 8 16}
ITER=${ITER:-50}
HEAVY_ITER=${HEAVY_ITER:-20}
HEAVY_FROM=${HEAVY_FROM:-128}
UNET_HEAVY_FROM=${UNET_HEAVY_FROM:-8}
WARMUP=${WARMUP:-5}
DURATION=${DURATION:-0}
CALIB_N=${CALIB_N:-512}
UNET_CALIB_N=${UNET_CALIB_N:-64}
CALIB_BATCH=${CALIB_BATCH:-32}
BACKEND=${BACKEND:-cuda}
TORCH=${TORCH:-1}
TORCH_COMPILE=${TORCH_COMPILE:-0}
COMPILE_MODE=${COMPILE_MODE:-max-autotune-no-cudagraphs}
COMPILE_TIMEOUT=${COMPILE_TIMEOUT:-300}
WORK_DIR=${WORK_DIR:-${TMPDIR:-/tmp}/qrt_gpu_bench}
REUSE_EXPORTS=${REUSE_EXPORTS:-0}
BUDGET_S=${BUDGET_S:-540}
DEADLINE_S=${DEADLINE_S:-580}
KEEP_TIMING_CACHE=${KEEP_TIMING_CACHE:-0}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-240}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}
TORCH_TIMEOUT=${TORCH_TIMEOUT:-300}
EXPORT_TIMEOUT=${EXPORT_TIMEOUT:-300}
# The first Python that has torch (the GPU machine's lives in a virtual environment).
if [[ -z ${PYTHON:-} ]]; then
  PYTHON=python3
  for p in python3 /opt/torch/.venv/bin/python3 /usr/bin/python3; do
    if "$p" -c 'import torch' 2>/dev/null; then
      PYTHON=$p
      break
    fi
  done
fi
root=$(cd "$(dirname "$0")/.." && pwd)
SIZE=0
[[ $SMALL == 1 ]] && SIZE=64
GPU=0
[[ ,$BACKEND, == *,cuda,* ]] && GPU=1

models_dir=$WORK_DIR/models
mkdir -p "$OUT_DIR"/{logs,qrt,torch,cache} "$models_dir" || exit 1
rm -rf "$WORK_DIR/plans" "$WORK_DIR/outputs" "$OUT_DIR"/qrt/* "$OUT_DIR"/torch/* \
  "$OUT_DIR"/logs/*
mkdir -p "$WORK_DIR/plans" "$WORK_DIR/outputs"
[[ $KEEP_TIMING_CACHE == 1 ]] || rm -f "$OUT_DIR"/cache/*
SECONDS=0

say() { printf '[%4ds] %s\n' "$SECONDS" "$*"; }
# A step may start while the time budget lasts: later steps are skipped, the report still comes.
in_budget() {
  ((BUDGET_S <= 0 || SECONDS < BUDGET_S)) && return 0
  say "skipped (time budget of ${BUDGET_S} s spent): $*"
  return 1
}
# Runs a step under its own time limit, cut to what is left before DEADLINE_S.
limit() {
  local t=$1
  shift
  if ((BUDGET_S > 0 && DEADLINE_S - SECONDS < t)); then
    t=$((DEADLINE_S - SECONDS))
    ((t < 1)) && t=1
  fi
  timeout "$t" "$@"
}
# JSON from key=value arguments (values are strings unless they parse as numbers).
write_json() {
  local file=$1
  shift
  "$PYTHON" - "$@" >"$file" <<'EOF'
import json, sys
def value(v):
    try:
        return float(v) if any(c in v for c in ".e") else int(v)
    except ValueError:
        return v
print(json.dumps({k: value(v) for k, v in (a.split("=", 1) for a in sys.argv[1:])}, indent=1))
EOF
}
last_line() { grep -v '^\s*$' "$1" | tail -n 1 | cut -c1-300; }
now() { date +%s.%N; }
why() { if (($1 == 124)); then echo "timed out"; else echo "rc $1"; fi; }
elapsed() { "$PYTHON" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.2f}")' "$1" "$2"; }
join_commas() { local IFS=,; echo "$*"; }

# --- meta -------------------------------------------------------------------------------------
gpu_name=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n 1)
write_json "$OUT_DIR/meta.json" date="$(date -u '+%Y-%m-%d %H:%M UTC')" gpu="${gpu_name:-none}" \
  qrt_version="$("${QRT[@]}" --version 2>&1 | head -n 1)" \
  commit="$(cat "$(dirname "${QRT[0]}")/COMMIT" 2>/dev/null ||
    git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  command="$(printf '%s ' "QUICK=$QUICK SMALL=$SMALL BACKEND=$BACKEND TORCH_COMPILE=$TORCH_COMPILE" \
    bench/gpu_models.sh "'$1'" "$OUT_DIR")" \
  backend="$BACKEND" models="$MODELS" precisions="$PRECISIONS" batches="$BATCHES" unet_batches="$UNET_BATCHES" iterations="$ITER" \
  heavy_iterations="$HEAVY_ITER" warmup="$WARMUP" calib_n="$CALIB_N" unet_calib_n="$UNET_CALIB_N" \
  size="$SIZE" host="$(cat /proc/sys/kernel/hostname 2>/dev/null)" python="$PYTHON"
say "qrt: ${QRT[*]} ($BACKEND); GPU: ${gpu_name:-none}; results in $OUT_DIR, models in $WORK_DIR"

# --- export -----------------------------------------------------------------------------------
to_export=()
for m in $MODELS; do
  [[ $REUSE_EXPORTS == 1 && -f $models_dir/$m.onnx && -f $models_dir/$m.json ]] || to_export+=("$m")
done
if ((${#to_export[@]})); then
  say "export ${to_export[*]}"
  for m in "${to_export[@]}"; do rm -f "$models_dir/$m.onnx" "$models_dir/$m.json"; done
  limit "$EXPORT_TIMEOUT" "$PYTHON" "$root/tools/export_gpu_bench_models.py" --out "$models_dir" \
    --models "$(join_commas "${to_export[@]}")" --size "$SIZE" --calib-n "$CALIB_N" \
    --unet-calib-n "$UNET_CALIB_N" >"$OUT_DIR/logs/export.log" 2>&1 ||
    say "export FAILED ($(why $?)): $(last_line "$OUT_DIR/logs/export.log")"
  grep -E '^[a-z0-9]+: ' "$OUT_DIR/logs/export.log" | sed 's/^/         /'
fi

# --- per model: PyTorch peers, then qrt builds, benchmarks and output checks -------------------
qrt_bench() {  # mode plan json_prefix log iterations batch...: one call, else one per batch
  local mode=$1 plan=$2 prefix=$3 log=$4 iters=$5
  shift 5
  local extra=(--iterations "$iters" --warmup "$WARMUP" --duration "$DURATION")
  [[ $mode == compute ]] && extra+=(--no-data-transfers)
  limit "$BENCH_TIMEOUT" "${QRT[@]}" bench "$plan" --batch "$(join_commas "$@")" "${extra[@]}" \
    --json "$prefix.json" >>"$log" 2>&1 && return 0
  rm -f "$prefix.json"
  (($# > 1)) || return 1
  local b failed=0
  for b in "$@"; do  # keep the batch sizes that work
    limit "$BENCH_TIMEOUT" "${QRT[@]}" bench "$plan" --batch "$b" "${extra[@]}" \
      --json "$prefix.b$b.json" >>"$log" 2>&1 || failed=1
  done
  ((!failed))
}

for m in $MODELS; do
  onnx=$models_dir/$m.onnx
  if [[ $m == unet512 ]]; then
    read -ra batches <<<"$UNET_BATCHES"
    heavy_from=$UNET_HEAVY_FROM
  else
    read -ra batches <<<"$BATCHES"
    heavy_from=$HEAVY_FROM
  fi
  max_batch=$(printf '%s\n' "${batches[@]}" | sort -n | tail -n 1)
  opt_batch=${OPT_BATCH:-$max_batch}
  ((opt_batch > max_batch)) && opt_batch=$max_batch
  light=() heavy=()
  for b in "${batches[@]}"; do
    if ((b >= heavy_from)); then heavy+=("$b"); else light+=("$b"); fi
  done
  if [[ ! -f $onnx ]]; then
    say "$m: no model (export failed), skipped"
    continue
  fi

  if [[ $TORCH == 1 ]] && in_budget "$m torch"; then
    log=$OUT_DIR/logs/$m.torch.log
    limit "$TORCH_TIMEOUT" "$PYTHON" "$root/bench/torch_peers.py" --models-dir "$models_dir" --model "$m" \
      --batches "$(join_commas "${batches[@]}")" --modes eager,graph --iterations "$ITER" \
      --heavy-iterations "$HEAVY_ITER" --heavy-from "$heavy_from" --warmup "$WARMUP" \
      --json "$OUT_DIR/torch/$m.json" >"$log" 2>&1 || say "$m torch: FAILED ($(why $?)): $(last_line "$log")"
    say "$m torch: $(grep -c 'images/s' "$log") runs timed ($log)"
    if [[ $TORCH_COMPILE == 1 ]] && in_budget "$m torch.compile"; then
      log=$OUT_DIR/logs/$m.torch_compile.log
      limit "$COMPILE_TIMEOUT" "$PYTHON" "$root/bench/torch_peers.py" --models-dir "$models_dir" \
        --model "$m" --batches "$(join_commas "${batches[@]}")" --modes compile \
        --compile-mode "$COMPILE_MODE" --iterations "$ITER" --heavy-iterations "$HEAVY_ITER" \
        --heavy-from "$heavy_from" --warmup "$WARMUP" --json "$OUT_DIR/torch/$m.compile.json" \
        >"$log" 2>&1 || say "$m torch.compile: FAILED ($(why $?)): $(last_line "$log")"
      say "$m torch.compile: $(grep -c 'images/s' "$log") runs timed ($log)"
    fi
  fi

  for p in $PRECISIONS; do
    if ! in_budget "$m $p"; then
      write_json "$OUT_DIR/qrt/$m.$p.build.json" kind=build model="$m" precision="$p" \
        status=skipped build_s=0 error="time budget spent"
      continue
    fi
    plan=$WORK_DIR/plans/$m.$p.plan
    log=$OUT_DIR/logs/$m.$p.build.log
    flags=(--backend "$BACKEND" --precision "$p" --batch "1:$opt_batch:$max_batch" -o "$plan")
    ((GPU)) && flags+=(--timing-cache "$OUT_DIR/cache/$m.timing.json")
    [[ $p == int8 ]] && flags+=(--calib-data "$models_dir/$m.calib.npy" --calib-algo entropy
      --calib-batch-size "$CALIB_BATCH")
    echo "${QRT[*]} build $onnx ${flags[*]}" >"$log"
    t0=$(now)
    limit "$BUILD_TIMEOUT" "${QRT[@]}" build "$onnx" "${flags[@]}" >>"$log" 2>&1
    rc=$?
    build_s=$(elapsed "$t0" "$(now)")
    reported=$(sed -n 's/^built .* in \([0-9.e+-]*\) s:.*/\1/p' "$log" | tail -n 1)
    status=ok
    ((rc == 0)) || status=failed
    ((rc == 124)) && status="timed out"
    write_json "$OUT_DIR/qrt/$m.$p.build.json" kind=build model="$m" precision="$p" \
      status="$status" rc="$rc" build_s="$build_s" build_s_reported="${reported:-}" \
      batch_profile="1:$opt_batch:$max_batch" error="$( ((rc)) && last_line "$log")"
    if ((rc)); then
      say "$m $p build: FAILED ($(why $rc), $build_s s): $(last_line "$log")"
      continue
    fi
    say "$m $p build: $build_s s (qrt: ${reported:-?} s)"

    log=$OUT_DIR/logs/$m.$p.bench.log
    : >"$log"
    modes=(e2e)
    ((GPU)) && modes+=(compute)
    for mode in "${modes[@]}"; do
      ((${#light[@]})) && { qrt_bench "$mode" "$plan" "$OUT_DIR/qrt/$m.$p.$mode.light" "$log" "$ITER" \
        "${light[@]}" || say "$m $p bench ($mode, batch ${light[*]}): FAILED: $(last_line "$log")"; }
      ((${#heavy[@]})) && { qrt_bench "$mode" "$plan" "$OUT_DIR/qrt/$m.$p.$mode.heavy" "$log" \
        "$HEAVY_ITER" "${heavy[@]}" ||
        say "$m $p bench ($mode, batch ${heavy[*]}): FAILED: $(last_line "$log")"; }
    done
    say "$m $p bench: done ($log)"

    log=$OUT_DIR/logs/$m.$p.check.log
    outdir=$WORK_DIR/outputs/$m.$p
    if limit "$BENCH_TIMEOUT" "${QRT[@]}" run "$plan" -i "$models_dir/$m.check_input.npy" \
      -d "$outdir" >"$log" 2>&1; then
      classifier=()
      "$PYTHON" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["classifier"] else 1)' \
        "$models_dir/$m.json" && classifier=(--classifier)
      "$PYTHON" "$root/bench/gpu_report.py" accuracy --reference "$models_dir/$m.check_torch_fp32.npy" \
        --output "$outdir/output.npy" --model "$m" --precision "$p" "${classifier[@]}" \
        --json "$OUT_DIR/qrt/$m.$p.accuracy.json" >>"$log" 2>&1
      say "$m $p vs PyTorch FP32: $(last_line "$log")"
    else
      write_json "$OUT_DIR/qrt/$m.$p.accuracy.json" kind=accuracy model="$m" precision="$p" \
        status=failed error="$(last_line "$log")"
      say "$m $p run: FAILED: $(last_line "$log")"
    fi
  done
done

# --- report -----------------------------------------------------------------------------------
echo
"$PYTHON" "$root/bench/gpu_report.py" report "$OUT_DIR"
