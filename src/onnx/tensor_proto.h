// ONNX TensorProto -> qrt Tensor: initializers, tensor attributes (Constant's "value") and the
// .pb tensor files of ONNX test data. Internal: includes the protobuf classes.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "qrt/tensor.h"

namespace qrt::onnx_import {

// Every error starts with `where` (e.g. "model.onnx: initializer 'w'"). External data
// locations are resolved against `base_dir` (the model's directory) and must stay inside it.
Tensor tensor_from_proto(const ::onnx::TensorProto& proto, const std::string& where,
                         const std::string& base_dir);

// "FLOAT", "INT64", ... or "code 17" for codes qrt has no name for (float8, int4, ...).
std::string elem_type_text(int64_t onnx_type);

}  // namespace qrt::onnx_import
