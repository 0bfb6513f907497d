#!/usr/bin/env python3
"""qrt's INT8 PTQ against onnxruntime's over several calibration sets, not just one.

One calibration set of 512 images decides a comparison that differs by a handful of the 10,000
test images (docs/accuracy.md). This repeats the side-by-side measurement on K disjoint sets,
draw k = Fashion-MNIST training images [512 k, 512 (k + 1)), so the difference between the two
tools can be told apart from which images happened to be drawn:

  - qrt: `qrt build --precision int8 --calib-data draw_k.npy --calib-algo A` for each of its
    algorithms, evaluated with `qrt eval` on the test split;
  - onnxruntime: tools/ort_ptq_baseline.py --calib-offset 512 k (quantize_static, QDQ,
    symmetric int8, per-channel weights; MinMax, Entropy, Percentile).

For each draw the best algorithm of each tool is taken (the issue's "best of the algorithms"),
and the table gives both, their difference, and the mean over the draws.

    python3 tools/ptq_draws.py --qrt build/qrt --model models/fashion_resnet.onnx \\
        [--draws 5] [--backend reference] [--threads 2] [--out build/draws] [--json r.json] \\
        [--build-flags=--calib-bias-correction] [--splits test,val] [--no-ort]

--build-flags adds flags to every qrt INT8 build (e.g. --calib-bias-correction). --splits picks
where qrt's engines are evaluated: test (the 10,000 test images) and/or val (training images
50000-59999, never in a calibration draw: the held-out split of tools/ptq_ablate.py); the
comparison with onnxruntime is on the test split (--no-ort skips onnxruntime).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402  (tools/fashion_seg.py, beside this script)

QRT_ALGOS = ("minmax", "entropy", "percentile", "mse")
FP32_TOP1 = {}  # split -> qrt FP32 top-1 (the same for every draw)
CALIB = 512


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"ptq_draws.py: {' '.join(cmd)} failed:\n{result.stderr.strip()}")
    return result.stdout


def split_data(args, split):
    """The qrt eval data flags of a split."""
    if split == "test":
        return ["--data", "fashion-mnist:test"]
    train, labels = fashion_seg.load_split("train")
    x, y = os.path.join(args.out, "val.npy"), os.path.join(args.out, "val_labels.npy")
    if not os.path.exists(y):
        np.save(x, fashion_seg.normalize(train[50000:])[:, None])
        np.save(y, labels[50000:].astype(np.int64))
    return ["--data", x, "--labels", y]


def qrt_draw(args, draw, calib_path):
    """{split: {algorithm: top-1}} of qrt's INT8 engines calibrated on calib_path, plus 'fp32'."""
    plans, names = [], []
    fp32 = os.path.join(args.out, "fp32.plan")
    if not os.path.exists(fp32):
        run([args.qrt, "build", args.model, "-o", fp32, "--backend", args.backend, "--batch", "1:100:100"])
    if draw == 0 or not FP32_TOP1:  # the FP32 engine needs no calibration: evaluated once
        plans.append(fp32)
        names.append("fp32")
    for algo in QRT_ALGOS:
        plan = os.path.join(args.out, f"draw{draw}-{algo}.plan")
        run([args.qrt, "build", args.model, "-o", plan, "--backend", args.backend,
             "--precision", "int8", "--calib-data", calib_path, "--calib-batch-size", "32",
             "--calib-algo", algo, "--threads", str(args.threads), "--batch", "1:100:100",
             *shlex.split(args.build_flags)])
        plans.append(plan)
        names.append(algo)
    out = {}
    for split in args.splits.split(","):
        report = os.path.join(args.out, f"draw{draw}-qrt-{split}.json")
        run([args.qrt, "eval", *plans, *split_data(args, split), "--batch-size", "100",
             "--threads", str(args.threads), "--names", ",".join(names), "--json", report])
        with open(report) as f:
            rows = json.load(f)["results"]
        out[split] = {r["scheme"]: r["top1"] for r in rows}  # qrt reports percent
        if "fp32" in out[split]:
            FP32_TOP1[split] = out[split]["fp32"]
        out[split]["fp32"] = FP32_TOP1[split]
    return out


def ort_draw(args, draw, split):
    """{method: top-1} of onnxruntime's quantize_static models on one split, plus 'fp32'."""
    report = os.path.join(args.out, f"draw{draw}-ort-{split}.json")
    run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "ort_ptq_baseline.py"),
         "--model", args.model, "--task", "classify", "--calib-samples", str(CALIB),
         "--calib-offset", str(CALIB * draw), "--threads", str(args.threads),
         "--eval-split", split, "--json", report])
    with open(report) as f:
        rows = json.load(f)["results"]
    return {r["scheme"].replace("ort-int8-", ""): 100.0 * r["metric"] for r in rows}


