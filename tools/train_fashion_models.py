#!/usr/bin/env python3
"""Trains and exports qrt's bundled Fashion-MNIST models (issue "Low precision", part 9).

Models (select with --models, letters or names):
  a  fashion_resnet       ResNet-style classifier (basic blocks, BN, ReLU), N x 1 x 28 x 28 -> N x 10
  b  fashion_mobilenetv2  MobileNetV2-style classifier (inverted residuals, depthwise 3x3, ReLU6)
  c  fashion_unet         U-Net segmenter on the 128 x 128 canvases of docs/fashion_seg_dataset.md,
                          N x 1 x 128 x 128 -> N x 1 x 128 x 128 logits
  d  fashion_resnet_qat   (a) with BN folded, fake-quantized (symmetric int8, per-channel weights,
                          per-tensor activations), fine-tuned, exported with QuantizeLinear /
                          DequantizeLinear pairs; needs (a) from the same run or --ckpt-dir
Each model: <out>/<name>.onnx (opset 17, dynamic batch, one file) and <out>/<name>.metrics.json.
With (c): <out>/fashion_seg_sample.npy (first 8 test canvases, model input, float32),
fashion_seg_sample_masks.npy and fashion_seg_sample_canvases.npy (uint8, N x 1 x 128 x 128).

Runs on Debian's python3-torch 1.13 (CPU) and on PyTorch 2.x (CUDA when present); only the
legacy TorchScript ONNX exporter is used. Order: a, d, b, c. Each model's untrained export is
checked first (--no-preflight skips that), so an exporter problem stops the run in seconds.
Quick CPU check (minutes; metrics on a subset, not for release):
  /usr/bin/python3 tools/train_fashion_models.py --epochs 1 --limit-train 1000 --limit-test 200
      --seg-per-epoch 200 --out /tmp/fm
The release run (GPU; default epochs a=15, b=15, c=10, d=2; a machine without the Debian
dataset reads the idx files from --data, e.g. a copy carried in an ignored folder .fmnist):
  python3 tools/train_fashion_models.py --data .fmnist --out models
"""
import argparse
import inspect
import json
import math
import os
import platform
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402  (tools/fashion_seg.py, beside this script)

DATA_CANDIDATES = ["/usr/share/datasets/fashion-mnist", ".fmnist", "data/fashion-mnist"]
MODEL_NAMES = {"a": "fashion_resnet", "b": "fashion_mobilenetv2", "c": "fashion_unet",
               "d": "fashion_resnet_qat"}
TRAIN_ORDER = ["a", "d", "b", "c"]  # the QAT model right after the model it starts from
DEFAULT_EPOCHS = {"a": 15, "b": 15, "c": 10, "d": 2}
OPSET = 17
MAX_MODEL_BYTES = 5 * 1024 * 1024


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------
def find_data_dir(explicit):
    for d in ([explicit] if explicit else DATA_CANDIDATES):
        if d and os.path.exists(os.path.join(d, "t10k-images-idx3-ubyte.gz")):
            return d
    sys.exit("Fashion-MNIST idx files not found (tried %s); pass --data DIR"
             % ", ".join([explicit] if explicit else DATA_CANDIDATES))


def normalize(u8):
    """(x / 255 - 0.5) / 0.5 in float32: the preprocessing qrt's data loaders default to."""
    return (u8.float() / 255.0 - 0.5) / 0.5


# ----------------------------------------------------------------------------------------------
# Segmentation canvases (docs/fashion_seg_dataset.md). PCG32 runs vectorized across canvases
# (each canvas has its own generator); painting is vectorized with integer tensor ops, so the
# result is exact on any device. tools/fashion_seg.py's make_canvas() is the check.
# ----------------------------------------------------------------------------------------------
PCG_MULT = fashion_seg.PCG_MULT
MASK64 = fashion_seg.MASK64
CANVAS = fashion_seg.CANVAS
MAX_DRAWS = 1 + 4 * 7 + 3  # count, up to 4 clutter pieces of 7 draws, the item's 3 draws


def pcg_draws(indices, stream, count):
    """count raw next_u32() values of each canvas's generator: uint64 array (len(indices), count)."""
    mult = np.uint64(PCG_MULT)
    inc = np.uint64(((stream << 1) | 1) & MASK64)
    state = np.zeros(len(indices), np.uint64)

    def step(st):
        old = st
        new = old * mult + inc  # uint64 arrays wrap modulo 2^64
        x = (((old >> np.uint64(18)) ^ old) >> np.uint64(27)) & np.uint64(0xFFFFFFFF)
        r = old >> np.uint64(59)
        out = ((x >> r) | (x << ((np.uint64(32) - r) & np.uint64(31)))) & np.uint64(0xFFFFFFFF)
        return new, out

    with np.errstate(over="ignore"):
        state, _ = step(state)
        state = state + np.asarray(indices, np.uint64)
        state, _ = step(state)
        out = np.empty((len(indices), count), np.uint64)
        for k in range(count):
            state, out[:, k] = step(state)
    return out.astype(np.int64)


