#!/usr/bin/env python3
"""Which of onnxruntime's quantization choices moves a Fashion-MNIST ResNet's INT8 accuracy.

qrt's INT8 engine and onnxruntime's quantize_static (QDQ, symmetric, per-channel) use the same
weights and, where both quantize, the same activation scales (docs/accuracy.md). They differ in
*where* they round and in a few arithmetic details. This tool writes the integer arithmetic of
each variant as a float ONNX graph that onnxruntime runs exactly, so single choices can be
switched on and off and measured on many images in seconds:

  base     qrt's engine: int8 image (x / s), Conv [+ residual Add] [+ Relu] fused with
           out = float(acc) * (s_x * s_w[c]) + bias, the skip input as float(q) * s, then
           rint(out * (1 / s_y)); the last block's output in f32 into GlobalAveragePool, the
           pooled features quantized (x / s), MatMulInt8 with f32 logits.
  +res     also round every residual branch's Conv output (the Add's first input) at its own
           calibrated scale before the Add (onnxruntime: Q/DQ on every Conv output).
  +last    also quantize the last block's output before GlobalAveragePool.
  +logits  also quantize the logits.
  +bias    int32 bias at s_x * s_w[c], added to the accumulator (onnxruntime's QLinearConv).
  ort      all four: onnxruntime's placement (its Q/DQ on Conv outputs before a Relu and on Add
           outputs carry the Relu output's scale, so they round the same values again).

Integer sums are exact: the int8 operands are integer-valued floats, and every partial sum is
bounded by sum |x_q| |w_q| < 2^24 (checked), so float32 Conv/Gemm add them without rounding.
Graph optimisations are off, so no Mul/Add pair is fused.

Per calibration draw k (training images [512 k, 512 k + 512), as tools/ptq_draws.py), qrt's
minmax table (`qrt build --calib-table`, scales equal to onnxruntime's MinMax ones up to a few
float ulps) drives every variant; top-1 is reported on a validation split (training images
50000-59999, never used for calibration) and on the test split.

    python3 tools/ptq_ablate.py --qrt build/qrt --model models/fashion_resnet.onnx \\
        [--draws 6] [--variants base,+res,+last,+logits,+bias,ort] [--splits val,test] \\
        [--out build/ablate] [--json r.json] [--save-preds]

--check-ort M.onnx compares the 'ort' variant, with the scales read from onnxruntime's model M
(ort_ptq_baseline.py --out-dir), to M itself; --check-qrt P.plan compares 'base' to a qrt plan
(per-image predictions on the test split; the plan must take batch 1000).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402

CALIB = 512
VARIANTS = {
    "base": set(),
    "+res": {"res"},
    "+last": {"last"},
    "+logits": {"logits"},
    "+bias": {"bias"},
    "ort-res": {"last", "logits", "bias"},
    "ort-last": {"res", "logits", "bias"},
    "ort-logits": {"res", "last", "bias"},
    "ort-bias": {"res", "last", "logits"},
    "ort": {"res", "last", "logits", "bias"},
}


def f32(x):
    return np.float32(x)


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"ptq_ablate.py: {' '.join(cmd)} failed:\n{r.stderr.strip()}")
    return r.stdout


def quantized_weights(model):
    """{weight name: (int8 values as float32, per-output-channel scale f32)}: symmetric,
    max |w| / 127 per output channel (qrt's and onnxruntime's, checked equal in the docs)."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    out = {}
    for n in model.graph.node:
        if n.op_type in ("Conv", "Gemm"):
            w = inits[n.input[1]].astype(np.float32)
            amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1).astype(np.float64)
            s = (amax / 127.0).astype(np.float32)
            q = np.clip(np.rint(w / s.reshape(-1, *([1] * (w.ndim - 1)))), -127, 127)
            out[n.input[1]] = (q.astype(np.float32), s)
    return inits, out


def ort_scales(path):
    """Activation scales of an onnxruntime QDQ model: {float tensor: scale}."""
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    scales = {}
    for n in m.graph.node:
        if n.op_type == "QuantizeLinear":
            scales[n.input[0].replace("_QuantizeLinear_Input", "")] = float(inits[n.input[1]])
    return scales


