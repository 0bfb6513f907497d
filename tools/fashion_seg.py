"""Fashion-MNIST data for the Python tools: the idx files and the segmentation canvases of
docs/fashion_seg_dataset.md, in NumPy.

The one Python implementation of both: tools/make_seg_fixture.py, tools/ort_ptq_baseline.py and
tools/train_fashion_models.py (whose fast PyTorch generator is checked against make_canvas())
import it. make_canvas() follows the document step by step but pastes each crop and the item as
whole NumPy blocks (nearest upscaling by np.repeat), so that the 10,000 test canvases take
seconds; random draws happen in the document's order. qrt's C++ generator is checked against the
committed fixture written from make_canvas() (`python3 tools/fashion_seg.py --check` checks this
file against it too).

Needs only Python 3 and NumPy.
"""
import argparse
import gzip
import os

import numpy as np

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
CANVAS = 128
PCG_MULT = 6364136223846793005
MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


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
        self.state = (old * PCG_MULT + self.inc) & MASK64
        x = (((old >> 18) ^ old) >> 27) & MASK32
        r = old >> 59
        return ((x >> r) | (x << ((32 - r) & 31))) & MASK32

    def uniform(self, n):
        return self.next_u32() % n


def _read_gz(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def read_idx_images(path):
    data = _read_gz(path)
    if data[:4] != b"\x00\x00\x08\x03":
        raise ValueError(path + ": not an idx3 ubyte file")
    n, h, w = (int.from_bytes(data[4 + 4 * k : 8 + 4 * k], "big") for k in range(3))
    return np.frombuffer(data, dtype=np.uint8, count=n * h * w, offset=16).reshape(n, h, w)


def read_idx_labels(path):
    data = _read_gz(path)
    if data[:4] != b"\x00\x00\x08\x01":
        raise ValueError(path + ": not an idx1 ubyte file")
    n = int.from_bytes(data[4:8], "big")
    return np.frombuffer(data, dtype=np.uint8, count=n, offset=8).astype(np.int64)


def load_split(split, data_dir=DEFAULT_DATA):
    """(images uint8 [N, 28, 28], labels int64 [N]) of 'train' or 'test'."""
    images = read_idx_images(os.path.join(data_dir, FILES[(split, "images")]))
    labels = read_idx_labels(os.path.join(data_dir, FILES[(split, "labels")]))
    return images, labels


def normalize(pixels):
    """uint8 pixels -> the models' float32 input, (x / 255 - 0.5) / 0.5."""
    return ((pixels.astype(np.float32) / np.float32(255.0) - np.float32(0.5)) / np.float32(0.5))


def _upscale(block, f):
    return np.repeat(np.repeat(block, f, axis=0), f, axis=1)


def make_canvas(images, i, test_split):
    """Canvas i of a split and its mask, both uint8 [128, 128]."""
    n = images.shape[0]
    rng = Pcg32(seed=i, stream=1 if test_split else 0)
    canvas = np.zeros((CANVAS, CANVAS), dtype=np.uint8)
    mask = np.zeros((CANVAS, CANVAS), dtype=np.uint8)
    for _ in range(2 + rng.uniform(3)):
        j = rng.uniform(n)
        if j == i:
            j = (j + 1) % n
        c = 10 + rng.uniform(9)
        ox = rng.uniform(29 - c)
        oy = rng.uniform(29 - c)
        f = 1 + rng.uniform(3)
        px = rng.uniform(129 - c * f)
        py = rng.uniform(129 - c * f)
        faded = (images[j, oy : oy + c, ox : ox + c].astype(np.int32) * 2 // 5).astype(np.uint8)
        region = canvas[py : py + c * f, px : px + c * f]
        np.maximum(region, _upscale(faded, f), out=region)
    f = 2 + rng.uniform(3)
    s = 28 * f
    px = rng.uniform(129 - s)
    py = rng.uniform(129 - s)
    item = _upscale(images[i], f)
    own = item >= 32
    region = canvas[py : py + s, px : px + s]
    region[...] = np.where(own, item, np.maximum(region, item))
    mask[py : py + s, px : px + s] = own
    return canvas, mask


def make_canvases(images, count, test_split, start=0):
    """Canvases start..start+count-1 and masks: uint8 [count, 128, 128] each."""
    canvases = np.empty((count, CANVAS, CANVAS), dtype=np.uint8)
    masks = np.empty((count, CANVAS, CANVAS), dtype=np.uint8)
    for k in range(count):
        canvases[k], masks[k] = make_canvas(images, start + k, test_split)
    return canvases, masks


def _check(data_dir):
    """This port against the committed fixture (canvases 0..3 of the test split)."""
    import io

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    test_images, _ = load_split("test", data_dir)
    with open(os.path.join(root, "tests/data/fashion_seg_test_0_3.npy.gz"), "rb") as f:
        fixture = np.load(io.BytesIO(gzip.decompress(f.read())))
    for i in range(4):
        canvas, mask = make_canvas(test_images, i, test_split=True)
        assert np.array_equal(canvas, fixture[i, 0]) and np.array_equal(mask, fixture[i, 1]), i
    print("fashion_seg: canvases match the fixture")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--check", action="store_true", help="check against the committed fixture")
    args = parser.parse_args()
    if args.check:
        _check(args.data)
