#!/usr/bin/env python3
"""onnxruntime's own post-training quantization of a float model, as the peer qrt's INT8 is
measured against: quantize_static in QDQ format, symmetric int8 activations and weights,
per-channel weights, once per calibration method onnxruntime offers (MinMax, Entropy,
Percentile), each model evaluated with onnxruntime's CPU provider beside the float model.

Calibration images are the ones qrt uses: the first N images of the Fashion-MNIST TRAIN split
for a classifier, or the first N training canvases (docs/fashion_seg_dataset.md) for the
segmenter, normalised (x / 255 - 0.5) / 0.5. Evaluation: the 10,000 test images (top-1) or test
canvases (mean per-sample Dice of logit > 0), or the first --limit of them.

    python3 -m pip install -r tools/requirements-peers.txt
    python3 tools/ort_ptq_baseline.py --model models/fashion_cnn.onnx --task classify \\
        [--calib-samples 512] [--limit 1000] [--json ort.json] [--qdq qrt_export.onnx ...]

--qdq evaluates QDQ models made elsewhere (such as `qrt export-qdq`) the same way, so a table
qrt calibrated is checked in onnxruntime too. Quantized models are kept with --out-dir.

Memory: onnxruntime's Entropy and Percentile calibrators keep every intermediate tensor of every
calibration sample until the end (13 GB peak for models/fashion_unet.onnx on 512 canvases);
--calib-stride N bounds that by calibrating N samples at a time (onnxruntime's
CalibStridedMinMax, whose histograms are then merged, so results may differ slightly).
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402  (tools/fashion_seg.py, beside this script)

METHODS = ("minmax", "entropy", "percentile")


def load_data(task, data_dir, calib_samples, limit, calib_offset=0, eval_split="test"):
    """(calibration inputs, test inputs, test targets), inputs float32 N x 1 x H x W.
    Classifiers calibrate on training images [calib_offset, calib_offset + calib_samples).
    eval_split "val" evaluates classifiers on training images 50000-59999 instead of the test
    split (the validation split of tools/ptq_ablate.py and tools/ptq_draws.py)."""
    train_images, train_labels = fashion_seg.load_split("train", data_dir)
    test_images, test_labels = fashion_seg.load_split("test", data_dir)
    if eval_split == "val":
        if task != "classify":
            sys.exit("ort_ptq_baseline.py: --eval-split val is for classifiers")
        test_images, test_labels = train_images[50000:], train_labels[50000:]
    n_test = len(test_images) if limit is None else min(limit, len(test_images))
    if task == "classify":
        calib = train_images[calib_offset : calib_offset + calib_samples]
        if len(calib) < calib_samples:
            sys.exit(f"ort_ptq_baseline.py: --calib-offset {calib_offset} leaves only "
                     f"{len(calib)} of {calib_samples} training images")
        calib = fashion_seg.normalize(calib)[:, None]
        return calib, fashion_seg.normalize(test_images[:n_test])[:, None], test_labels[:n_test]
    calib_canvases, _ = fashion_seg.make_canvases(train_images, calib_samples, test_split=False)
    test_canvases, test_masks = fashion_seg.make_canvases(test_images, n_test, test_split=True)
    return (fashion_seg.normalize(calib_canvases)[:, None],
            fashion_seg.normalize(test_canvases)[:, None], test_masks.astype(bool))


def model_batch(path):
    """The model's fixed batch size, or None when dim 0 is symbolic."""
    import onnx

    model = onnx.load(path, load_external_data=False)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    return dims[0].dim_value if dims and dims[0].HasField("dim_value") else None


def make_reader(input_name, data, batch):
    from onnxruntime.quantization import CalibrationDataReader

    class Reader(CalibrationDataReader):
        """Calibration batches in order; set_range serves CalibStridedMinMax."""

        def __init__(self):
            self.start, self.end = 0, len(data)
            self.pos = 0

        def __len__(self):
            return len(data)

        def set_range(self, start_index, end_index):
            self.start, self.end = start_index, min(end_index, len(data))
            self.pos = self.start

        def get_next(self):
            if self.pos >= self.end:
                return None
            chunk = data[self.pos : min(self.pos + batch, self.end)]
            self.pos += len(chunk)
            return {input_name: chunk}

        def rewind(self):
            self.pos = self.start

    return Reader()


