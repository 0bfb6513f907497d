#!/usr/bin/env python3
"""Tables and results.json of bench/cpu_models.sh from OUT_DIR/qrt/*.json and OUT_DIR/ort/*.json:
every row, then one line per model and batch with a column per engine and precision (qrt cpu
FP32 / BF16 / INT8, onnxruntime FP32 / INT8)."""
import glob
import json
import os
import sys


def main():
    out = sys.argv[1]
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "qrt", "*.json"))):
        tag = os.path.splitext(os.path.basename(path))[0]
        model, precision, backend = tag.rsplit("_", 2)
        data = json.load(open(path))
        for r in data.get("results", data if isinstance(data, list) else []):
            rows.append({"model": model, "engine": "qrt " + backend, "precision": precision,
                         "batch": r.get("batch"), "throughput": r.get("throughput"),
                         "mean_ms": r.get("mean_ms", r.get("latency_ms", {}).get("mean"))})
    for path in sorted(glob.glob(os.path.join(out, "ort", "*.json"))):
        for r in json.load(open(path)):
            r["model"] = os.path.splitext(r["model"])[0]
            rows.append(r)
    json.dump(rows, open(os.path.join(out, "results.json"), "w"), indent=1)
    print(f"| model | engine | precision | batch | img/s |")
    print("|---|---|---|---|---|")
    for r in rows:
        tp = r.get("throughput")
        print(f"| {r['model']} | {r['engine']} | {r['precision']} | {r['batch']} | "
              f"{tp:.1f} |" if tp else f"| {r['model']} | {r['engine']} | {r['precision']} | "
              f"{r['batch']} | ? |")
    print_columns(rows)


def print_columns(rows):
    """img/s per model and batch, one column per engine and precision."""
    order = {"fp32": 0, "bf16": 1, "fp16": 2, "int8": 3}
    columns = sorted({(r["engine"], r["precision"]) for r in rows},
                     key=lambda c: (not c[0].startswith("qrt cpu"), c[0], order.get(c[1], 9)))
    table = {}
    for r in rows:
        table.setdefault((r["model"], r["batch"]), {})[(r["engine"], r["precision"])] = \
            r.get("throughput")
    print()
    print("| model | batch | " + " | ".join(f"{e} {p.upper()}" for e, p in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for (model, batch), cells in table.items():
        values = [cells.get(c) for c in columns]
        print(f"| {model} | {batch} | " +
              " | ".join(f"{v:.1f}" if v else "-" for v in values) + " |")


if __name__ == "__main__":
    main()
