// Whole-file reads with one-line errors, shared by the model importer and tensor loaders.
#pragma once

#include <cstdint>
#include <string>

namespace qrt::io {

// The file's bytes; throws qrt::Error "<path>: cannot open (...)" when it cannot be read.
std::string read_file_bytes(const std::string& path);

// `length` bytes at `offset` of `path` into `dest`; the caller has checked the range against
// file_size(). Throws qrt::Error naming the file on failure.
void read_file_range(const std::string& path, uint64_t offset, uint64_t length, void* dest);

// Size in bytes, or -1 when the path is missing or not a regular file.
int64_t file_size(const std::string& path);

}  // namespace qrt::io