def canvas_params(indices, split, n_images):
    """The random choices of each canvas, decoded from its draws in the documented order."""
    indices = np.asarray(indices, np.int64)
    u = pcg_draws(indices, 1 if split == "test" else 0, MAX_DRAWS)
    count = 2 + u[:, 0] % 3
    pieces = []
    for k in range(4):
        d = u[:, 1 + 7 * k:8 + 7 * k]
        j = d[:, 0] % n_images
        j = np.where(j == indices, (j + 1) % n_images, j)
        c = 10 + d[:, 1] % 9
        ox, oy = d[:, 2] % (29 - c), d[:, 3] % (29 - c)
        f = 1 + d[:, 4] % 3
        px, py = d[:, 5] % (129 - c * f), d[:, 6] % (129 - c * f)
        pieces.append(dict(active=k < count, j=j, c=c, ox=ox, oy=oy, f=f, px=px, py=py))
    base = 1 + 7 * count
    item = u[np.arange(len(indices))[:, None], base[:, None] + np.arange(3)[None, :]]
    f = 2 + item[:, 0] % 3
    s = 28 * f
    return pieces, dict(f=f, px=item[:, 1] % (129 - s), py=item[:, 2] % (129 - s))


def make_canvases(images_t, indices, split, chunk=2048):
    """Canvases and masks (uint8 tensors, len(indices) x 128 x 128, on images_t's device)."""
    dev = images_t.device
    n_images = images_t.shape[0]
    canvases, masks = [], []
    for start in range(0, len(indices), chunk):
        idx = np.asarray(indices[start:start + chunk], np.int64)
        pieces, item = canvas_params(idx, split, n_images)
        b = len(idx)
        canvas = torch.zeros(b * CANVAS * CANVAS, dtype=torch.uint8, device=dev)
        mask = torch.zeros_like(canvas)
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(dev)  # noqa: E731
        # Clutter: pieces of one slot never overlap across canvases, so a gather-max-scatter is
        # exact; max commutes, so slot order does not matter.
        span = torch.arange(18 * 3, device=dev)
        for p in pieces:
            sel = np.nonzero(p["active"])[0]
            if len(sel) == 0:
                continue
            j, c, ox, oy, f, px, py = (t(p[k][sel]) for k in ("j", "c", "ox", "oy", "f", "px", "py"))
            inside = span[None, :] < (c * f)[:, None]
            step = torch.div(span[None, :], f[:, None], rounding_mode="floor")
            rows = (oy[:, None] + step).clamp(max=27)
            cols = (ox[:, None] + step).clamp(max=27)
            v = images_t[j[:, None, None], rows[:, :, None], cols[:, None, :]].to(torch.int32) * 2 // 5
            valid = inside[:, :, None] & inside[:, None, :]
            flat = (t(sel)[:, None, None] * (CANVAS * CANVAS)
                    + (py[:, None] + span[None, :])[:, :, None] * CANVAS
                    + (px[:, None] + span[None, :])[:, None, :])
            flat, v = flat[valid], v[valid].to(torch.uint8)
            canvas[flat] = torch.maximum(canvas[flat], v)
        # The item, grouped by scale so each group has one exact size.
        for f in (2, 3, 4):
            sel = np.nonzero(item["f"] == f)[0]
            if len(sel) == 0:
                continue
            s = 28 * f
            src = torch.arange(s, device=dev) // f
            v = images_t[t(idx[sel])][:, src][:, :, src]
            yx = torch.arange(s, device=dev)
            flat = (t(sel)[:, None, None] * (CANVAS * CANVAS)
                    + (t(item["py"][sel])[:, None] + yx[None, :])[:, :, None] * CANVAS
                    + (t(item["px"][sel])[:, None] + yx[None, :])[:, None, :])
            own = v >= 32
            canvas[flat] = torch.where(own, v, torch.maximum(canvas[flat], v))
            mask[flat] = own.to(torch.uint8)
        canvases.append(canvas.view(b, CANVAS, CANVAS))
        masks.append(mask.view(b, CANVAS, CANVAS))
    return torch.cat(canvases), torch.cat(masks)


def check_canvases(images_np, images_t, split, indices):
    got_c, got_m = make_canvases(images_t, indices, split)
    for k, i in enumerate(indices):
        ref_c, ref_m = fashion_seg.make_canvas(images_np, int(i), test_split=(split == "test"))
        if not (np.array_equal(ref_c, got_c[k].cpu().numpy())
                and np.array_equal(ref_m, got_m[k].cpu().numpy())):
            sys.exit(f"canvas generator mismatch: {split} canvas {i} differs from the reference")


# ----------------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------------
def conv_bn(cin, cout, k, stride=1, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv_bn(cin, cout, 3, stride)
        self.conv2, self.bn2 = conv_bn(cout, cout, 3)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(*conv_bn(cin, cout, 1, stride))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.shortcut is None else self.shortcut(x)))


