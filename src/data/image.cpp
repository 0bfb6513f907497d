#include "data/image.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>
// After jpeglib.h: the message codes, for recognising a truncated file.
#include <jerror.h>
#include <png.h>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "qrt/types.h"

namespace qrt::data {

namespace {

// Both codecs report errors by longjmp. Each step that calls into a codec is a separate
// function whose only automatic variables are trivially destructible, and all state the codec
// writes lives in a decoder object owned by the caller, so a longjmp neither skips a destructor
// nor leaves a clobbered local behind. Allocation happens between the steps, in plain C++.

// Refuse dimensions whose buffer would be absurd before allocating it (1 gigapixel).
constexpr uint64_t kMaxPixels = uint64_t{1} << 30;

constexpr size_t kMessageSize = 200;

// ---- JPEG (libjpeg API of libjpeg-turbo) ----

struct JpegDecoder {
  struct ErrorManager {
    jpeg_error_mgr pub;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
  };
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  bool created = false;
  bool adobe = false;

  ~JpegDecoder() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

void jpeg_on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegDecoder::ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (e.g. extraneous bytes before a marker, common in real photos) are ignored as PIL
// does, except running out of data: libjpeg would pad the picture with grey.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
    auto* err = reinterpret_cast<JpegDecoder::ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "premature end of JPEG data (truncated)");
    std::longjmp(err->jump, 1);
  }
}

// Reads the header and starts decompression; false with err.message set on failure.
bool jpeg_start(JpegDecoder* d, const uint8_t* data, size_t size) {
  d->cinfo.err = jpeg_std_error(&d->err.pub);
  d->err.pub.error_exit = jpeg_on_error;
  d->err.pub.emit_message = jpeg_on_message;
  if (setjmp(d->err.jump)) return false;
  jpeg_create_decompress(&d->cinfo);
  d->created = true;
  jpeg_mem_src(&d->cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&d->cinfo, TRUE);
  switch (d->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      d->cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      d->cinfo.out_color_space = JCS_CMYK;
      break;
    default:
      d->cinfo.out_color_space = JCS_RGB;
  }
  d->adobe = d->cinfo.saw_Adobe_marker;
  jpeg_calc_output_dimensions(&d->cinfo);
  if (uint64_t{d->cinfo.output_width} * d->cinfo.output_height > kMaxPixels) {
    std::snprintf(d->err.message, sizeof(d->err.message), "image of %ux%u pixels is too large",
                  d->cinfo.output_width, d->cinfo.output_height);
    return false;
  }
  jpeg_start_decompress(&d->cinfo);
  return true;
}

bool jpeg_read_pixels(JpegDecoder* d, uint8_t* pixels) {
  if (setjmp(d->err.jump)) return false;
  const size_t stride = size_t{d->cinfo.output_width} * d->cinfo.output_components;
  while (d->cinfo.output_scanline < d->cinfo.output_height) {
    JSAMPROW row = pixels + stride * d->cinfo.output_scanline;
    jpeg_read_scanlines(&d->cinfo, &row, 1);
  }
  jpeg_finish_decompress(&d->cinfo);
  return true;
}

Image decode_jpeg(const std::string& bytes, const std::string& name) {
  JpegDecoder d;
  auto fail = [&]() -> Image {
    throw Error(io::printable(name + ": corrupt JPEG (" + d.err.message + ")"));
  };
  if (!jpeg_start(&d, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())) fail();
  const int components = d.cinfo.output_components;
  std::vector<uint8_t> raw(size_t{d.cinfo.output_width} * d.cinfo.output_height * components);
  if (!jpeg_read_pixels(&d, raw.data())) fail();
  Image image;
  image.height = d.cinfo.output_height;
  image.width = d.cinfo.output_width;
  if (components != 4) {
    image.channels = components;
    image.pixels = std::move(raw);
    return image;
  }
  // CMYK: Adobe writes the values inverted, so stored c = 255 - C and R = (255-C)(255-K)/255.
  image.channels = 3;
  image.pixels.resize(static_cast<size_t>(image.height * image.width) * 3);
  for (size_t p = 0; p < raw.size() / 4; ++p) {
    uint32_t cmyk[4];
    for (int k = 0; k < 4; ++k) cmyk[k] = d.adobe ? raw[4 * p + k] : 255 - raw[4 * p + k];
    for (int c = 0; c < 3; ++c)
      image.pixels[3 * p + c] = static_cast<uint8_t>((cmyk[c] * cmyk[3] + 127) / 255);
  }
  return image;
}

