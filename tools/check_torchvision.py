#!/usr/bin/env python3
"""Runs the exported torchvision models through qrt and compares with PyTorch's outputs.

    /usr/bin/python3 tools/export_torchvision.py --out models/torchvision
    /usr/bin/python3 tools/check_torchvision.py --models-dir models/torchvision --qrt build/qrt \
        [--json build/torchvision.json]
For each model: builds a plan, runs it on the stored input, reports max |y - ref| / max |ref|,
and times it with `qrt bench` (batch 1). Prints a markdown table.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models-dir", default="models/torchvision")
    ap.add_argument("--qrt", default="build/qrt")
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    names = sorted(f[:-5] for f in os.listdir(args.models_dir) if f.endswith(".onnx"))
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            base = os.path.join(args.models_dir, name)
            plan = os.path.join(tmp, name + ".plan")
            row = {"model": name}
            try:
                subprocess.run([args.qrt, "build", base + ".onnx", "-o", plan, "--batch", "1:1:8"],
                               check=True, capture_output=True, text=True)
                out_dir = os.path.join(tmp, name)
                subprocess.run([args.qrt, "run", plan, "--input", base + ".input.npy",
                                "--output-dir", out_dir], check=True, capture_output=True, text=True)
                y = np.load(os.path.join(out_dir, "output.npy"))
                ref = np.load(base + ".output.npy")
                row["max_rel_error"] = float(np.abs(y - ref).max() / np.abs(ref).max())
                bench_json = os.path.join(tmp, name + ".bench.json")
                subprocess.run([args.qrt, "bench", plan, "--batch", "1", "--iterations",
                                str(args.iterations), "--warmup", "1", "--json", bench_json],
                               check=True, capture_output=True, text=True)
                with open(bench_json) as f:
                    row["latency_ms_median"] = json.load(f)["results"][0]["latency_ms"]["median"]
                row["pass"] = row["max_rel_error"] <= args.tolerance
            except subprocess.CalledProcessError as e:
                row["error"] = (e.stderr or e.stdout).strip().splitlines()[-1]
                row["pass"] = False
            ok &= row["pass"]
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    print("| model | max relative error | pass (<= %g) | CPU latency, batch 1 (ms, median) |" % args.tolerance)
    print("|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['model']} | error: {r['error']} | no | |")
        else:
            print(f"| {r['model']} | {r['max_rel_error']:.2e} | {'yes' if r['pass'] else 'NO'} | {r['latency_ms_median']:.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
