#!/usr/bin/env python3
"""Writes tests/data/fashion_seg_test_0_3.npy.gz: canvases 0..3 of the Fashion-MNIST
segmentation test split (docs/fashion_seg_dataset.md), as uint8 [4, 2, 128, 128] where [i, 0] is
canvas i and [i, 1] its mask.

A deliberately plain, standalone NumPy port of the spec, independent of qrt's C++ generator
(src/data/fashion_seg.cpp): the unit test FashionSeg.MatchesPythonFixture checks one against the
other, so both follow the document rather than each other.

    python3 tools/make_seg_fixture.py [--data /usr/share/datasets/fashion-mnist] [--out FILE]

Needs only Python 3 and NumPy (Debian: python3-numpy) and the idx files of Debian's
dataset-fashion-mnist.
"""
import argparse
import gzip
import io
import os

import numpy as np

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


class Pcg32:
    """PCG32 XSH-RR with Python integers reduced modulo 2^64 / 2^32 by hand."""

    def __init__(self, seed, stream):
        self.state = 0
        self.inc = ((stream << 1) | 1) & MASK64
        self.next_u32()
        self.state = (self.state + seed) & MASK64
        self.next_u32()

    def next_u32(self):
        old = self.state
        self.state = (old * 6364136223846793005 + self.inc) & MASK64
        x = (((old >> 18) ^ old) >> 27) & MASK32
        r = old >> 59
        return ((x >> r) | (x << ((32 - r) & 31))) & MASK32

    def uniform(self, n):
        return self.next_u32() % n


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x00\x00\x08\x03", "not an idx3 ubyte file: " + path
    n, h, w = (int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(3))
    return np.frombuffer(data, dtype=np.uint8, count=n * h * w, offset=16).reshape(n, h, w)


def make_canvas(images, i, test_split):
    n = images.shape[0]
    rng = Pcg32(seed=i, stream=1 if test_split else 0)
    canvas = np.zeros((128, 128), dtype=np.uint8)
    mask = np.zeros((128, 128), dtype=np.uint8)
    count = 2 + rng.uniform(3)
    for _ in range(count):
        j = rng.uniform(n)
        if j == i:
            j = (j + 1) % n
        c = 10 + rng.uniform(9)
        ox = rng.uniform(29 - c)
        oy = rng.uniform(29 - c)
        f = 1 + rng.uniform(3)
        px = rng.uniform(129 - c * f)
        py = rng.uniform(129 - c * f)
        for y in range(c * f):
            for x in range(c * f):
                v = int(images[j, oy + y // f, ox + x // f]) * 2 // 5
                canvas[py + y, px + x] = max(int(canvas[py + y, px + x]), v)
    f = 2 + rng.uniform(3)
    s = 28 * f
    px = rng.uniform(129 - s)
    py = rng.uniform(129 - s)
    for y in range(s):
        for x in range(s):
            v = int(images[i, y // f, x // f])
            if v >= 32:
                canvas[py + y, px + x] = v
                mask[py + y, px + x] = 1
            else:
                canvas[py + y, px + x] = max(int(canvas[py + y, px + x]), v)
    return canvas, mask


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--out", default=os.path.join(root, "tests/data/fashion_seg_test_0_3.npy.gz"))
    args = parser.parse_args()
    images = read_idx_images(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))
    fixture = np.stack([np.stack(make_canvas(images, i, test_split=True)) for i in range(4)])
    # The .npy bytes gzipped with a fixed timestamp, so reruns give the same file.
    buffer = io.BytesIO()
    np.save(buffer, fixture)
    with open(args.out, "wb") as out:
        out.write(gzip.compress(buffer.getvalue(), mtime=0))
    print("wrote", args.out, fixture.shape, "mask pixels per canvas:", fixture[:, 1].sum(axis=(1, 2)))


if __name__ == "__main__":
    main()
