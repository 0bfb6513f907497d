// Tensor files: NumPy .npy (v1/v2/v3, little-endian, C order) and ONNX TensorProto .pb (the
// format of ONNX test data). Every failure is one qrt::Error line naming the file.
#pragma once

#include <string>

#include "qrt/tensor.h"

namespace qrt::io {

// .npy dtypes: f4, f2, f8, i1, u1, i4, i8, b1. bfloat16 has no NumPy dtype and is refused.
Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& tensor);

// The same on bytes in memory; `display_name` starts every error message.
Tensor npy_from_bytes(const std::string& bytes, const std::string& display_name);
std::string npy_to_bytes(const Tensor& tensor, const std::string& display_name);

// A serialized onnx.TensorProto; external data is looked up beside the file.
Tensor load_tensor_proto_file(const std::string& path);

// By extension: .npy or .pb.
Tensor load_tensor_file(const std::string& path);

}  // namespace qrt::io
