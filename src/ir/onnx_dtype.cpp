#include "ir/onnx_dtype.h"

namespace qrt::ir {

namespace {
// Codes from onnx.proto's TensorProto.DataType.
struct Entry {
  int32_t code;
  const char* name;
  DataType type;
};
constexpr Entry kEntries[] = {
    {1, "FLOAT", DataType::kFloat32},
    {2, "UINT8", DataType::kUInt8},
    {3, "INT8", DataType::kInt8},
    {4, "UINT16", DataType::kUndefined},
    {5, "INT16", DataType::kUndefined},
    {6, "INT32", DataType::kInt32},
    {7, "INT64", DataType::kInt64},
    {8, "STRING", DataType::kUndefined},
    {9, "BOOL", DataType::kBool},
    {10, "FLOAT16", DataType::kFloat16},
    {11, "DOUBLE", DataType::kFloat64},
    {12, "UINT32", DataType::kUndefined},
    {13, "UINT64", DataType::kUndefined},
    {14, "COMPLEX64", DataType::kUndefined},
    {15, "COMPLEX128", DataType::kUndefined},
    {16, "BFLOAT16", DataType::kBFloat16},
};
}  // namespace

std::optional<DataType> dtype_from_onnx(int64_t onnx_type) {
  for (const auto& e : kEntries)
    if (e.code == onnx_type && e.type != DataType::kUndefined) return e.type;
  return std::nullopt;
}

int32_t dtype_to_onnx(DataType t) {
  for (const auto& e : kEntries)
    if (e.type == t) return e.code;
  return 0;
}

const char* onnx_type_name(int64_t onnx_type) {
  for (const auto& e : kEntries)
    if (e.code == onnx_type) return e.name;
  return "UNKNOWN";
}

}  // namespace qrt::ir
