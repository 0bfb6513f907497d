// Op definitions: what an op's outputs are (type and shape) given its inputs.
//
// One registry, filled by QRT_REGISTER_OP in src/ops/*.cpp. Shape inference works on concrete
// shapes (the batch is fixed for each run of inference) and propagates values of small
// constant-like tensors, so Reshape/Expand/Slice etc. see the shape tensors PyTorch computes
// with Shape/Gather/Concat chains.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::ir {

// Thrown when inference needs the value of an input that is not known (e.g. the target shape of
// a Reshape fed by a graph input). The builder defers such nodes to run time.
class ValueNotKnown : public Error {
 public:
  using Error::Error;
};

struct TensorType {
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> shape;
};

class InferContext {
 public:
  InferContext(const Node& node, std::vector<TensorType> inputs,
               std::vector<const Tensor*> input_values)
      : node_(node), inputs_(std::move(inputs)), values_(std::move(input_values)) {}

  const Node& node() const { return node_; }
  size_t num_inputs() const { return inputs_.size(); }
  bool has_input(size_t i) const {
    return i < inputs_.size() && inputs_[i].dtype != DataType::kUndefined;
  }
  DataType dtype(size_t i) const { return inputs_.at(i).dtype; }
  const std::vector<int64_t>& shape(size_t i) const { return inputs_.at(i).shape; }
  // The input's value when known at inference time (constant or propagated), else nullptr.
  const Tensor* value(size_t i) const { return i < values_.size() ? values_[i] : nullptr; }
  // The value of input i, which must be known; throws ValueNotKnown naming the node and input
  // otherwise.
  const Tensor& require_value(size_t i, const char* what) const;
  // Throws qrt::Error "<op> '<name>': <message>".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Node& node_;
  std::vector<TensorType> inputs_;
  std::vector<const Tensor*> values_;
};

// Writes one TensorType per node output (outputs.size() == node.outputs.size() on entry).
using InferFn = std::function<void(const InferContext&, std::vector<TensorType>& outputs)>;

struct OpSchema {
  std::string op_type;
  InferFn infer;
  // Whether the builder may evaluate the node at build/plan time when all its inputs are known
  // (false for ops with side effects or randomness).
  bool foldable = true;

  static OpSchema make(std::string op, InferFn fn, bool can_fold = true) {
    return OpSchema{std::move(op), std::move(fn), can_fold};
  }
};

class OpRegistry {
 public:
  static OpRegistry& instance();
  void add(OpSchema schema);
  const OpSchema* find(const std::string& op_type) const;
  std::vector<std::string> op_types() const;

 private:
  std::vector<OpSchema> schemas_;
};

struct OpRegistrar {
  explicit OpRegistrar(OpSchema schema) { OpRegistry::instance().add(std::move(schema)); }
};

#define QRT_CONCAT_INNER(a, b) a##b
#define QRT_CONCAT(a, b) QRT_CONCAT_INNER(a, b)
// QRT_REGISTER_OP("Relu", infer_fn) at namespace scope in a src/ops/*.cpp file.
#define QRT_REGISTER_OP(...)                                        \
  static const ::qrt::ir::OpRegistrar QRT_CONCAT(qrt_op_registrar_, \
                                                 __LINE__)(::qrt::ir::OpSchema::make(__VA_ARGS__))

// Helpers shared by inference functions.
// Numpy-style broadcast of two shapes; throws via ctx on mismatch.
std::vector<int64_t> broadcast_shapes(const InferContext& ctx, const std::vector<int64_t>& a,
                                      const std::vector<int64_t>& b);
// Normalises a possibly negative axis against rank; throws via ctx when out of range.
int64_t normalize_axis(const InferContext& ctx, int64_t axis, int64_t rank);
// Output type = input 0's type (elementwise unary ops and friends).
void infer_same_as_input0(const InferContext& ctx, std::vector<TensorType>& outputs);
// The logical shape of input 1, the weights of a convolution, Gemm, MatMul or MatMulInt8: the
// node attribute "weights_shape" when a backend stores them in its own layout (a flat, possibly
// padded tensor of that layout's bytes: the cpu backend's weights pass), else input 1's shape.
std::vector<int64_t> logical_weights_shape(const InferContext& ctx);

}  // namespace qrt::ir