class FashionResNet(nn.Module):
    """Stem 32 ch at 28x28, then 2 basic blocks per stage: 32 (28x28), 64 (14x14), 128 (7x7)."""

    def __init__(self, widths=(32, 64, 128), blocks=2):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(1, widths[0], 3), nn.ReLU())
        layers, cin = [], widths[0]
        for stage, w in enumerate(widths):
            for b in range(blocks):
                layers.append(BasicBlock(cin, w, 2 if stage > 0 and b == 0 else 1))
                cin = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.layers(self.stem(x))), 1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers += conv_bn(cin, hidden, 1) + [nn.ReLU6()]
        layers += conv_bn(hidden, hidden, 3, stride, groups=hidden) + [nn.ReLU6()]
        layers += conv_bn(hidden, cout, 1)  # linear bottleneck: no activation
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class FashionMobileNetV2(nn.Module):
    # (expansion, channels, repeats, first stride), MobileNetV2's table scaled to 28x28 inputs.
    CONFIG = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 3, 1), (6, 96, 2, 1)]

    def __init__(self, last=256):
        super().__init__()
        layers, cin = conv_bn(1, 16, 3) + [nn.ReLU6()], 16
        for t, c, n, s in self.CONFIG:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers += conv_bn(cin, last, 1) + [nn.ReLU6()]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(last, 10)

    def forward(self, x):
        return self.fc(self.dropout(torch.flatten(self.pool(self.features(x)), 1)))


def double_conv(cin, cout):
    return nn.Sequential(*conv_bn(cin, cout, 3), nn.ReLU(), *conv_bn(cout, cout, 3), nn.ReLU())


class FashionUNet(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128)):
        super().__init__()
        self.down = nn.ModuleList()
        cin = 1
        for w in widths:
            self.down.append(double_conv(cin, w))
            cin = w
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for w in reversed(widths[:-1]):
            self.up.append(nn.ConvTranspose2d(cin, w, 2, stride=2))
            self.merge.append(double_conv(2 * w, w))
            cin = w
        self.head = nn.Conv2d(cin, 1, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            if i > 0:
                x = F.max_pool2d(x, 2)
            x = block(x)
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], 1))
        return self.head(x)


# --- QAT: symmetric int8 fake quantization, exported as QuantizeLinear/DequantizeLinear --------
QMIN, QMAX = -128, 127


class ActQuant(nn.Module):
    """Per-tensor symmetric int8 fake quantization, scale = amax / 127, zero point 0. amax is the
    mean of per-batch maxima while calibrating, then an exponential moving average in training
    until frozen."""

    def __init__(self):
        super().__init__()
        self.register_buffer("amax", torch.zeros(()))
        self.register_buffer("batches", torch.zeros((), dtype=torch.int64))
        self.register_buffer("scale", torch.ones(()))
        self.register_buffer("zero_point", torch.zeros((), dtype=torch.int32))
        self.calibrating = False
        self.frozen = False

    def current_scale(self):
        return (self.amax / 127.0).clamp(min=1e-8)

    def freeze(self):
        self.scale.copy_(self.current_scale())
        self.frozen = True

    def forward(self, x):
        if self.calibrating:
            m = x.detach().abs().max()
            self.amax.copy_((self.amax * self.batches + m) / (self.batches + 1))
            self.batches += 1
            return x
        if self.training and not self.frozen:
            self.amax.copy_(0.99 * self.amax + 0.01 * x.detach().abs().max())
        scale = self.scale if self.frozen else self.current_scale()
        return torch.fake_quantize_per_tensor_affine(x, scale, self.zero_point, QMIN, QMAX)


class QuantConv(nn.Module):
    """Conv2d (BN folded in) whose weights are fake-quantized per output channel (axis 0)."""

    def __init__(self, weight, bias, stride, padding, groups):
        super().__init__()
        self.weight = nn.Parameter(weight.detach().clone())
        self.bias = nn.Parameter(bias.detach().clone())
        self.stride, self.padding, self.groups = stride, padding, groups
        self.register_buffer("zero_point", torch.zeros(weight.shape[0], dtype=torch.int32))
        self.register_buffer("frozen_scale", torch.zeros(weight.shape[0]))
        self.frozen = False

    def weight_scale(self):
        if self.frozen:
            return self.frozen_scale
        return (self.weight.detach().abs().flatten(1).amax(1) / 127.0).clamp(min=1e-8)

    def freeze(self):
        self.frozen_scale.copy_(self.weight_scale())
        self.frozen = True

    def quantized_weight(self):
        return torch.fake_quantize_per_channel_affine(self.weight, self.weight_scale(),
                                                      self.zero_point, 0, QMIN, QMAX)

    def forward(self, x):
        return F.conv2d(x, self.quantized_weight(), self.bias, self.stride, self.padding, 1,
                        self.groups)


class QuantLinear(QuantConv):
    def __init__(self, linear):
        super().__init__(linear.weight, linear.bias, 1, 0, 1)

    def forward(self, x):
        return F.linear(x, self.quantized_weight(), self.bias)


