// ONNX TensorProto element-type codes <-> qrt DataType. Used by the importer and by ops whose
// attributes name a type (Cast's "to", EyeLike's "dtype").
#pragma once

#include <cstdint>
#include <optional>

#include "qrt/types.h"

namespace qrt::ir {

// std::nullopt for ONNX types qrt does not support (strings, complex, uint16, ...).
std::optional<DataType> dtype_from_onnx(int64_t onnx_type);
int32_t dtype_to_onnx(DataType t);
// "FLOAT", "INT64", ... for messages.
const char* onnx_type_name(int64_t onnx_type);

}  // namespace qrt::ir
