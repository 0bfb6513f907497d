// The idx format of (Fashion-)MNIST, plain or gzip-compressed.
#pragma once

#include <string>

#include "qrt/tensor.h"

namespace qrt::data {

// A whole file, gunzipped when it is gzip data (plain files are read as they are). Missing,
// corrupt or truncated files are errors naming `path`.
std::string read_maybe_gzipped(const std::string& path);

// An idx file of unsigned bytes with `rank` dimensions (magic 0x0000080<rank>) as a u8 tensor.
Tensor load_idx_u8(const std::string& path, size_t rank);

}  // namespace qrt::data
