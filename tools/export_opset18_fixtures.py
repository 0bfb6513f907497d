#!/usr/bin/env python3
"""Exports small test models with a current PyTorch (2.x: opset 18, weights in .onnx.data).

Debian's PyTorch 1.13 cannot write these; the GPU machine's PyTorch 2.11 can:
    python3 tools/export_opset18_fixtures.py --out DIR
For each model NAME: NAME.onnx (+ NAME.onnx.data when the exporter writes external data),
NAME.input.npy, NAME.output.npy (PyTorch's output at batch 3) and a manifest.json.
"""
import argparse
import json
import os
import traceback

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCnn(nn.Module):
    """Conv/BN/ReLU/MaxPool, a mean over H and W (ReduceMean, axes as an input in opset 18)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2)
        self.b2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.b1(self.c1(x))), 2)
        x = F.relu6(self.b2(self.c2(x)))
        return self.fc(x.mean(dim=(2, 3)))


class TinyTransformer(nn.Module):
    """LayerNorm, GELU (Erf), MatMul, Softmax, chunk (Split), reshape/transposes on batch."""

    def __init__(self, d=16, heads=2):
        super().__init__()
        self.heads = heads
        self.norm = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 32), nn.GELU(), nn.Linear(32, d))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        split = lambda z: z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        att = torch.softmax(q @ k.transpose(-1, -2) / (d // self.heads) ** 0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.mlp(self.norm(x))


class TinyUNet(nn.Module):
    """ConvTranspose, bilinear Resize, Pad, Concat, Sigmoid."""

    def __init__(self):
        super().__init__()
        self.enc = nn.Conv2d(1, 8, 3, padding=1)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.dec = nn.Conv2d(16, 2, 3, padding=1)

    def forward(self, x):
        e = F.relu(self.enc(x))
        d = F.relu(self.down(e))
        u = self.up(d) + F.interpolate(d[:, :8], scale_factor=2.0, mode="bilinear", align_corners=False)
        u = F.pad(u, (0, 0, 0, 0))
        return torch.sigmoid(self.dec(torch.cat([u, e], dim=1)))


MODELS = {
    "small_cnn": (SmallCnn, (3, 3, 16, 16)),
    "tiny_transformer": (TinyTransformer, (3, 6, 16)),
    "tiny_unet": (TinyUNet, (3, 1, 16, 16)),
}


def export(name, ctor, shape, out):
    torch.manual_seed(0)
    model = ctor().eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out, name + ".onnx")
    batch = torch.export.Dim("batch", min=1, max=64)
    torch.onnx.export(model, (x,), path, dynamo=True, opset_version=18, external_data=True,
                      input_names=["input"], output_names=["output"],
                      dynamic_shapes=({0: batch},))
    np.save(os.path.join(out, name + ".input.npy"), x.numpy())
    np.save(os.path.join(out, name + ".output.npy"), y.numpy())
    files = sorted(f for f in os.listdir(out) if f.startswith(name + "."))
    return {"name": name, "files": files, "torch": torch.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    manifest = []
    for name, (ctor, shape) in MODELS.items():
        try:
            manifest.append(export(name, ctor, shape, args.out))
            print("exported", name)
        except Exception:
            traceback.print_exc()
            manifest.append({"name": name, "error": traceback.format_exc()[-2000:]})
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