// ---- PNG (libpng) ----

struct PngDecoder {
  png_structp png = nullptr;
  png_infop info = nullptr;
  const uint8_t* data = nullptr;
  size_t size = 0;
  size_t pos = 0;
  char message[kMessageSize] = "";

  ~PngDecoder() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

void png_on_error(png_structp png, png_const_charp message) {
  auto* d = static_cast<PngDecoder*>(png_get_error_ptr(png));
  std::snprintf(d->message, sizeof(d->message), "%s", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}

void png_on_read(png_structp png, png_bytep out, size_t length) {
  auto* d = static_cast<PngDecoder*>(png_get_io_ptr(png));
  if (length > d->size - d->pos) png_error(png, "file ends early, truncated");
  std::memcpy(out, d->data + d->pos, length);
  d->pos += length;
}

// Reads the header and sets up 8-bit gray or RGB output without alpha (alpha is stripped, not
// composited, like PIL's convert).
bool png_start(PngDecoder* d, png_uint_32* width, png_uint_32* height, int* channels, int* passes) {
  d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, png_on_error, png_on_warning);
  if (!d->png) {
    std::snprintf(d->message, sizeof(d->message), "cannot create a libpng reader");
    return false;
  }
  if (setjmp(png_jmpbuf(d->png))) return false;
  d->info = png_create_info_struct(d->png);
  if (!d->info) png_error(d->png, "cannot create a libpng info struct");
  png_set_read_fn(d->png, d, png_on_read);
  png_read_info(d->png, d->info);
  *width = png_get_image_width(d->png, d->info);
  *height = png_get_image_height(d->png, d->info);
  if (uint64_t{*width} * *height > kMaxPixels) png_error(d->png, "image is too large");
  png_set_expand(d->png);
  png_set_strip_16(d->png);
  png_set_strip_alpha(d->png);
  *passes = png_set_interlace_handling(d->png);
  png_read_update_info(d->png, d->info);
  *channels = png_get_channels(d->png, d->info);
  if (png_get_rowbytes(d->png, d->info) != size_t{*width} * static_cast<size_t>(*channels))
    png_error(d->png, "unexpected row layout");
  return true;
}

bool png_read_pixels(PngDecoder* d, uint8_t* pixels, png_uint_32 width, png_uint_32 height,
                     int channels, int passes) {
  if (setjmp(png_jmpbuf(d->png))) return false;
  const size_t stride = size_t{width} * static_cast<size_t>(channels);
  // For interlaced images each pass updates the full rows in place.
  for (int pass = 0; pass < passes; ++pass)
    for (png_uint_32 y = 0; y < height; ++y) png_read_row(d->png, pixels + stride * y, nullptr);
  png_read_end(d->png, nullptr);
  return true;
}

Image decode_png(const std::string& bytes, const std::string& name) {
  PngDecoder d;
  d.data = reinterpret_cast<const uint8_t*>(bytes.data());
  d.size = bytes.size();
  auto fail = [&]() -> Image {
    throw Error(io::printable(name + ": corrupt PNG (" + d.message + ")"));
  };
  png_uint_32 width = 0, height = 0;
  int channels = 0, passes = 0;
  if (!png_start(&d, &width, &height, &channels, &passes)) fail();
  if (channels != 1 && channels != 3) fail();
  Image image;
  image.height = height;
  image.width = width;
  image.channels = channels;
  image.pixels.resize(size_t{width} * height * static_cast<size_t>(channels));
  if (!png_read_pixels(&d, image.pixels.data(), width, height, channels, passes)) fail();
  return image;
}

struct JpegEncoder {
  jpeg_compress_struct cinfo;
  JpegDecoder::ErrorManager err;
  bool created = false;
  unsigned char* out = nullptr;
  unsigned long out_size = 0;

