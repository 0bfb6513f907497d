// The Fashion-MNIST segmentation canvases of docs/fashion_seg_dataset.md.
#pragma once

#include <cstdint>

namespace qrt::data {

inline constexpr int64_t kSegCanvasSize = 128;
inline constexpr int64_t kFashionImageSize = 28;

// Canvas `index` of a split whose source images are `images` (count x 28 x 28 bytes); writes
// 128 x 128 bytes to `canvas` and to `mask` (1 on the item's own pixels).
void make_seg_canvas(const uint8_t* images, int64_t count, int64_t index, bool test_split,
                     uint8_t* canvas, uint8_t* mask);

}  // namespace qrt::data
