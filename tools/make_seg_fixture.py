#!/usr/bin/env python3
"""Writes tests/data/fashion_seg_test_0_3.npy.gz: canvases 0..3 of the Fashion-MNIST
segmentation test split (docs/fashion_seg_dataset.md), as uint8 [4, 2, 128, 128] where [i, 0] is
canvas i and [i, 1] its mask.

The canvases come from tools/fashion_seg.py, a NumPy implementation of the document that is
independent of qrt's C++ generator (src/data/fashion_seg.cpp): the unit test
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
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_seg  # noqa: E402  (tools/fashion_seg.py, beside this script)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=fashion_seg.DEFAULT_DATA)
    parser.add_argument("--out", default=os.path.join(root, "tests/data/fashion_seg_test_0_3.npy.gz"))
    args = parser.parse_args()
    images, _ = fashion_seg.load_split("test", args.data)
    fixture = np.stack([np.stack(fashion_seg.make_canvas(images, i, test_split=True))
                        for i in range(4)])
    # The .npy bytes gzipped with a fixed timestamp, so reruns give the same file.
    buffer = io.BytesIO()
    np.save(buffer, fixture)
    with open(args.out, "wb") as out:
        out.write(gzip.compress(buffer.getvalue(), mtime=0))
    print("wrote", args.out, fixture.shape, "mask pixels per canvas:", fixture[:, 1].sum(axis=(1, 2)))


if __name__ == "__main__":
    main()
