#!/usr/bin/env python3
"""Exports torchvision models to ONNX (opset 17, dynamic batch) with a reference input/output.

Uses Debian's python3-torch and python3-torchvision (CPU). Weights are random (seeded): no
pretrained weights can be fetched here, and conformance to PyTorch does not depend on them.
    /usr/bin/python3 tools/export_torchvision.py --out models/torchvision [--models resnet50,...]
For each model NAME writes NAME.onnx, NAME.input.npy and NAME.output.npy (PyTorch's output).
"""
import argparse
import inspect
import os

import numpy as np
import torch
import torchvision

MODELS = {
    # name: (constructor, input size)
    "resnet50": (lambda: torchvision.models.resnet50(), 224),
    "mobilenet_v2": (lambda: torchvision.models.mobilenet_v2(), 224),
    "mobilenet_v3_large": (lambda: torchvision.models.mobilenet_v3_large(), 224),
    "efficientnet_b0": (lambda: torchvision.models.efficientnet_b0(), 224),
    "densenet121": (lambda: torchvision.models.densenet121(), 224),
    "squeezenet1_1": (lambda: torchvision.models.squeezenet1_1(), 224),
    "shufflenet_v2_x1_0": (lambda: torchvision.models.shufflenet_v2_x1_0(), 224),
    "fcn_resnet50": (lambda: torchvision.models.segmentation.fcn_resnet50(
        weights=None, weights_backbone=None, aux_loss=False), 224),
    "deeplabv3_mobilenet_v3_large": (
        lambda: torchvision.models.segmentation.deeplabv3_mobilenet_v3_large(
            weights=None, weights_backbone=None, aux_loss=False), 224),
}


class OutOnly(torch.nn.Module):
    """Segmentation models return a dict; export its 'out' tensor."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        y = self.m(x)
        return y["out"] if isinstance(y, dict) else y


def randomize_batchnorm(model, gen):
    # Fresh BatchNorm statistics are 0/1: make them non-trivial so folding is really tested.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 0.5 + 0.75)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/torchvision")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--batch", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        ctor, size = MODELS[name]
        torch.manual_seed(0)
        gen = torch.Generator().manual_seed(1)
        model = OutOnly(ctor()).eval()
        with torch.no_grad():
            randomize_batchnorm(model, gen)
        x = torch.randn(args.batch, 3, size, size, generator=gen)
        with torch.no_grad():
            y = model(x)
        path = os.path.join(args.out, name + ".onnx")
        kwargs = dict(opset_version=17, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        # PyTorch 2.x defaults to the dynamo exporter (opset 18, external data): keep the
        # legacy one, which writes one self-contained opset-17 file on old and new PyTorch.
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            kwargs["dynamo"] = False
        torch.onnx.export(model, x, path, **kwargs)
        np.save(os.path.join(args.out, name + ".input.npy"), x.numpy())
        np.save(os.path.join(args.out, name + ".output.npy"), y.numpy())
        print(f"{name}: {path} ({os.path.getsize(path) / 1e6:.1f} MB), output {tuple(y.shape)}")


if __name__ == "__main__":
    main()
