#!/usr/bin/env python3
"""Table and results.json of bench/cpu_models.sh from OUT_DIR/qrt/*.json and OUT_DIR/ort/*.json."""
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


if __name__ == "__main__":
    main()