def fold_bn(conv, bn):
    std = torch.sqrt(bn.running_var + bn.eps)
    gamma = bn.weight / std
    weight = conv.weight * gamma.reshape(-1, 1, 1, 1)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    bias = bn.bias + (bias - bn.running_mean) * gamma
    return QuantConv(weight, bias, conv.stride, conv.padding, conv.groups)


class QuantBasicBlock(nn.Module):
    def __init__(self, block):
        super().__init__()
        self.conv1 = fold_bn(block.conv1, block.bn1)
        self.q2 = ActQuant()
        self.conv2 = fold_bn(block.conv2, block.bn2)
        self.shortcut = None if block.shortcut is None else fold_bn(*block.shortcut)

    def forward(self, xq):  # xq: the block's input, already fake-quantized
        h = self.conv2(self.q2(F.relu(self.conv1(xq))))
        return F.relu(h + (xq if self.shortcut is None else self.shortcut(xq)))


class FashionResNetQAT(nn.Module):
    """FashionResNet with BN folded into the convolutions; int8 QDQ on every Conv/Gemm input
    (a block's input quantizer is shared by its first conv, its shortcut and the residual add)."""

    def __init__(self, fp32):
        super().__init__()
        self.q_in = ActQuant()
        self.stem = fold_bn(fp32.stem[0], fp32.stem[1])
        self.q_blocks = nn.ModuleList([ActQuant() for _ in fp32.layers])
        self.blocks = nn.ModuleList([QuantBasicBlock(b) for b in fp32.layers])
        self.q_fc = ActQuant()
        self.fc = QuantLinear(fp32.fc)

    def forward(self, x):
        x = F.relu(self.stem(self.q_in(x)))
        for q, block in zip(self.q_blocks, self.blocks):
            x = block(q(x))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(self.q_fc(x))

    def set_mode(self, calibrating=False, freeze_acts=False, freeze_weights=False):
        for m in self.modules():
            if isinstance(m, ActQuant):
                m.calibrating = calibrating
            freeze = freeze_acts if isinstance(m, ActQuant) else freeze_weights
            if isinstance(m, (ActQuant, QuantConv)):
                if freeze:
                    m.freeze()
                else:
                    m.frozen = False


# ----------------------------------------------------------------------------------------------
# Training and evaluation
# ----------------------------------------------------------------------------------------------
def log(msg):
    print(msg, flush=True)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def augment(x):
    """Random shift by up to 2 pixels (background fill) and horizontal flip, per image."""
    b, dev = x.shape[0], x.device
    xp = F.pad(x, (2, 2, 2, 2), value=-1.0)
    ar = torch.arange(28, device=dev)
    rows = torch.randint(0, 5, (b, 1), device=dev) + ar[None, :]
    cols = torch.randint(0, 5, (b, 1), device=dev) + ar[None, :]
    flip = torch.rand(b, 1, device=dev) < 0.5
    cols = torch.where(flip, cols.flip(1), cols)
    out = xp[torch.arange(b, device=dev)[:, None, None], 0, rows[:, :, None], cols[:, None, :]]
    return out[:, None]


def evaluate_classifier(model, x_u8, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x_u8), batch):
            logits = model(normalize(x_u8[i:i + batch, None]))
            correct += int((logits.argmax(1) == y[i:i + batch]).sum())
    return correct / len(x_u8)


def warmup_cosine(opt, total_steps, warmup_frac):
    """Linear warm-up to the base learning rate, then cosine decay to zero (per step)."""
    warm = int(total_steps * warmup_frac)

    def factor(step):
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total_steps - warm))))

    return torch.optim.lr_scheduler.LambdaLR(opt, factor)


def train_classifier(model, data, epochs, lr, wd, batch, dev, tag, eval_each, warmup=0.2,
                     on_epoch=None):
    x_tr, y_tr, x_te, y_te = data
    n = len(x_tr)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
    sched = warmup_cosine(opt, epochs * math.ceil(n / batch), warmup)
    for epoch in range(epochs):
        if on_epoch is not None:
            on_epoch(epoch)
        model.train()
        sync(dev)
        t0 = time.time()
        perm = torch.randperm(n, device=dev)
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), device=dev, dtype=torch.int64)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            x = augment(normalize(x_tr[idx][:, None]))
            logits = model(x)
            loss = F.cross_entropy(logits, y_tr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.detach() * len(idx)
            correct += (logits.detach().argmax(1) == y_tr[idx]).sum()
        sync(dev)
        dt = time.time() - t0
        msg = (f"[{tag}] epoch {epoch + 1}/{epochs}: loss {float(loss_sum) / n:.4f} "
               f"train-acc {100.0 * float(correct) / n:.2f}% {dt:.1f} s ({n / dt:.0f} img/s)")
        if eval_each or epoch == epochs - 1:
            msg += f" test-acc {100.0 * evaluate_classifier(model, x_te, y_te):.2f}%"
        log(msg)


def seg_scores(logits, masks):
    pred = logits > 0
    gt = masks.bool()
    inter = (pred & gt).flatten(1).sum(1).double()
    p, g = pred.flatten(1).sum(1).double(), gt.flatten(1).sum(1).double()
    union = p + g - inter
    dice = torch.where(p + g > 0, 2 * inter / (p + g).clamp(min=1), torch.ones_like(inter))
    iou = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(inter))
    return dice, iou


