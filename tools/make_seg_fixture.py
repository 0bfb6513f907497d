#!/usr/bin/env python3
"""Writes tests/data/fashion_seg_test_0_3.npy.gz: canvases 0..3 of the Fashion-MNIST
segmentation test split (docs/fashion_seg_dataset.md), as uint8 [4, 2, 128, 128] where [i, 0] is
canvas i and [i, 1] its mask.

A deliberately plain, pixel-by-pixel NumPy port of the spec (tools/fashion_seg.py has the fast
one), independent of qrt's C++ generator (src/data/fashion_seg.cpp): the unit test
FashionSeg.MatchesPythonFixture checks one against the other, so both follow the document rather
than each other.

    python3 tools/make_seg_fixture.py [--data /usr/share/datasets/fashion-mnist] [--out FILE]

Needs only Python 3 and NumPy (Debian: python3-numpy) and the idx files of Debian's
dataset-fashion-mnist.
"""
import argparse
import gzip
import io
import os

import numpy as np

# PCG32 and the idx reader are shared with the fast port; the canvas below stays pixel by pixel.
from fashion_seg import Pcg32, read_idx_images


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