  ~JpegEncoder() {
    if (created) jpeg_destroy_compress(&cinfo);
    std::free(out);
  }
};

bool jpeg_encode(JpegEncoder* e, const Image* image, int quality) {
  e->cinfo.err = jpeg_std_error(&e->err.pub);
  e->err.pub.error_exit = jpeg_on_error;
  if (setjmp(e->err.jump)) return false;
  jpeg_create_compress(&e->cinfo);
  e->created = true;
  jpeg_mem_dest(&e->cinfo, &e->out, &e->out_size);
  e->cinfo.image_width = static_cast<JDIMENSION>(image->width);
  e->cinfo.image_height = static_cast<JDIMENSION>(image->height);
  e->cinfo.input_components = image->channels;
  e->cinfo.in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&e->cinfo);
  jpeg_set_quality(&e->cinfo, quality, TRUE);
  jpeg_start_compress(&e->cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image->width) * static_cast<size_t>(image->channels);
  while (e->cinfo.next_scanline < e->cinfo.image_height) {
    // libjpeg's API takes non-const rows but only reads them.
    JSAMPROW row = const_cast<uint8_t*>(image->pixels.data()) + stride * e->cinfo.next_scanline;
    jpeg_write_scanlines(&e->cinfo, &row, 1);
  }
  jpeg_finish_compress(&e->cinfo);
  return true;
}

void check_encodable(const Image& image) {
  if ((image.channels != 1 && image.channels != 3) || image.height <= 0 || image.width <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.height * image.width * image.channels))
    throw Error("encode image: expected a non-empty 1- or 3-channel image with matching pixels");
}

}  // namespace

Image decode_image(const std::string& bytes, const std::string& name) {
  if (bytes.empty()) throw Error(io::printable(name + ": empty file, not an image"));
  if (bytes.size() >= 3 && bytes.compare(0, 3, "\xFF\xD8\xFF") == 0)
    return decode_jpeg(bytes, name);
  if (bytes.size() >= 8 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0)
    return decode_png(bytes, name);
  throw Error(io::printable(name + ": not a JPEG or PNG image (unknown signature)"));
}

Image load_image(const std::string& path) { return decode_image(io::read_file_bytes(path), path); }

std::string encode_png(const Image& image) {
  check_encodable(image);
  png_image png;
  std::memset(&png, 0, sizeof(png));
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr))
    throw Error(std::string("encode PNG: ") + png.message);
  std::string out(size, '\0');
  if (!png_image_write_to_memory(&png, out.data(), &size, 0, image.pixels.data(), 0, nullptr))
    throw Error(std::string("encode PNG: ") + png.message);
  out.resize(size);
  return out;
}

std::string encode_jpeg(const Image& image, int quality) {
  check_encodable(image);
  JpegEncoder e;
  if (!jpeg_encode(&e, &image, quality)) throw Error(std::string("encode JPEG: ") + e.err.message);
  return std::string(reinterpret_cast<const char*>(e.out), e.out_size);
}

Image convert_channels(const Image& image, int channels) {
  if (channels == 0 || channels == image.channels) return image;
  if ((channels != 1 && channels != 3) || (image.channels != 1 && image.channels != 3))
    throw Error("convert image: channels must be 1 or 3, got " + std::to_string(channels));
  Image out;
  out.height = image.height;
  out.width = image.width;
  out.channels = channels;
  const size_t pixels = static_cast<size_t>(image.height * image.width);
  out.pixels.resize(pixels * static_cast<size_t>(channels));
  const uint8_t* in = image.pixels.data();
  if (channels == 3) {
    for (size_t p = 0; p < pixels; ++p)
      out.pixels[3 * p] = out.pixels[3 * p + 1] = out.pixels[3 * p + 2] = in[p];
  } else {
    for (size_t p = 0; p < pixels; ++p)
      out.pixels[p] = static_cast<uint8_t>(
          (19595u * in[3 * p] + 38470u * in[3 * p + 1] + 7471u * in[3 * p + 2] + 0x8000u) >> 16);
  }
  return out;
}

}  // namespace qrt::data
