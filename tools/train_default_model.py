#!/usr/bin/env python3
"""Trains qrt's bundled default model: a small CNN classifier on Fashion-MNIST.

Runs on Debian's python3-torch (CPU) in about a minute:
    /usr/bin/python3 tools/train_default_model.py --out models
Writes models/fashion_cnn.onnx (opset 17, dynamic batch), models/fashion_sample.npy (8 test
images, N x 1 x 28 x 28 float32) with their labels, and prints the test accuracy.
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn

DATA = "/usr/share/datasets/fashion-mnist"


def load_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    dims = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def preprocess(images):
    # Same normalisation qrt's data loaders default to for Fashion-MNIST: x/255, mean 0.5, std 0.5.
    return ((images.astype(np.float32) / 255.0 - 0.5) / 0.5)[:, None, :, :]


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.1), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    x_train = torch.from_numpy(preprocess(load_idx("train-images-idx3-ubyte.gz")))
    y_train = torch.from_numpy(load_idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    x_test = preprocess(load_idx("t10k-images-idx3-ubyte.gz"))
    y_test = load_idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    model = FashionCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(x_train))
        for i in range(0, len(perm), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: last loss {loss.item():.3f}")
    model.eval()
    with torch.no_grad():
        pred = np.concatenate([model(torch.from_numpy(x_test[i:i + 1000])).argmax(1).numpy()
                               for i in range(0, len(x_test), 1000)])
    accuracy = float((pred == y_test).mean())
    print(f"FP32 test accuracy (PyTorch): {accuracy * 100:.2f}% on {len(y_test)} images")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "fashion_cnn.onnx")
    torch.onnx.export(model, torch.from_numpy(x_test[:1]), path, opset_version=17,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    np.save(os.path.join(args.out, "fashion_sample.npy"), x_test[:8])
    np.save(os.path.join(args.out, "fashion_sample_labels.npy"), y_test[:8])
    with torch.no_grad():
        np.save(os.path.join(args.out, "fashion_sample_logits.npy"),
                model(torch.from_numpy(x_test[:8])).numpy())
    print("wrote", path)


if __name__ == "__main__":
    main()
