#include "data/idx_file.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "qrt/types.h"

namespace qrt::data {

std::string read_maybe_gzipped(const std::string& path) {
  auto fail = [&](const std::string& why) { throw Error(io::printable(path + ": " + why)); };
  if (io::file_size(path) < 0)
    fail(std::filesystem::exists(path) ? "cannot open (not a regular file)"
                                       : "cannot open (No such file or directory)");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose_r);
  if (!file) fail("cannot open");
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const int n = gzread(file.get(), buffer, sizeof(buffer));
    if (n < 0) break;
    out.append(buffer, static_cast<size_t>(n));
    if (n == 0) break;
  }
  int code = Z_OK;
  const char* message = gzerror(file.get(), &code);
  if (code != Z_OK && code != Z_STREAM_END)
    fail(std::string("corrupt or truncated gzip data (zlib: ") + (message ? message : "?") + ")");
  if (gzclose_r(file.release()) == Z_BUF_ERROR) fail("truncated gzip data");
  return out;
}

Tensor load_idx_u8(const std::string& path, size_t rank) {
  auto fail = [&](const std::string& why) { throw Error(io::printable(path + ": " + why)); };
  const std::string bytes = read_maybe_gzipped(path);
  if (bytes.empty()) fail("empty file, not an idx file");
  auto u32_at = [&](size_t offset) {
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<uint8_t>(bytes[offset + k]);
    return v;
  };
  const size_t header = 4 + 4 * rank;
  const uint32_t expected_magic = 0x800u | static_cast<uint32_t>(rank);
  if (bytes.size() < 4 || u32_at(0) != expected_magic) {
    char text[80];
    std::snprintf(text, sizeof(text), "bad idx magic 0x%08x, expected 0x%08x (ubyte, %zu dims)",
                  bytes.size() >= 4 ? u32_at(0) : 0u, expected_magic, rank);
    fail(text);
  }
  if (bytes.size() < header) fail("truncated idx header");
  std::vector<int64_t> shape;
  uint64_t numel = 1;
  for (size_t d = 0; d < rank; ++d) {
    shape.push_back(u32_at(4 + 4 * d));
    numel *= static_cast<uint64_t>(shape.back());
    if (numel > (uint64_t{1} << 40)) fail("idx dimensions are too large");
  }
  if (bytes.size() - header != numel)
    fail((bytes.size() - header < numel ? "truncated: " : "size mismatch: ") +
         std::to_string(bytes.size() - header) + " data bytes, expected " + std::to_string(numel) +
         " for " + shape_to_string(shape));
  Tensor t(DataType::kUInt8, shape);
  if (numel) std::memcpy(t.data(), bytes.data() + header, numel);
  return t;
}

}  // namespace qrt::data