def evaluate_segmenter(model, canvases, masks, batch=250):
    model.eval()
    dices, ious = [], []
    with torch.no_grad():
        for i in range(0, len(canvases), batch):
            logits = model(normalize(canvases[i:i + batch, None]))
            d, u = seg_scores(logits, masks[i:i + batch, None])
            dices.append(d)
            ious.append(u)
    return float(torch.cat(dices).mean()), float(torch.cat(ious).mean())


def train_segmenter(model, data, epochs, per_epoch, lr, batch, dev, eval_each):
    c_tr, m_tr, c_te, m_te = data
    per_epoch = min(per_epoch, len(c_tr))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = warmup_cosine(opt, epochs * math.ceil(per_epoch / batch), 0.1)
    for epoch in range(epochs):
        model.train()
        sync(dev)
        t0 = time.time()
        subset = torch.randperm(len(c_tr), device=dev)[:per_epoch]
        loss_sum = torch.zeros((), device=dev)
        for i in range(0, per_epoch, batch):
            idx = subset[i:i + batch]
            x = normalize(c_tr[idx][:, None])
            target = m_tr[idx][:, None].float()
            if torch.rand(()) < 0.5:  # the canvas distribution is mirror-symmetric
                x, target = x.flip(3), target.flip(3)
            logits = model(x)
            prob = torch.sigmoid(logits)
            inter = (prob * target).flatten(1).sum(1)
            soft_dice = (2 * inter + 1) / (prob.flatten(1).sum(1) + target.flatten(1).sum(1) + 1)
            loss = F.binary_cross_entropy_with_logits(logits, target) + (1 - soft_dice).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.detach() * len(idx)
        sync(dev)
        dt = time.time() - t0
        msg = (f"[fashion_unet] epoch {epoch + 1}/{epochs}: loss {float(loss_sum) / per_epoch:.4f} "
               f"{dt:.1f} s ({per_epoch / dt:.0f} canvases/s)")
        if eval_each or epoch == epochs - 1:
            d, u = evaluate_segmenter(model, c_te, m_te)
            msg += f" test dice {d:.4f} iou {u:.4f}"
        log(msg)


