#!/usr/bin/env python3
"""Exports the models of the GPU benchmark (bench/gpu_models.sh) with their data.

ResNet-50 and MobileNetV2 (torchvision, 3 x 224 x 224) and the U-Net of tools/unet512.py
(1 x 512 x 512 -> 2 classes), with random weights from a fixed seed (no pretrained weights can
be fetched), in eval mode, BatchNorm statistics made non-trivial. For each model NAME, in OUT:
  NAME.onnx                  opset 17, legacy exporter, dynamic batch 'N' (input 'input',
                             output 'output'), one file
  NAME.pt                    the same weights as a state_dict, for bench/torch_peers.py
  NAME.calib.npy             calibration images, N x C x H x W float32, standard normal
  NAME.check_input.npy       a batch (default 8) of other random images, and
  NAME.check_torch_fp32.npy  PyTorch's FP32 output for it (on the GPU if there is one, TF32 off)
  NAME.json                  input shape, whether it is a classifier, sizes and times
Works with PyTorch 1.13 (Debian, CPU) and 2.x.
    python3 tools/export_gpu_bench_models.py --out DIR [--models resnet50,...] [--size 64]
"""
import argparse
import inspect
import json
import os
import sys
import time
import traceback

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import unet512  # noqa: E402  (tools/ is not a package)

# name: (constructor, input channels, input size, classifier?)
MODELS = {
    "resnet50": (lambda: torchvision.models.resnet50(weights=None), 3, 224, True),
    "mobilenetv2": (lambda: torchvision.models.mobilenet_v2(weights=None), 3, 224, True),
    "unet512": (lambda: unet512.unet512(in_channels=1, classes=2), 1, 512, False),
}


def randomize_batchnorm(model, gen):
    # Fresh statistics are 0/1: make them non-trivial so that folding them is really exercised.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 0.5 + 0.75)


def make_model(name, state_dict_path=None):
    """The benchmark's model NAME in eval mode: seeded, or with the weights of a saved .pt."""
    ctor = MODELS[name][0]
    torch.manual_seed(0)
    model = ctor().eval()
    if state_dict_path:
        model.load_state_dict(torch.load(state_dict_path, map_location="cpu"))
    else:
        with torch.no_grad():
            randomize_batchnorm(model, torch.Generator().manual_seed(1))
    return model


def input_shape(name, size=None):
    """C, H, W of the model's input; size overrides the height and width (SMALL runs)."""
    _, channels, default_size, _ = MODELS[name]
    s = size or default_size
    return channels, s, s


def export_onnx(model, x, path):
    kwargs = dict(opset_version=17, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
    # PyTorch 2.x defaults to the dynamo exporter (opset 18, external data): ask for the
    # legacy one, which writes a single file. 1.13 has no such argument.
    params = inspect.signature(torch.onnx.export).parameters
    if "dynamo" not in params:
        torch.onnx.export(model, x, path, **kwargs)
        return
    try:
        torch.onnx.export(model, x, path, dynamo=False, **kwargs)
    except Exception as e:  # noqa: BLE001 (a PyTorch without the legacy exporter)
        print(f"legacy exporter failed ({type(e).__name__}: {e}); trying the dynamo one",
              file=sys.stderr)
        kwargs.update(dynamo=True, opset_version=18)
        if "external_data" in params:
            kwargs["external_data"] = False
        torch.onnx.export(model, x, path, **kwargs)


def export_one(name, args, device, written_calib):
    start = time.time()
    shape = input_shape(name, args.size)
    model = make_model(name)
    base = os.path.join(args.out, name)
    torch.save(model.state_dict(), base + ".pt")
    export_onnx(model, torch.randn(1, *shape), base + ".onnx")
    export_s = time.time() - start

    n = args.unet_calib_n if name == "unet512" else args.calib_n
    calib_path = base + ".calib.npy"
    if os.path.lexists(calib_path):
        os.remove(calib_path)
    if (shape, n) in written_calib:
        os.symlink(os.path.basename(written_calib[(shape, n)]), calib_path)
    else:
        rng = np.random.default_rng(1234)
        np.save(calib_path, rng.standard_normal((n, *shape), dtype=np.float32))
        written_calib[(shape, n)] = calib_path

    x = np.random.default_rng(5678).standard_normal((args.check_batch, *shape),
                                                    dtype=np.float32)
    with torch.no_grad():
        y = model.to(device)(torch.from_numpy(x).to(device)).float().cpu().numpy()
    np.save(base + ".check_input.npy", x)
    np.save(base + ".check_torch_fp32.npy", y)
    meta = {"model": name, "input_shape": list(shape), "classifier": MODELS[name][3],
            "params": sum(p.numel() for p in model.parameters()),
            "onnx_bytes": os.path.getsize(base + ".onnx"), "calib_samples": n,
            "export_s": round(export_s, 2), "torch": torch.__version__,
            "reference_device": device, "output_abs_max": float(np.abs(y).max())}
    with open(base + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    print(f"{name}: {base}.onnx ({meta['onnx_bytes'] / 1e6:.1f} MB, "
          f"{meta['params'] / 1e6:.1f} M params) input {shape}, output {tuple(y.shape)}, "
          f"exported in {export_s:.1f} s, {n} calibration images", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--size", type=int, default=0, help="input height/width (0: the model's)")
    ap.add_argument("--calib-n", type=int, default=512, help="calibration images per model")
    ap.add_argument("--unet-calib-n", type=int, default=64, help="calibration images, U-Net")
    ap.add_argument("--check-batch", type=int, default=8)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    written_calib = {}  # (shape, n) -> file: ResNet-50 and MobileNetV2 share their images
    failed = []
    for name in args.models.split(","):
        if name not in MODELS:
            sys.exit(f"unknown model '{name}' (known: {', '.join(MODELS)})")
        try:
            export_one(name, args, device, written_calib)
        except Exception:  # noqa: BLE001 (the other models still get exported)
            traceback.print_exc()
            print(f"{name}: export FAILED", flush=True)
            failed.append(name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
