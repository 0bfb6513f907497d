#!/usr/bin/env python3
"""onnxruntime peer of bench/cpu_models.sh: FP32 and INT8 (a QDQ model from quantize_static,
calibrated on the same .npy the qrt INT8 engine is calibrated on), intra_op_num_threads = the
qrt thread count. Prints and writes JSON: {"model", "precision", "batch", "threads",
"mean_ms", "throughput"} per run.

Usage: cpu_ort.py MODEL.onnx CALIB.npy OUT.json --batch 64 --threads 2 [--iterations 10]
"""
import argparse
import json
import os
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process


class NpyReader(CalibrationDataReader):
    def __init__(self, name, data, batch):
        self.batches = [{name: data[i:i + batch]} for i in range(0, len(data), batch)]

    def get_next(self):
        return self.batches.pop(0) if self.batches else None


def time_session(path, x, name, threads, iterations, warmup):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    for _ in range(warmup):
        sess.run(None, {name: x})
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        sess.run(None, {name: x})
        times.append(time.perf_counter() - t)
    return 1000 * float(np.mean(times))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("calib")
    p.add_argument("out")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precisions", default="fp32,int8")
    a = p.parse_args()
    calib = np.load(a.calib).astype(np.float32)
    name = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"]).get_inputs()[0].name
    reps = -(-a.batch // len(calib))
    x = np.concatenate([calib] * reps)[:a.batch]
    records = []
    for precision in a.precisions.split(","):
        path = a.model
        if precision == "int8":
            base = os.path.splitext(a.out)[0]
            pre = base + ".pre.onnx"
            path = base + ".qdq.onnx"
            quant_pre_process(a.model, pre)
            quantize_static(pre, path, NpyReader(name, calib, 16), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                            per_channel=True)
        ms = time_session(path, x, name, a.threads, a.iterations, a.warmup)
        rec = {"model": os.path.basename(a.model), "engine": "onnxruntime " + ort.__version__,
               "precision": precision, "batch": a.batch, "threads": a.threads, "mean_ms": ms,
               "throughput": a.batch * 1000.0 / ms}
        print(json.dumps(rec))
        records.append(rec)
    with open(a.out, "w") as f:
        json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