# ----------------------------------------------------------------------------------------------
# Export and checks
# ----------------------------------------------------------------------------------------------
def export_onnx(model, example, path, input_name, output_name):
    model = model.cpu().eval()
    kwargs = dict(opset_version=OPSET, input_names=[input_name], output_names=[output_name],
                  dynamic_axes={input_name: {0: "batch"}, output_name: {0: "batch"}},
                  do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False  # PyTorch 2.x: the legacy TorchScript exporter
    torch.onnx.export(model, (example.cpu(),), path, **kwargs)
    bypass_identities(path)
    if os.path.exists(path + ".data"):
        sys.exit(f"{path}: the exporter wrote external data; expected one file")
    size = os.path.getsize(path)
    if size > MAX_MODEL_BYTES:
        sys.exit(f"{path}: {size} bytes, over the 5 MB limit")
    return size


def bypass_identities(path):
    """The exporter shares equal-valued constants (the QDQ zero points) through Identity nodes;
    point their users at the initializer itself so every Q/DQ input is a plain initializer."""
    try:
        import onnx
    except ImportError:
        return
    m = onnx.load(path)
    inits = {t.name for t in m.graph.initializer}
    outputs = {o.name for o in m.graph.output}
    rename = {n.output[0]: n.input[0] for n in m.graph.node
              if n.op_type == "Identity" and n.input[0] in inits and n.output[0] not in outputs}
    if not rename:
        return
    keep = [n for n in m.graph.node if not (n.op_type == "Identity" and n.output[0] in rename)]
    for n in keep:
        for i, name in enumerate(n.input):
            n.input[i] = rename.get(name, name)
    del m.graph.node[:]
    m.graph.node.extend(keep)
    onnx.save(m, path)


def check_onnx(path, expect_qdq, example, reference, quiet=False):
    """Structural checks with the onnx package (and an onnxruntime comparison where present)."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        log(f"  (onnx not installed: skipped the structural check of {path})")
        return {}
    m = onnx.load(path)
    onnx.checker.check_model(m)
    opset = {o.domain: o.version for o in m.opset_import}.get("", None)
    if opset != OPSET:
        sys.exit(f"{path}: default-domain opset {opset}, expected {OPSET}")
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer):
        sys.exit(f"{path}: initializers stored externally")
    dim0 = m.graph.input[0].type.tensor_type.shape.dim[0]
    if not dim0.dim_param:
        sys.exit(f"{path}: the batch axis is not dynamic")
    ops = {}
    for node in m.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    info = {"opset": opset, "ops": ops}
    if expect_qdq:
        check_qdq(path, m, numpy_helper)
        info["qdq"] = {"QuantizeLinear": ops.get("QuantizeLinear", 0),
                       "DequantizeLinear": ops.get("DequantizeLinear", 0)}
    if not quiet:
        log(f"  onnx check ok: opset {opset}, ops {dict(sorted(ops.items()))}")
    try:
        import onnxruntime as ort
    except ImportError:
        return info
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out = sess.run(None, {sess.get_inputs()[0].name: example.cpu().numpy()})[0]
    diff = float(np.abs(out - reference).max())
    if diff > 1e-3 * max(1.0, float(np.abs(reference).max())) and not expect_qdq:
        sys.exit(f"{path}: onnxruntime differs from PyTorch by {diff:.3g}")
    if not quiet:
        log(f"  onnxruntime vs PyTorch on the sample batch: max abs diff {diff:.3g}")
    info["onnxruntime_max_abs_diff"] = diff
    return info


def check_qdq(path, m, numpy_helper):
    consts = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value":
                    consts[node.output[0]] = numpy_helper.to_array(a.t)
    qdq = [n for n in m.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    if not any(n.op_type == "QuantizeLinear" for n in qdq) or \
            not any(n.op_type == "DequantizeLinear" for n in qdq):
        sys.exit(f"{path}: no QuantizeLinear/DequantizeLinear nodes")
    per_channel = 0
    for n in qdq:
        if len(n.input) < 3 or n.input[2] not in consts or n.input[1] not in consts:
            sys.exit(f"{path}: {n.op_type} '{n.name}' has no constant scale/zero point")
        zp, scale = consts[n.input[2]], consts[n.input[1]]
        if zp.dtype != np.int8 or np.any(zp != 0):
            sys.exit(f"{path}: {n.op_type} '{n.name}' zero point is not int8 0")
        if np.any(scale <= 0):
            sys.exit(f"{path}: {n.op_type} '{n.name}' has a non-positive scale")
        if scale.size > 1:
            axis = [a.i for a in n.attribute if a.name == "axis"]
            if axis != [0]:
                sys.exit(f"{path}: per-channel {n.op_type} '{n.name}' has axis {axis}, expected 0")
            per_channel += 1
    weight_convs = [n for n in m.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")]
    if per_channel < 2 * len(weight_convs):
        sys.exit(f"{path}: {per_channel} per-channel Q/DQ nodes for {len(weight_convs)} Conv/Gemm")


def preflight(models, calib_u8, tmp_dir):
    """Exports each selected model untrained and checks it, so an exporter problem shows in
    seconds instead of after the training."""
    os.makedirs(tmp_dir, exist_ok=True)
    for key in models:
        if key == "c":
            model, x = FashionUNet(), torch.zeros(2, 1, CANVAS, CANVAS)
        elif key == "d":
            model = FashionResNetQAT(FashionResNet().eval())
            model.set_mode(calibrating=True)
            model.eval()
            with torch.no_grad():
                model(normalize(calib_u8[:64, None].cpu()))
            model.set_mode(freeze_acts=True, freeze_weights=True)
            x = normalize(calib_u8[:2, None].cpu())
        else:
            model = FashionResNet() if key == "a" else FashionMobileNetV2()
            x = torch.zeros(2, 1, 28, 28)
        model.eval()
        path = os.path.join(tmp_dir, MODEL_NAMES[key] + ".onnx")
        export_onnx(model, x, path, "image", "out")
        with torch.no_grad():
            ref = model(x).numpy()
        check_onnx(path, key == "d", x, ref, quiet=True)
    log(f"preflight: exported and checked {[MODEL_NAMES[k] for k in models]} (untrained)")


def save_checkpoint(ckpt_dir, name, model):
    os.makedirs(ckpt_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(ckpt_dir, name + ".pt"))


def write_metrics(out, name, info):
    path = os.path.join(out, name + ".metrics.json")
    with open(path, "w") as f:
        json.dump(info, f, indent=2, sort_keys=False)
        f.write("\n")
    log(f"  wrote {path}")


# ----------------------------------------------------------------------------------------------
def parse_models(spec):
    out = []
    for s in spec.split(","):
        s = s.strip()
        key = s if s in MODEL_NAMES else {v: k for k, v in MODEL_NAMES.items()}.get(s)
        if key is None:
            sys.exit(f"--models: unknown model '{s}' (a,b,c,d or {', '.join(MODEL_NAMES.values())})")
        if key not in out:
            out.append(key)
    return sorted(out, key=TRAIN_ORDER.index)


def parse_epochs(spec):
    epochs = dict(DEFAULT_EPOCHS)
    if spec:
        for part in spec.split(","):
            if "=" in part:
                k, v = part.split("=", 1)
                k = k if k in MODEL_NAMES else {v2: k2 for k2, v2 in MODEL_NAMES.items()}.get(k)
                if k is None:
                    sys.exit(f"--epochs: unknown model in '{part}'")
                epochs[k] = int(v)
            else:
                epochs = {k: int(part) for k in MODEL_NAMES}
    return epochs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--models", default="a,b,c,d", help="a,b,c,d or model names (default all)")
    ap.add_argument("--epochs", default=None,
                    help="N for every model, or a=15,b=15,c=10,d=2 (the defaults)")
    ap.add_argument("--out", default="models")
    ap.add_argument("--data", default=None, help="folder of the Fashion-MNIST idx .gz files")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=256, help="classifier batch size")
    ap.add_argument("--seg-batch", type=int, default=64)
    ap.add_argument("--seg-per-epoch", type=int, default=20000,
                    help="train canvases drawn (from all 60,000) per U-Net epoch")
    ap.add_argument("--limit-train", type=int, default=0, help="use only the first N train items")
    ap.add_argument("--limit-test", type=int, default=0,
                    help="evaluate on the first N test items only (quick checks; not for release)")
    ap.add_argument("--ckpt-dir", default="out/train_ckpt",
                    help="where (a)'s weights are kept for (d) in a later run")
    ap.add_argument("--no-preflight", action="store_true",
                    help="skip exporting the untrained models before training")
    ap.add_argument("--eval-each-epoch", action="store_true",
                    help="test metric after every epoch (default: on CUDA only)")
    args = ap.parse_args()

    models = parse_models(args.models)
    epochs = parse_epochs(args.epochs)
    if args.device == "auto":
        dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        dev = torch.device(args.device)
        if dev.type == "cuda" and not torch.cuda.is_available():
            sys.exit("--device cuda: CUDA is not available")
    eval_each = args.eval_each_epoch or dev.type == "cuda"
    if dev.type == "cuda":
        torch.backends.cudnn.benchmark = True
    dev_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else platform.processor() or "cpu"
    command = "python3 " + shlex.join(sys.argv)
    data_dir = find_data_dir(args.data)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    log(f"torch {torch.__version__}, numpy {np.__version__}, device {dev} ({dev_name}), "
        f"data {data_dir}, models {[MODEL_NAMES[k] for k in models]}, "
        f"epochs { {MODEL_NAMES[k]: epochs[k] for k in models} }")

    train_np, train_y = fashion_seg.load_split("train", data_dir)
    test_np, test_y = fashion_seg.load_split("test", data_dir)
    if args.limit_train:
        n_train = min(args.limit_train, len(train_np))
    else:
        n_train = len(train_np)
    n_test = min(args.limit_test, len(test_np)) if args.limit_test else len(test_np)
    train_t = torch.from_numpy(train_np.copy()).to(dev)
    test_t = torch.from_numpy(test_np.copy()).to(dev)
    cls_data = (train_t[:n_train], torch.from_numpy(train_y[:n_train]).to(dev),
                test_t[:n_test], torch.from_numpy(test_y[:n_test]).to(dev))
    sample_x = normalize(test_t[:8, None]).cpu()

    def base_info(key, model, n_epochs, seconds, size, check):
        return {"model": MODEL_NAMES[key], "file": MODEL_NAMES[key] + ".onnx",
                "epochs": n_epochs, "train_samples": n_train, "test_samples": n_test,
                "params": sum(p.numel() for p in model.parameters()), "onnx_bytes": size,
                "opset": OPSET, "device": f"{dev.type} ({dev_name})", "torch": torch.__version__,
                "seed": args.seed, "train_seconds": round(seconds, 1), "command": command,
                "onnx_check": check}

    if not args.no_preflight:
        preflight(models, train_t[:64], os.path.join(args.ckpt_dir, "preflight"))
    resnet = None
    for key in models:
        name = MODEL_NAMES[key]
        torch.manual_seed(args.seed + ord(key))
        np.random.seed(args.seed + ord(key))
        t0 = time.time()
        if key in ("a", "b"):
            model = (FashionResNet() if key == "a" else FashionMobileNetV2()).to(dev)
            lr, wd = (0.1, 5e-4) if key == "a" else (0.1, 4e-5)
            train_classifier(model, cls_data, epochs[key], lr, wd, args.batch, dev, name, eval_each)
            acc = evaluate_classifier(model, cls_data[2], cls_data[3])
            seconds = time.time() - t0
            log(f"[{name}] FP32 top-1 {100 * acc:.2f}% on {n_test} test images ({seconds:.0f} s)")
            if key == "a":
                resnet = model
            save_checkpoint(args.ckpt_dir, name, model)
            path = os.path.join(args.out, name + ".onnx")
            size = export_onnx(model, sample_x, path, "image", "logits")
            with torch.no_grad():
                ref = model(sample_x).numpy()
            model.to(dev)
            check = check_onnx(path, False, sample_x, ref)
            info = base_info(key, model, epochs[key], seconds, size, check)
            info.update(metric="top1", value=round(acc, 6))
            log(f"  wrote {path} ({size} bytes)")
            write_metrics(args.out, name, info)
        elif key == "c":
            t_gen = time.time()
            check_canvases(test_np, test_t, "test", [0, 1, 9999])
            check_canvases(train_np, train_t, "train", [0, 59999])
            c_te, m_te = make_canvases(test_t, np.arange(n_test), "test")
            c_tr, m_tr = make_canvases(train_t, np.arange(n_train), "train")
            sync(dev)
            log(f"[{name}] generated {n_train} train + {n_test} test canvases in "
                f"{time.time() - t_gen:.1f} s (checked against the reference algorithm)")
            np.save(os.path.join(args.out, "fashion_seg_sample.npy"),
                    normalize(c_te[:8, None]).cpu().numpy())
            np.save(os.path.join(args.out, "fashion_seg_sample_masks.npy"),
                    m_te[:8, None].cpu().numpy())
            np.save(os.path.join(args.out, "fashion_seg_sample_canvases.npy"),
                    c_te[:8, None].cpu().numpy())
            model = FashionUNet().to(dev)
            train_segmenter(model, (c_tr, m_tr, c_te, m_te), epochs[key], args.seg_per_epoch,
                            3e-3, args.seg_batch, dev, eval_each)
            dice, iou = evaluate_segmenter(model, c_te, m_te)
            seconds = time.time() - t0
            log(f"[{name}] FP32 dice {dice:.4f} iou {iou:.4f} on {n_test} test canvases "
                f"({seconds:.0f} s)")
            seg_sample = normalize(c_te[:8, None]).cpu()
            save_checkpoint(args.ckpt_dir, name, model)
            path = os.path.join(args.out, name + ".onnx")
            size = export_onnx(model, seg_sample, path, "image", "mask_logits")
            with torch.no_grad():
                ref = model(seg_sample).numpy()
            check = check_onnx(path, False, seg_sample, ref)
            info = base_info(key, model, epochs[key], seconds, size, check)
            info.update(metric="dice", value=round(dice, 6), iou=round(iou, 6),
                        train_samples=min(args.seg_per_epoch, n_train),
                        train_pool=n_train, dataset="docs/fashion_seg_dataset.md")
            log(f"  wrote {path} ({size} bytes)")
            write_metrics(args.out, name, info)
            del c_tr, m_tr
        elif key == "d":
            if resnet is None:
                ckpt = os.path.join(args.ckpt_dir, MODEL_NAMES["a"] + ".pt")
                if not os.path.exists(ckpt):
                    sys.exit(f"{name} needs {MODEL_NAMES['a']}: train (a) in this run or keep {ckpt}")
                resnet = FashionResNet()
                resnet.load_state_dict(torch.load(ckpt, map_location="cpu"))
                resnet.to(dev)
            resnet.eval()
            fp32_acc = evaluate_classifier(resnet, cls_data[2], cls_data[3])
            model = FashionResNetQAT(resnet).to(dev)
            # Calibrate activation ranges on un-augmented train batches, then fine-tune.
            model.set_mode(calibrating=True)
            model.eval()
            with torch.no_grad():
                for i in range(0, min(n_train, 32 * args.batch), args.batch):
                    model(normalize(cls_data[0][i:i + args.batch, None]))
            model.set_mode(calibrating=False)
            ptq_acc = evaluate_classifier(model, cls_data[2], cls_data[3])
            log(f"[{name}] FP32 start {100 * fp32_acc:.2f}%, fake-quant after calibration "
                f"{100 * ptq_acc:.2f}%")
            # Ranges adapt during all but the last epoch, then stay fixed.
            n_ep = epochs[key]
            train_classifier(model, cls_data, n_ep, 2e-3, 5e-5, args.batch, dev, name, eval_each,
                             warmup=0.0, on_epoch=lambda ep: model.set_mode(
                                 freeze_acts=(ep == n_ep - 1 and n_ep > 1)))
            model.set_mode(freeze_acts=True, freeze_weights=True)
            acc = evaluate_classifier(model, cls_data[2], cls_data[3])
            seconds = time.time() - t0
            log(f"[{name}] fake-quantized top-1 {100 * acc:.2f}% on {n_test} test images "
                f"({seconds:.0f} s)")
            save_checkpoint(args.ckpt_dir, name, model)
            path = os.path.join(args.out, name + ".onnx")
            size = export_onnx(model, sample_x, path, "image", "logits")
            with torch.no_grad():
                ref = model(sample_x).numpy()
            check = check_onnx(path, True, sample_x, ref)
            info = base_info(key, model, n_ep, seconds, size, check)
            info.update(metric="top1_fake_quant", value=round(acc, 6),
                        fp32_start_top1=round(fp32_acc, 6), after_calibration_top1=round(ptq_acc, 6),
                        quantization="symmetric int8, zero point 0, scale amax/127; weights per "
                                     "output channel (axis 0), activations per tensor; BN folded")
            log(f"  wrote {path} ({size} bytes)")
            write_metrics(args.out, name, info)
    log(f"done in {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
