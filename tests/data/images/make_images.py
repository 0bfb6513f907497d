#!/usr/bin/env python3
"""Writes the tiny image fixtures of tests/unit/data_codec_fixture_test.cpp and their references.

Images: one 7 x 10 RGB picture (seeded random pixels) saved in the variants a real dataset holds:
PNG as RGB, gray, palette, 16-bit gray, RGBA and gray+alpha; JPEG as baseline 4:2:0, progressive,
gray and Adobe CMYK. References, decoded by Pillow (which uses the same libjpeg-turbo and zlib as
qrt on Debian): <image>.npy = the decoded H x W x C uint8 pixels (alpha dropped). And
resize_crop.npy: the torchvision pipeline the Preprocess documentation describes
(resize shorter side to 5, bilinear, antialias off; center crop 4; ToTensor; Normalize with the
ImageNet mean / std) on base.png, as float32 3 x 4 x 4.

    /usr/bin/python3 tests/data/images/make_images.py   # Debian: python3-pil, python3-torchvision
"""
import os

import numpy as np
import torch
import torchvision.transforms.functional as TF
from PIL import Image
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))


def save_reference(name, image):
    pixels = np.asarray(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    np.save(os.path.join(HERE, name + ".npy"), np.ascontiguousarray(pixels.astype(np.uint8)))


def main():
    rng = np.random.default_rng(7)
    # Smooth-ish content so that JPEG keeps it recognisable, plus noise.
    y, x = np.mgrid[0:7, 0:10]
    base = np.stack([x * 20 + 30, y * 30 + 20, 200 - x * 10 - y * 10], axis=-1)
    base = np.clip(base + rng.integers(-20, 21, size=base.shape), 0, 255).astype(np.uint8)
    rgb = Image.fromarray(base, "RGB")
    path = lambda name: os.path.join(HERE, name)
    rgb.save(path("base.png"))
    save_reference("base.png", rgb)
    gray = rgb.convert("L")
    gray.save(path("gray.png"))
    save_reference("gray.png", gray)
    palette = rgb.quantize(colors=16)
    palette.save(path("palette.png"))
    save_reference("palette.png", palette.convert("RGB"))
    # 16-bit gray: v * 257, so the high byte is v again.
    Image.fromarray((np.asarray(gray).astype(np.uint16) * 257), "I;16").save(path("gray16.png"))
    save_reference("gray16.png", gray)
    alpha = Image.fromarray(rng.integers(0, 256, size=(7, 10), dtype=np.uint8), "L")
    rgba = rgb.copy()
    rgba.putalpha(alpha)
    rgba.save(path("rgba.png"))
    save_reference("rgba.png", rgb)
    la = gray.copy()
    la.putalpha(alpha)
    la.save(path("la.png"))
    save_reference("la.png", gray)
    for name, image, options in [
        ("baseline.jpg", rgb, {"quality": 90, "subsampling": 2}),
        ("progressive.jpg", rgb, {"quality": 90, "progressive": True}),
        ("gray.jpg", gray, {"quality": 90}),
        ("cmyk.jpg", rgb.convert("CMYK"), {"quality": 95}),
    ]:
        image.save(path(name), **options)
        save_reference(name, Image.open(path(name)).convert("RGB" if image.mode != "L" else "L"))
    tensor = torch.from_numpy(base).permute(2, 0, 1).float()
    resized = TF.resize(tensor, 5, interpolation=InterpolationMode.BILINEAR, antialias=False)
    cropped = TF.center_crop(resized, 4)
    normalized = TF.normalize(cropped / 255.0, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    np.save(path("resize_crop.npy"), normalized.numpy().astype(np.float32))
    print("wrote", sorted(os.listdir(HERE)))


if __name__ == "__main__":
    main()
