#!/usr/bin/env python3
"""The U-Net's INT8 PTQ with and without --calib-bias-correction over several calibration draws.

The segmentation counterpart of `tools/ptq_draws.py --splits val,test --no-ort`: for each draw
k (training canvases [512 k, 512 (k + 1)) of docs/fashion_seg_dataset.md), qrt's four
algorithms are built twice, without and with --calib-bias-correction, and evaluated (mean
Dice) on the first --limit test canvases and on --limit validation canvases (training canvases
50000 onwards, never in a calibration draw; the model was trained on training canvases).

    python3 tools/seg_bias_correction_draws.py --qrt build/qrt [--model models/fashion_unet.onnx]
        [--draws 0,1,2] [--limit 1000] [--backend cpu] [--threads 1] [--out build/seg_draws]

Prints one JSON line per draw and split ({engine: Dice}) and writes them to OUT/results.json.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402

ALGOS = ("minmax", "entropy", "percentile", "mse")
CALIB = 512


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        sys.exit(f"seg_bias_correction_draws.py: {' '.join(cmd)} failed:\n{r.stderr.strip()}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 1)[1])
    p.add_argument("--qrt", required=True)
    p.add_argument("--model", default="models/fashion_unet.onnx")
    p.add_argument("--draws", default="0,1,2", help="comma-separated draw indices")
    p.add_argument("--limit", type=int, default=1000, help="canvases per split")
    p.add_argument("--backend", default="cpu")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="build/seg_draws")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    train, _ = fashion_seg.load_split("train")
    val_x, val_y = os.path.join(args.out, "val.npy"), os.path.join(args.out, "val_masks.npy")
    if not os.path.exists(val_y):
        c, m = fashion_seg.make_canvases(train, args.limit, False, start=50000)
        np.save(val_x, fashion_seg.normalize(c)[:, None])
        np.save(val_y, m)
    splits = {"test": ["--data", "fashion-mnist-seg:test", "--limit", str(args.limit)],
              "val": ["--data", val_x, "--labels", val_y]}
    threads = ["--threads", str(args.threads)]
    fp32 = os.path.join(args.out, "fp32.plan")
    if not os.path.exists(fp32):
        run([args.qrt, "build", args.model, "-o", fp32, "--backend", args.backend,
             "--batch", "1:100:100"])
    results_path = os.path.join(args.out, "results.json")
    results = json.load(open(results_path)) if os.path.exists(results_path) else {}
    for i, draw in enumerate(int(d) for d in args.draws.split(",")):
        calib = os.path.join(args.out, f"draw{draw}.npy")
        c, _ = fashion_seg.make_canvases(train, CALIB, False, start=CALIB * draw)
        np.save(calib, fashion_seg.normalize(c)[:, None])
        plans, names = ([fp32], ["fp32"]) if i == 0 else ([], [])
        for tag, flags in (("base", []), ("bc", ["--calib-bias-correction"])):
            for algo in ALGOS:
                plan = os.path.join(args.out, f"draw{draw}-{algo}-{tag}.plan")
                run([args.qrt, "build", args.model, "-o", plan, "--backend", args.backend,
                     "--precision", "int8", "--calib-data", calib, "--calib-batch-size", "32",
                     "--calib-algo", algo, "--batch", "1:100:100", *threads, *flags])
                plans.append(plan)
                names.append(f"{algo}-{tag}")
        for split, data in splits.items():
            report = os.path.join(args.out, f"draw{draw}-{split}.json")
            run([args.qrt, "eval", *plans, *data, "--batch-size", "100", *threads,
                 "--names", ",".join(names), "--json", report])
            with open(report) as f:
                rows = json.load(f)["results"]
            results[f"{draw}-{split}"] = {r["scheme"]: r["dice"] for r in rows}
            print(draw, split, json.dumps(results[f"{draw}-{split}"]), flush=True)
        with open(results_path, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
