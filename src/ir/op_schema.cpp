#include "ir/op_schema.h"

#include <algorithm>

namespace qrt::ir {

const Tensor& InferContext::require_value(size_t i, const char* what) const {
  const Tensor* v = value(i);
  if (!v)
    throw ValueNotKnown(node_.describe() + ": " + what + " (input " + std::to_string(i) +
                        ") must be a constant, computable from shapes, or a small integer input");
  return *v;
}

void InferContext::fail(const std::string& message) const {
  throw Error(node_.describe() + ": " + message);
}

OpRegistry& OpRegistry::instance() {
  static OpRegistry registry;
  return registry;
}

void OpRegistry::add(OpSchema schema) {
  if (find(schema.op_type)) throw Error("op '" + schema.op_type + "' registered twice");
  schemas_.push_back(std::move(schema));
}

const OpSchema* OpRegistry::find(const std::string& op_type) const {
  for (const auto& s : schemas_)
    if (s.op_type == op_type) return &s;
  return nullptr;
}

std::vector<std::string> OpRegistry::op_types() const {
  std::vector<std::string> out;
  for (const auto& s : schemas_) out.push_back(s.op_type);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> broadcast_shapes(const InferContext& ctx, const std::vector<int64_t>& a,
                                      const std::vector<int64_t>& b) {
  const size_t rank = std::max(a.size(), b.size());
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      ctx.fail("cannot broadcast shapes " + shape_to_string(a) + " and " + shape_to_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= std::max<int64_t>(rank, 1))
    ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return a;
}

void infer_same_as_input0(const InferContext& ctx, std::vector<TensorType>& outputs) {
  outputs[0] = TensorType{ctx.dtype(0), ctx.shape(0)};
}

std::vector<int64_t> logical_weights_shape(const InferContext& ctx) {
  return ctx.node().has_attr("weights_shape") ? ctx.node().attr_ints("weights_shape")
                                              : ctx.shape(1);
}

}  // namespace qrt::ir
