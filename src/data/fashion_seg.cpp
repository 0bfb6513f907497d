#include "data/fashion_seg.h"

#include <algorithm>
#include <cstring>

#include "data/pcg32.h"

namespace qrt::data {

void make_seg_canvas(const uint8_t* images, int64_t count, int64_t index, bool test_split,
                     uint8_t* canvas, uint8_t* mask) {
  constexpr uint32_t kSize = kSegCanvasSize, kImage = kFashionImageSize;
  constexpr uint32_t kImageBytes = kImage * kImage;
  const auto n = static_cast<uint32_t>(count);
  const auto i = static_cast<uint32_t>(index);
  std::memset(canvas, 0, kSize * kSize);
  std::memset(mask, 0, kSize * kSize);
  Pcg32 rng(i, test_split ? 1 : 0);
  // Clutter: faded, scaled crops of other items, combined by max.
  const uint32_t pieces = 2 + rng.uniform(3);
  for (uint32_t piece = 0; piece < pieces; ++piece) {
    uint32_t j = rng.uniform(n);
    if (j == i) j = (j + 1) % n;
    const uint32_t c = 10 + rng.uniform(9);
    const uint32_t ox = rng.uniform(kImage + 1 - c);
    const uint32_t oy = rng.uniform(kImage + 1 - c);
    const uint32_t f = 1 + rng.uniform(3);
    const uint32_t px = rng.uniform(kSize + 1 - c * f);
    const uint32_t py = rng.uniform(kSize + 1 - c * f);
    const uint8_t* source = images + size_t{j} * kImageBytes;
    for (uint32_t y = 0; y < c * f; ++y)
      for (uint32_t x = 0; x < c * f; ++x) {
        const auto v = static_cast<uint8_t>(source[(oy + y / f) * kImage + ox + x / f] * 2 / 5);
        uint8_t& dst = canvas[(py + y) * kSize + px + x];
        dst = std::max(dst, v);
      }
  }
  // The item: its pixels >= 32 overwrite the clutter and form the mask.
  const uint32_t f = 2 + rng.uniform(3);
  const uint32_t s = kImage * f;
  const uint32_t px = rng.uniform(kSize + 1 - s);
  const uint32_t py = rng.uniform(kSize + 1 - s);
  const uint8_t* item = images + size_t{i} * kImageBytes;
  for (uint32_t y = 0; y < s; ++y)
    for (uint32_t x = 0; x < s; ++x) {
      const uint8_t v = item[(y / f) * kImage + x / f];
      const uint32_t at = (py + y) * kSize + px + x;
      if (v >= 32) {
        canvas[at] = v;
        mask[at] = 1;
      } else {
        canvas[at] = std::max(canvas[at], v);
      }
    }
}

}  // namespace qrt::data
