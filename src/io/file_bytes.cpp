#include "io/file_bytes.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "qrt/types.h"

namespace qrt::io {

namespace {
[[noreturn]] void fail_open(const std::string& path, int err) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": cannot open (is a directory)");
  throw Error(path + ": cannot open (" + std::strerror(err) + ")");
}
}  // namespace

int64_t file_size(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return -1;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

std::string read_file_bytes(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_open(path, errno ? errno : ENOENT);
  const int64_t size = file_size(path);
  if (size < 0) fail_open(path, EINVAL);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (size > 0 && !in.read(bytes.data(), size))
    throw Error(path + ": read failed after " + std::to_string(in.gcount()) + " of " +
                std::to_string(size) + " bytes");
  return bytes;
}

void read_file_range(const std::string& path, uint64_t offset, uint64_t length, void* dest) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_open(path, errno ? errno : ENOENT);
  in.seekg(static_cast<std::streamoff>(offset));
  if (length > 0 && !in.read(static_cast<char*>(dest), static_cast<std::streamsize>(length)))
    throw Error(path + ": read of " + std::to_string(length) + " bytes at offset " +
                std::to_string(offset) + " failed");
}

}  // namespace qrt::io
