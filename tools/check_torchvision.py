#!/usr/bin/env python3
"""Runs the exported torchvision models through qrt and compares with PyTorch's outputs.

    /usr/bin/python3 tools/export_torchvision.py --out models/torchvision
    /usr/bin/python3 tools/check_torchvision.py --models-dir models/torchvision --qrt build/qrt \
        [--json build/torchvision.json]
For each model: builds a plan, runs it on the stored input, reports max |y - ref| / max |ref|,
and times it with `qrt bench` (batch 1). Prints a markdown table.

Partitioned engines: --backend, --disable-ops and --min-subgraph-size go to `qrt build`, and the
table gets the subgraph count from `qrt inspect`, e.g.
    ... check_torchvision.py --models resnet18 --backend cpu,reference \
        --disable-ops GlobalAveragePool
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
    ap.add_argument("--models", help="comma-separated model names (default: every .onnx)")
    ap.add_argument("--backend", help="qrt build --backend (backends in order of preference)")
    ap.add_argument("--disable-ops", help="qrt build --disable-ops (op types off the first backend)")
    ap.add_argument("--min-subgraph-size", type=int, help="qrt build --min-subgraph-size")
    args = ap.parse_args()
    names = sorted(f[:-5] for f in os.listdir(args.models_dir) if f.endswith(".onnx"))
    if args.models:
        wanted = args.models.split(",")
        missing = [m for m in wanted if m not in names]
        if missing:
            sys.exit(f"check_torchvision.py: no {', '.join(missing)} in {args.models_dir}")
        names = wanted
    build_flags = []
    if args.backend:
        build_flags += ["--backend", args.backend]
    if args.disable_ops:
        build_flags += ["--disable-ops", args.disable_ops]
    if args.min_subgraph_size is not None:
        build_flags += ["--min-subgraph-size", str(args.min_subgraph_size)]
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            base = os.path.join(args.models_dir, name)
            plan = os.path.join(tmp, name + ".plan")
            row = {"model": name}
            try:
                subprocess.run([args.qrt, "build", base + ".onnx", "-o", plan, "--batch", "1:1:8"]
                               + build_flags, check=True, capture_output=True, text=True)
                inspect = subprocess.run([args.qrt, "inspect", plan], check=True,
                                         capture_output=True, text=True).stdout
                # "subgraphs (N):" then a header line and one "  ID  BACKEND  LAYERS  PRECISION"
                # line per subgraph.
                lines = inspect.splitlines()
                at = next(i for i, l in enumerate(lines) if l.startswith("subgraphs ("))
                count = int(lines[at].split("(")[1].split(")")[0])
                row["subgraphs"] = count
                row["backends"] = "/".join(l.split()[1] for l in lines[at + 2:at + 2 + count])
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
    print("| model | subgraphs | max relative error | pass (<= %g) | latency, batch 1 (ms, median) |" % args.tolerance)
    print("|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['model']} | | error: {r['error']} | no | |")
        else:
            print(f"| {r['model']} | {r['subgraphs']} ({r['backends']}) | {r['max_rel_error']:.2e} | {'yes' if r['pass'] else 'NO'} | {r['latency_ms_median']:.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
