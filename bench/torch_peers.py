#!/usr/bin/env python3
"""PyTorch peers of the GPU benchmark (bench/gpu_models.sh): one model, several batch sizes.

Loads the weights tools/export_gpu_bench_models.py saved (DIR/NAME.pt, the ones in NAME.onnx)
and times, on the GPU, with CUDA events around each run (warm-up first, median of the rest):
  eager     FP32 eager, TF32 off (cuDNN and matmul)
  graph     FP16, channels_last, the forward captured once per batch size in a CUDA graph with
            a static input, replayed
  compile   FP16, channels_last, torch.compile(mode=--compile-mode, dynamic=False); slow to
            compile (minutes per batch size with max-autotune): run it under a timeout
Results are rewritten to --json after every measurement, so a run cut short keeps what it had.
Without a GPU only 'eager' runs (on the CPU, wall-clock timing): a local smoke test.
"""
import argparse
import copy
import json
import math
import os
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from export_gpu_bench_models import make_model  # noqa: E402


def percentile(sorted_ms, p):
    # The same rank rule as qrt bench: the ceil(p% * n)-th smallest sample.
    k = max(1, math.ceil(p / 100.0 * len(sorted_ms)))
    return sorted_ms[min(len(sorted_ms), k) - 1]


def time_runs(fn, iterations, warmup, cuda):
    for _ in range(warmup):
        fn()
    samples = []
    if cuda:
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        for _ in range(iterations):
            start.record()
            fn()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
    else:
        for _ in range(iterations):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1e3)
    s = sorted(samples)
    return {"median": percentile(s, 50), "p99": percentile(s, 99), "mean": sum(s) / len(s),
            "min": s[0], "max": s[-1]}


class Runner:
    """Builds the callable to time for one mode and batch size; keeps what it must keep alive."""

    def __init__(self, name, models_dir, device, compile_mode):
        self.device = device
        self.compile_mode = compile_mode
        with open(os.path.join(models_dir, name + ".json")) as f:
            self.shape = json.load(f)["input_shape"]
        weights = os.path.join(models_dir, name + ".pt")
        self.fp32 = make_model(name, weights).to(device)
        self.fp16 = None
        self.compiled = None
        self.keep = None

    def half_model(self):
        if self.fp16 is None:
            self.fp16 = copy.deepcopy(self.fp32).half().to(memory_format=torch.channels_last)
        return self.fp16

    def make(self, mode, batch):
        x = torch.randn(batch, *self.shape, device=self.device)
        if mode == "eager":
            model = self.fp32
            return lambda: model(x)
        x = x.half().contiguous(memory_format=torch.channels_last)
        if mode == "graph":
            model = self.half_model()
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):  # warm-up off the capture stream, as the docs ask
                for _ in range(3):
                    model(x)
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                out = model(x)
            self.keep = (graph, x, out)
            return graph.replay
        if mode == "compile":
            if self.compiled is None:
                self.compiled = torch.compile(self.half_model(), mode=self.compile_mode,
                                              dynamic=False)
            model = self.compiled
            return lambda: model(x)
        raise ValueError(f"unknown mode '{mode}'")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--batches", default="1,8,64,256")
    ap.add_argument("--modes", default="eager,graph")
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--heavy-iterations", type=int, default=20)
    ap.add_argument("--heavy-from", type=int, default=128,
                    help="batch sizes from this one on get --heavy-iterations")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--compile-mode", default="max-autotune-no-cudagraphs")
    ap.add_argument("--no-cudnn-benchmark", action="store_true")
    ap.add_argument("--json", required=True)
    args = ap.parse_args()

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    # Let cuDNN pick its fastest algorithm per shape, as a tuned deployment would.
    torch.backends.cudnn.benchmark = cuda and not args.no_cudnn_benchmark
    gpu_name = torch.cuda.get_device_name() if cuda else "cpu"
    records = []

    def save():
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(records, f, indent=1)
        os.replace(tmp, args.json)

    runner = Runner(args.model, args.models_dir, device, args.compile_mode)
    precision = {"eager": "fp32", "graph": "fp16", "compile": "fp16"}
    engine = {"eager": "torch-eager", "graph": "torch-cudagraph", "compile": "torch-compile"}
    for mode in args.modes.split(","):
        for batch in (int(b) for b in args.batches.split(",")):
            rec = {"model": args.model, "engine": engine[mode], "precision": precision[mode],
                   "batch": batch, "device": gpu_name, "torch": torch.__version__}
            if mode != "eager" and not cuda:
                rec.update(status="skipped", error="needs a GPU")
                records.append(rec)
                continue
            iterations = args.heavy_iterations if batch >= args.heavy_from else args.iterations
            start = time.time()
            try:
                with torch.no_grad():
                    fn = runner.make(mode, batch)
                    lat = time_runs(fn, iterations, args.warmup, cuda)
                rec.update(status="ok", iterations=iterations, latency_ms=lat,
                           images_per_s=batch * 1e3 / lat["median"],
                           setup_and_run_s=round(time.time() - start, 2))
                print(f"{args.model} {engine[mode]} {precision[mode]} batch {batch}: "
                      f"{rec['images_per_s']:.1f} images/s, median {lat['median']:.3f} ms, "
                      f"p99 {lat['p99']:.3f} ms", flush=True)
            except Exception as e:  # noqa: BLE001 (OOM and compile failures are results too)
                traceback.print_exc()
                rec.update(status="failed", error=f"{type(e).__name__}: {e}".splitlines()[0])
                print(f"{args.model} {engine[mode]} batch {batch}: FAILED {rec['error']}",
                      flush=True)
            runner.keep = None
            if cuda:
                torch.cuda.empty_cache()
            records.append(rec)
            save()
    save()


if __name__ == "__main__":
    main()