class Sim:
    """Builds the float ONNX graph of one variant."""

    def __init__(self, model, scales, flags):
        self.m, self.scales, self.flags = model, scales, flags
        self.inits_f, self.wq = quantized_weights(model)
        self.nodes, self.inits, self.k = [], [], 0
        self.flatten_src = {}  # a Flatten's int8 output -> the tensor whose scale it has

    def const(self, value):
        self.k += 1
        name = f"c{self.k}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.k += 1
        name = f"t{self.k}"
        self.nodes.append(helper.make_node(op_type, inputs, [name], **attrs))
        return name

    def quantize(self, v, scale, divide):
        """(int values, dequantized values) of v at `scale`: rint(v / s) (QuantizeLinear) or
        rint(v * (1 / s)) (an int8 op's epilogue), saturated to int8, dequantized float(q) * s."""
        s = f32(scale)
        t = self.op("Div", [v, self.const(s)]) if divide else \
            self.op("Mul", [v, self.const(f32(1) / s)])
        q = self.op("Clip", [self.op("Round", [t]), self.const(-128), self.const(127)])
        return q, self.op("Mul", [q, self.const(s)])

    def quant_points(self):
        """{tensor: divide?}: where this variant rounds to int8."""
        g = self.m.graph
        producer = {o: n for n in g.node for o in n.output}
        points = {g.input[0].name: True}
        for n in g.node:
            if n.op_type in ("Conv", "Gemm"):
                x = n.input[0]
                if producer.get(x) is not None and producer[x].op_type == "Flatten":
                    points[producer[x].input[0]] = True  # the pooled features (QuantizeLinear)
                else:
                    points[x] = False
            if n.op_type == "Add":
                a, b = n.input[0], n.input[1]
                # qrt fuses input 0's Conv with the Add; a Conv on input 1 (a shortcut) is
                # quantized as the fused op's int8 residual.
                if producer.get(b) is not None and producer[b].op_type == "Conv":
                    points[b] = False
                if "res" in self.flags and producer[a].op_type == "Conv":
                    points[a] = False
            if n.op_type == "GlobalAveragePool" and "last" in self.flags:
                points[n.input[0]] = False
        if "logits" in self.flags:
            points[g.output[0].name] = False
        return points

    def build(self):
        g = self.m.graph
        points = self.quant_points()
        value, qval = {}, {}
        x = g.input[0].name
        qval[x], value[x] = self.quantize(x, self.scales[x], True)
        for n in g.node:
            o = n.output[0]
            if n.op_type in ("Conv", "Gemm"):
                xin = n.input[0]
                if n.op_type == "Gemm":
                    xq = qval[xin]
                    sx = self.scales[self.flatten_src[xin]]
                else:
                    xq, sx = qval[xin], self.scales[xin]
                wq, sw = self.wq[n.input[1]]
                bias = self.inits_f[n.input[2]].astype(np.float32)
                wname = self.const(wq)
                attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
                if n.op_type == "Conv":
                    acc = self.op("Conv", [xq, wname], **attrs)
                    shape = (1, -1, 1, 1)
                else:
                    acc = self.op("Gemm", [xq, wname], transB=attrs.get("transB", 0))
                    shape = (1, -1)
                m = (f32(sx) * sw).astype(np.float32)  # in_scale * scale[c], rounded to f32
                if "bias" in self.flags:
                    bq = np.rint(bias.astype(np.float64) /
                                 (np.float64(sx) * sw.astype(np.float64)))
                    v = self.op("Mul", [self.op("Add", [acc, self.const(bq.reshape(shape))]),
                                        self.const(m.reshape(shape))])
                else:
                    v = self.op("Add", [self.op("Mul", [acc, self.const(m.reshape(shape))]),
                                        self.const(bias.reshape(shape))])
            elif n.op_type == "Relu":
                v = self.op("Relu", [value[n.input[0]]])
            elif n.op_type == "Add":
                v = self.op("Add", [value[n.input[0]], value[n.input[1]]])
            elif n.op_type == "GlobalAveragePool":
                v = self.op("GlobalAveragePool", [value[n.input[0]]])
            elif n.op_type == "Flatten":
                axis = {a.name: helper.get_attribute_value(a) for a in n.attribute}.get("axis", 1)
                v = self.op("Flatten", [value[n.input[0]]], axis=axis)
                if n.input[0] in qval:
                    qval[o] = self.op("Flatten", [qval[n.input[0]]], axis=axis)
                    self.flatten_src[o] = n.input[0]
            else:
                sys.exit(f"ptq_ablate.py: no simulation of {n.op_type}")
            if o in points:
                qval[o], v = self.quantize(v, self.scales[o], points[o])
            value[o] = v
        out = g.output[0].name
        self.nodes.append(helper.make_node("Identity", [value[out]], [out]))
        graph = helper.make_graph(self.nodes, "sim", [g.input[0]], [g.output[0]], self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        return model

def session(model_or_path, threads):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.intra_op_num_threads = threads
    src = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


def logits(sess, x, batch=500):
    name = sess.get_inputs()[0].name
    return np.concatenate([sess.run(None, {name: x[i:i + batch]})[0]
                           for i in range(0, len(x), batch)])


def check_exact(model, scales, x, threads):
    """max over x of sum |x_q| |w_q| over every Conv/Gemm of the 'ort' variant: its float32
    sums are exact (in any order) below 2^24. Each layer gets a probe Conv/Gemm of |x_q| and
    |w_q| beside it, the real path left as it is."""
    g = Sim(model, scales, {"res", "last", "logits"}).build()
    inits = {i.name: numpy_helper.to_array(i) for i in g.graph.initializer}
    nodes, probes = [], []
    for n in g.graph.node:
        nodes.append(n)
        if n.op_type in ("Conv", "Gemm"):
            a, w, o = n.output[0] + "_xabs", n.output[0] + "_wabs", n.output[0] + "_probe"
            g.graph.initializer.append(numpy_helper.from_array(np.abs(inits[n.input[1]]), w))
            nodes.append(helper.make_node("Abs", [n.input[0]], [a]))
            probe = helper.make_node(n.op_type, [a, w], [o])
            probe.attribute.extend(n.attribute)
            nodes.append(probe)
            probes.append(o)
    del g.graph.node[:]
    g.graph.node.extend(nodes)
    for o in probes:
        g.graph.output.append(helper.make_empty_tensor_value_info(o))
    s = session(g, threads)
    worst = 0.0
    for i in range(0, len(x), 500):
        outs = s.run(probes, {s.get_inputs()[0].name: x[i:i + 500]})
        worst = max(worst, max(float(np.abs(o).max()) for o in outs))
    return worst


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n", 1)[1])
    p.add_argument("--qrt", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--draws", type=int, default=6)
    p.add_argument("--first-draw", type=int, default=0)
    p.add_argument("--variants", default="base,+res,+last,+logits,+bias,ort")
    p.add_argument("--splits", default="val,test")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="build/ablate")
    p.add_argument("--json")
    p.add_argument("--save-preds", action="store_true", help="keep per-image predictions (.npy)")
    p.add_argument("--check-ort", help="onnxruntime QDQ model of draw --first-draw")
    p.add_argument("--check-qrt", help="qrt plan of draw --first-draw (batch 1000)")
    p.add_argument("--data", default=fashion_seg.DEFAULT_DATA)
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = onnx.load(args.model)
    train, train_labels = fashion_seg.load_split("train", args.data)
    test, test_labels = fashion_seg.load_split("test", args.data)
    splits = {"val": (fashion_seg.normalize(train[50000:])[:, None], train_labels[50000:]),
              "test": (fashion_seg.normalize(test)[:, None], test_labels)}
    splits = {k: splits[k] for k in args.splits.split(",")}

    fp32 = session(args.model, args.threads)
    ref = {k: logits(fp32, x).argmax(1) for k, (x, _) in splits.items()}
    result = {"model": args.model, "fp32": {k: 100.0 * float(np.mean(ref[k] == y))
                                           for k, (_, y) in splits.items()}, "draws": []}
    print(f"fp32: " + ", ".join(f"{k} {v:.2f}" for k, v in result["fp32"].items()),
          file=sys.stderr)

    for draw in range(args.first_draw, args.first_draw + args.draws):
        calib = os.path.join(args.out, f"draw{draw}.npy")
        table = os.path.join(args.out, f"draw{draw}-minmax.json")
        np.save(calib, fashion_seg.normalize(train[CALIB * draw:CALIB * (draw + 1)])[:, None])
        if not os.path.exists(table):
            run([args.qrt, "build", args.model, "-o", os.path.join(args.out, "tmp.plan"),
                 "--backend", "cpu", "--precision", "int8", "--calib-data", calib,
                 "--calib-batch-size", "32", "--calib-algo", "minmax", "--threads",
                 str(args.threads), "--batch", "1:100:100", "--calib-table", table])
        with open(table) as f:
            scales = json.load(f)["scales"]
        scales = {k: float(v) for k, v in scales.items()}
        if draw == args.first_draw:
            worst = check_exact(model, scales, splits[next(iter(splits))][0], args.threads)
            print(f"largest sum |x_q||w_q|: {worst:.0f} (exact in f32 below {2**24})",
                  file=sys.stderr)
            if worst >= 2 ** 24:
                sys.exit("ptq_ablate.py: float32 sums may round; the simulation is not exact")
            result["max_abs_sum"] = worst
        row = {"draw": draw, "top1": {}, "changed": {}, "mcnemar": {}}
        preds = {}
        for name in args.variants.split(","):
            t0 = time.perf_counter()
            sess = session(Sim(model, scales, VARIANTS[name]).build(), args.threads)
            row["top1"][name], row["changed"][name] = {}, {}
            for k, (x, y) in splits.items():
                pred = logits(sess, x).argmax(1)
                row["top1"][name][k] = 100.0 * float(np.mean(pred == y))
                row["changed"][name][k] = int(np.sum(pred != ref[k]))
                preds[name, k] = pred
                if args.save_preds:
                    np.save(os.path.join(args.out, f"draw{draw}-{name}-{k}.npy"), pred)
            print(f"draw {draw} {name:>10}: " + ", ".join(
                f"{k} {row['top1'][name][k]:.2f} ({row['changed'][name][k]} changed)"
                for k in splits) + f"  [{time.perf_counter() - t0:.0f} s]", file=sys.stderr)
        for name in args.variants.split(","):
            if name == "base" or ("base", next(iter(splits))) not in preds:
                continue
            row["mcnemar"][name] = {}
            for k, (_, y) in splits.items():
                a, b = preds[name, k] == y, preds["base", k] == y
                row["mcnemar"][name][k] = mcnemar(int(np.sum(a & ~b)), int(np.sum(~a & b)))
        result["draws"].append(row)
        if args.check_ort and draw == args.first_draw:
            check(args, model, splits, "ort", ort_scales(args.check_ort), args.check_ort, None)
        if args.check_qrt and draw == args.first_draw:
            check(args, model, splits, "base", scales, None, args.check_qrt)

    names = args.variants.split(",")
    for k in splits:
        print(f"\n{k}: top-1 % minus FP32 ({result['fp32'][k]:.2f}), per draw and mean")
        print(f"{'variant':>10} " + " ".join(f"{'d' + str(r['draw']):>6}" for r in result["draws"])
              + f" {'mean':>7}")
        for name in names:
            d = [r["top1"][name][k] - result["fp32"][k] for r in result["draws"]]
            print(f"{name:>10} " + " ".join(f"{v:>+6.2f}" for v in d) + f" {np.mean(d):>+7.3f}")
        for name in names:
            if name == "base" or not result["draws"][0]["mcnemar"].get(name):
                continue
            print(f"{name} vs base: images only {name} gets right / only base gets right, exact "
                  "McNemar p: " + ", ".join(
                      f"d{r['draw']} {r['mcnemar'][name][k]['wins']}/"
                      f"{r['mcnemar'][name][k]['losses']} p={r['mcnemar'][name][k]['p']:.2f}"
                      for r in result["draws"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


def mcnemar(wins, losses):
    """Exact two-sided McNemar test: under 'no difference' each discordant image is a fair coin."""
    n = wins + losses
    tail = sum(math.comb(n, i) for i in range(min(wins, losses) + 1)) / 2.0 ** n if n else 1.0
    return {"wins": wins, "losses": losses, "p": min(1.0, 2 * tail)}


def check(args, model, splits, variant, scales, ort_model, plan):
    """Per-image agreement of a simulated variant with the real engine on the test split."""
    x, y = splits["test"] if "test" in splits else splits[next(iter(splits))]
    sim = logits(session(Sim(model, scales, VARIANTS[variant]).build(), args.threads), x)
    if ort_model:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = args.threads
        real = logits(ort.InferenceSession(ort_model, opts, providers=["CPUExecutionProvider"]), x)
        what = f"onnxruntime {os.path.basename(ort_model)}"
    else:
        parts = []
        for i in range(0, len(x), 1000):
            np.save(os.path.join(args.out, "chunk.npy"), x[i:i + 1000])
            run([args.qrt, "run", plan, "-i", os.path.join(args.out, "chunk.npy"), "-d",
                 args.out, "--threads", str(args.threads)])
            parts.append(np.load(os.path.join(args.out, "logits.npy")))
        real = np.concatenate(parts)
        what = f"qrt {os.path.basename(plan)}"
    a, b = sim.argmax(1), real.argmax(1)
    print(f"check '{variant}' against {what}: top-1 {100 * np.mean(a == y):.2f} vs "
          f"{100 * np.mean(b == y):.2f}, predictions differ on {int(np.sum(a != b))} images, "
          f"max |logit diff| {float(np.abs(sim - real).max()):.4g}", file=sys.stderr)


if __name__ == "__main__":
    main()