def run_model(path, inputs, batch, threads):
    """Outputs of the model's first output over all inputs, and the seconds the runs took."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    session.run(None, {name: inputs[:batch]})  # warm-up, untimed
    outputs = []
    start = time.perf_counter()
    for i in range(0, len(inputs), batch):
        outputs.append(session.run(None, {name: inputs[i : i + batch]})[0])
    return np.concatenate(outputs), time.perf_counter() - start


def metric(task, outputs, targets):
    if task == "classify":
        return float(np.mean(outputs.reshape(len(outputs), -1).argmax(axis=1) == targets))
    pred = outputs.reshape(targets.shape) > 0
    inter = np.logical_and(pred, targets).sum(axis=(1, 2)).astype(np.float64)
    total = pred.sum(axis=(1, 2)) + targets.sum(axis=(1, 2))
    dice = np.where(total == 0, 1.0, 2 * inter / np.maximum(total, 1))
    return float(dice.mean())


def agreement(task, outputs, reference):
    """How close a quantized model's outputs are to the float model's."""
    diff = np.abs(outputs.astype(np.float64) - reference.astype(np.float64))
    a, b = outputs.reshape(-1), reference.reshape(-1).astype(np.float64)
    result = {
        "max_abs_error": float(diff.max()),
        "mean_abs_error": float(diff.mean()),
        "cosine": float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-30)),
    }
    if task == "classify":
        n = len(outputs)
        result["top1_agreement"] = float(
            np.mean(outputs.reshape(n, -1).argmax(1) == reference.reshape(n, -1).argmax(1)))
    else:
        result["mask_agreement"] = float(np.mean((outputs > 0) == (reference > 0)))
    return result


def quantize(float_path, out_path, method, reader, args):
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    extra = {"ActivationSymmetric": True, "WeightSymmetric": True}
    if method == "percentile":
        extra["CalibPercentile"] = args.percentile
    if args.calib_stride:
        extra["CalibStridedMinMax"] = args.calib_stride
    quantize_static(
        float_path, out_path, reader,
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        calibrate_method={"minmax": CalibrationMethod.MinMax,
                          "entropy": CalibrationMethod.Entropy,
                          "percentile": CalibrationMethod.Percentile}[method],
        extra_options=extra,
    )


def preprocess(model, out_path):
    """onnxruntime's recommended step before quantize_static (shape inference, graph
    optimisation); the model as it is when that fails."""
    from onnxruntime.quantization.shape_inference import quant_pre_process

    try:
        quant_pre_process(model, out_path)
        return out_path, None
    except Exception as e:  # the float model is still quantizable without it
        return model, f"{type(e).__name__}: {e}"


def print_table(task, rows, n_eval):
    name = "top-1" if task == "classify" else "Dice"
    scale, unit = (100.0, " pts") if task == "classify" else (1.0, "")
    header = f"{'scheme':<28} {'quantize (s)':>12} {'eval (s)':>9} {'samples/s':>10} " \
             f"{name:>8} {'vs FP32':>10} {'agree':>7}"
    print(header)
    print("-" * len(header))
    for r in rows:
        agree = r.get("agreement", {})
        agree = agree.get("top1_agreement", agree.get("mask_agreement"))
        quant = "" if r.get("quantize_seconds") is None else f"{r['quantize_seconds']:.1f}"
        metric_text = f"{r['metric'] * scale:.2f}" if task == "classify" else f"{r['metric']:.4f}"
        print(f"{r['scheme']:<28} {quant:>12} {r['eval_seconds']:>9.2f} "
              f"{n_eval / r['eval_seconds']:>10.0f} {metric_text:>8} "
              f"{r['deviation'] * scale:>+{10 - len(unit)}.{2 if task == 'classify' else 4}f}"
              f"{unit} {'' if agree is None else f'{agree * 100:.2f}%':>7}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n", 1)[1])
    parser.add_argument("--model", required=True, help="float ONNX model")
    parser.add_argument("--task", choices=("classify", "segment"), required=True)
    parser.add_argument("--calib-samples", type=int, default=512)
    parser.add_argument("--calib-offset", type=int, default=0,
                        help="classifiers: calibrate on the training images from this index on")
    parser.add_argument("--limit", type=int, help="evaluate on the first N test samples only")
    parser.add_argument("--eval-split", choices=("test", "val"), default="test",
                        help="classifiers: evaluate on the test split or on training images "
                             "50000-59999 (val)")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated subset of " + ", ".join(METHODS))
    parser.add_argument("--percentile", type=float, default=99.999,
                        help="CalibPercentile for the percentile method (onnxruntime's default)")
    parser.add_argument("--calib-stride", type=int, default=0,
                        help="CalibStridedMinMax: calibrate in chunks of this many samples to "
                             "bound memory (0: all at once, onnxruntime's default)")
    parser.add_argument("--batch", type=int, default=256, help="evaluation batch size")
    parser.add_argument("--calib-batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: default)")
    parser.add_argument("--no-preprocess", action="store_true",
                        help="skip onnxruntime.quantization's quant_pre_process")
    parser.add_argument("--qdq", action="append", default=[],
                        help="also evaluate this QDQ model (e.g. from qrt export-qdq)")
    parser.add_argument("--data", default=fashion_seg.DEFAULT_DATA, help="Fashion-MNIST idx files")
    parser.add_argument("--out-dir", help="keep the quantized models here")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    for m in methods:
        if m not in METHODS:
            parser.error(f"unknown method '{m}' (choose from {', '.join(METHODS)})")

    import onnxruntime as ort

    start = time.perf_counter()
    calib, test_inputs, targets = load_data(args.task, args.data, args.calib_samples, args.limit,
                                             args.calib_offset, args.eval_split)
    print(f"data: {len(calib)} calibration samples, {len(test_inputs)} test samples "
          f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    fixed = model_batch(args.model)
    eval_batch = fixed or args.batch
    calib_batch = fixed or args.calib_batch

    rows = []
    reference, seconds = run_model(args.model, test_inputs, eval_batch, args.threads)
    fp32 = metric(args.task, reference, targets)
    rows.append({"scheme": "fp32", "model": args.model, "metric": fp32, "deviation": 0.0,
                 "eval_seconds": seconds})

    def add(scheme, path, quantize_seconds=None, kept=True):
        outputs, seconds = run_model(path, test_inputs, eval_batch, args.threads)
        value = metric(args.task, outputs, targets)
        rows.append({"scheme": scheme, "model": path if kept else None, "metric": value,
                     "deviation": value - fp32 + 0.0,
                     "quantize_seconds": quantize_seconds, "eval_seconds": seconds,
                     "agreement": agreement(args.task, outputs, reference)})
        print(f"{scheme}: {value:.4f}", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="ort_ptq.") as tmp:
        out_dir = args.out_dir or tmp
        os.makedirs(out_dir, exist_ok=True)
        pre_error = None
        source = args.model
        if not args.no_preprocess:
            source, pre_error = preprocess(args.model, os.path.join(tmp, "preprocessed.onnx"))
            if pre_error:
                print(f"quant_pre_process failed, quantizing the model as is: {pre_error}",
                      file=sys.stderr)
        input_name = ort.InferenceSession(
            args.model, providers=["CPUExecutionProvider"]).get_inputs()[0].name
        for method in methods:
            out_path = os.path.join(out_dir, f"ort_{method}.onnx")
            t0 = time.perf_counter()
            quantize(source, out_path, method, make_reader(input_name, calib, calib_batch), args)
            add(f"ort-int8-{method}", out_path, time.perf_counter() - t0, kept=bool(args.out_dir))
        for path in args.qdq:
            add(f"qdq:{os.path.basename(path)}", path)

        print(f"\n{args.model} ({args.task}), onnxruntime {ort.__version__} CPU, "
              f"{len(calib)} calibration samples, {len(test_inputs)} test samples")
        print_table(args.task, rows, len(test_inputs))
        ort_rows = [r for r in rows if r["scheme"].startswith("ort-int8-")]
        if ort_rows:
            best = max(ort_rows, key=lambda r: r["metric"])
            print(f"best onnxruntime PTQ: {best['scheme']} ({best['deviation'] * 100:+.2f} pts vs FP32)"
                  if args.task == "classify" else
                  f"best onnxruntime PTQ: {best['scheme']} ({best['deviation']:+.4f} Dice vs FP32)")

    if args.json:
        result = {
            "model": args.model,
            "task": args.task,
            "metric": "top1" if args.task == "classify" else "dice",
            "onnxruntime": ort.__version__,
            "provider": "CPUExecutionProvider",
            "calibration": {"split": "train", "samples": len(calib), "first": args.calib_offset,
                            "normalisation": "(x/255-0.5)/0.5", "batch": calib_batch,
                            "stride": args.calib_stride or None,
                            "percentile": args.percentile,
                            "preprocess": not args.no_preprocess, "preprocess_error": pre_error},
            "quantize_static": {"quant_format": "QDQ", "activation_type": "QInt8",
                                "weight_type": "QInt8", "per_channel": True,
                                "extra_options": {"ActivationSymmetric": True,
                                                  "WeightSymmetric": True}},
            "eval": {"split": "test", "samples": len(test_inputs), "batch": eval_batch},
            "results": rows,
        }
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
        print(f"wrote {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
