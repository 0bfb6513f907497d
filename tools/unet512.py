"""The classic U-Net (Ronneberger et al., 2015) of the GPU benchmark: 1 x 512 x 512 -> 2 classes.

Channels 64, 128, 256, 512, 1024; each block is two 3x3 convolutions, each followed by
BatchNorm and ReLU; MaxPool 2x2 going down, ConvTranspose 2x2 stride 2 going up (halving the
channels), the skip connection concatenated before the up block's convolutions, a 1x1
convolution to the classes at the end. Unlike the paper the 3x3 convolutions are padded, so the
output has the input's height and width (any size divisible by 16) and no cropping is needed.
About 31 M parameters; 192 GMAC per 512 x 512 image.
"""
import torch
from torch import nn


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Up(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cin // 2, 2, stride=2)
        self.conv = DoubleConv(cin, cout)  # cin // 2 from below + cin // 2 from the skip

    def forward(self, x, skip):
        return self.conv(torch.cat([skip, self.up(x)], dim=1))


class UNet(nn.Module):
    def __init__(self, in_channels=1, classes=2, widths=(64, 128, 256, 512, 1024)):
        super().__init__()
        self.inc = DoubleConv(in_channels, widths[0])
        self.downs = nn.ModuleList(
            nn.Sequential(nn.MaxPool2d(2), DoubleConv(a, b)) for a, b in zip(widths, widths[1:]))
        self.ups = nn.ModuleList(
            Up(a, b) for a, b in zip(widths[::-1], widths[::-1][1:]))
        self.outc = nn.Conv2d(widths[0], classes, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for down in self.downs:
            skips.append(down(skips[-1]))
        x = skips.pop()
        for up in self.ups:
            x = up(x, skips.pop())
        return self.outc(x)


def unet512(in_channels=1, classes=2):
    return UNet(in_channels, classes)
