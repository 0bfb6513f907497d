// Shape and type inference shared by the elementwise op families.
#pragma once

#include <vector>

#include "ir/op_schema.h"

namespace qrt::ir {

// Fails unless inputs 0 .. count-1 are present.
void require_inputs(const InferContext& ctx, size_t count);
// Fails unless inputs [first, last) that are present all have input `first`'s dtype.
void require_same_dtype(const InferContext& ctx, size_t first, size_t last);
// Fails unless input i has dtype `want`.
void require_dtype(const InferContext& ctx, size_t i, DataType want, const char* what);
// Numpy broadcast of the shapes of inputs [first, last).
std::vector<int64_t> broadcast_inputs(const InferContext& ctx, size_t first, size_t last);

// All inputs share one dtype and broadcast together; the output has that dtype (Add, Sum, ...).
void infer_broadcast(const InferContext& ctx, std::vector<TensorType>& outputs);
// As infer_broadcast, with a bool output (Equal, Less, ...).
void infer_broadcast_to_bool(const InferContext& ctx, std::vector<TensorType>& outputs);
// Output = input 0's type, checking the input is there (unary ops).
void infer_unary(const InferContext& ctx, std::vector<TensorType>& outputs);
// Output has input 0's shape and dtype bool (IsNaN, IsInf).
void infer_unary_to_bool(const InferContext& ctx, std::vector<TensorType>& outputs);

}  // namespace qrt::ir