def best(scores):
    name = max((k for k in scores if k != "fp32"), key=lambda k: scores[k])
    return name, scores[name]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 1)[1])
    parser.add_argument("--qrt", required=True, help="the qrt binary")
    parser.add_argument("--model", required=True, help="a Fashion-MNIST classifier (ONNX)")
    parser.add_argument("--draws", type=int, default=5, help="disjoint calibration sets")
    parser.add_argument("--backend", default="reference", help="qrt backend of the engines")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="build/draws", help="plans, calibration sets, reports")
    parser.add_argument("--json", help="write the table here")
    parser.add_argument("--build-flags", default="", help="more flags for every qrt INT8 build")
    parser.add_argument("--splits", default="test", help="test and/or val, comma-separated")
    parser.add_argument("--no-ort", action="store_true", help="qrt only (no onnxruntime runs)")
    args = parser.parse_args()
    if not set(args.splits.split(",")) <= {"test", "val"}:
        parser.error("--splits takes test and/or val")
    if args.draws < 1 or args.draws * CALIB > 60000:
        parser.error(f"--draws must be between 1 and {60000 // CALIB}")
    os.makedirs(args.out, exist_ok=True)
    train, _ = fashion_seg.load_split("train")

    rows = []
    for draw in range(args.draws):
        calib_path = os.path.join(args.out, f"draw{draw}.npy")
        np.save(calib_path, fashion_seg.normalize(train[CALIB * draw:CALIB * (draw + 1)])[:, None])
        by_split = qrt_draw(args, draw, calib_path)
        ort_splits = {} if args.no_ort else {
            split: ort_draw(args, draw, split) for split in args.splits.split(",")}
        rows.append({"draw": draw, "qrt": by_split.get("test"), "qrt_splits": by_split,
                     "ort": ort_splits.get("test"), "ort_splits": ort_splits})
        for split, qrt in by_split.items():
            q_name, q_top1 = best(qrt)
            print(f"draw {draw} {split}: qrt {q_name} {q_top1:.2f} (" +
                  ", ".join(f"{k} {v:.2f}" for k, v in qrt.items()) + ")", file=sys.stderr)
        for split, ort in ort_splits.items():
            o_name, o_top1 = best(ort)
            print(f"draw {draw} {split}: onnxruntime {o_name} {o_top1:.2f}", file=sys.stderr)

    for split in args.splits.split(","):
        print(f"\n{split}: qrt per algorithm, top-1 % minus its FP32, per draw and mean")
        algos = [a for a in rows[0]["qrt_splits"][split] if a != "fp32"] + ["best"]
        print(f"{'algorithm':>10} " + " ".join(f"{'d' + str(r['draw']):>6}" for r in rows) +
              f" {'mean':>7}")
        for a in algos:
            d = []
            for r in rows:
                q = r["qrt_splits"][split]
                d.append((best(q)[1] if a == "best" else q[a]) - q["fp32"])
            print(f"{a:>10} " + " ".join(f"{v:>+6.2f}" for v in d) + f" {np.mean(d):>+7.3f}")
    result = {"model": args.model, "backend": args.backend, "build_flags": args.build_flags,
              "draws": rows}
    for split in ([] if args.no_ort else args.splits.split(",")):
        result.setdefault("mean_difference_by_split", {})[split] = side_by_side(rows, split)
        if split == "test":
            result["mean_difference"] = result["mean_difference_by_split"]["test"]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


def side_by_side(rows, split):
    """Prints qrt's best against onnxruntime's best per draw on one split; returns the mean
    difference in points."""
    print(f"\n{split}: best of each tool's algorithms per draw")
    header = (f"{'draw':>4}  {'images':>13}  {'qrt fp32':>8}  {'qrt best':>18}  "
              f"{'ort fp32':>8}  {'ort best':>18}  {'qrt - ort':>9}")
    print(header)
    print("-" * len(header))
    diffs, q_drops, o_drops = [], [], []
    for r in rows:
        qrt, ort = r["qrt_splits"][split], r["ort_splits"][split]
        q_name, q_top1 = best(qrt)
        o_name, o_top1 = best(ort)
        diffs.append(q_top1 - o_top1)
        q_drops.append(q_top1 - qrt["fp32"])
        o_drops.append(o_top1 - ort["fp32"])
        images = f"{CALIB * r['draw']}-{CALIB * (r['draw'] + 1) - 1}"
        print(f"{r['draw']:>4}  {images:>13}  {qrt['fp32']:>8.2f}  "
              f"{q_name + ' ' + format(q_top1, '.2f'):>18}  {ort['fp32']:>8.2f}  "
              f"{o_name + ' ' + format(o_top1, '.2f'):>18}  {diffs[-1]:>+9.2f}")
    print(f"mean: qrt best vs its FP32 {np.mean(q_drops):+.3f} points, onnxruntime best vs its "
          f"FP32 {np.mean(o_drops):+.3f}, qrt - onnxruntime {np.mean(diffs):+.3f} "
          f"(qrt >= onnxruntime in {sum(d >= 0 for d in diffs)} of {len(diffs)} draws)")
    return float(np.mean(diffs))

if __name__ == "__main__":
    main()
