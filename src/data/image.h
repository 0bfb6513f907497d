// 8-bit images and their JPEG (libjpeg-turbo) and PNG (libpng) codecs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace qrt::data {

// Interleaved H x W x C bytes, C = 1 (gray) or 3 (RGB).
struct Image {
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;
};

// Decodes a JPEG or PNG (recognised by its signature, not its name). Alpha is dropped, palettes
// and low bit depths are expanded, 16-bit samples keep their high byte, CMYK JPEGs become RGB
// (R = C * K / 255 on Adobe's inverted values). `name` starts every error message.
Image decode_image(const std::string& bytes, const std::string& name);
// The same on a file's bytes; a missing, empty or corrupt file is an error naming it.
Image load_image(const std::string& path);

// Encoders, for writing masks and for tests.
std::string encode_png(const Image& image);
std::string encode_jpeg(const Image& image, int quality = 90);

// Channel conversion: gray -> RGB copies, RGB -> gray is PIL's ITU-R 601-2 luma
// (19595 R + 38470 G + 7471 B + 32768) >> 16.
Image convert_channels(const Image& image, int channels);

}  // namespace qrt::data
