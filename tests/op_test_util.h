// Helpers for op tests: run one op on the reference backend, compare tensors.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"
#include "qrt/tensor.h"

namespace qrt::test {

// A one-node graph whose inputs are the given tensors as constants (an undefined Tensor is an
// omitted optional input), with the inputs' types, ready for shape inference and a kernel.
struct OneNodeGraph {
  ir::Graph graph;
  ir::Node* node = nullptr;
  std::vector<const Tensor*> in_ptrs;
  std::vector<ir::TensorType> in_types;

  // The outputs' types from the op's schema.
  std::vector<ir::TensorType> infer_outputs() const;
};
std::unique_ptr<OneNodeGraph> one_node_graph(const std::string& op_type,
                                             const std::vector<Tensor>& inputs,
                                             const std::map<std::string, ir::AttributeValue>& attrs,
                                             size_t num_outputs);

// Builds a one-node graph whose inputs are the given tensors (an undefined Tensor is an
// omitted optional input), infers its output types and runs the reference kernel.
std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::map<std::string, ir::AttributeValue>& attrs = {},
                           size_t num_outputs = 1);

// A float32 tensor of the given shape filled with values from a fixed-seed generator in
// [lo, hi).
Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float lo = -1.f, float hi = 1.f);

Tensor make_f32(std::vector<int64_t> shape, const std::vector<float>& values);
Tensor make_i64(std::vector<int64_t> shape, const std::vector<int64_t>& values);

// Max |a - b| over elements (both float32 of the same shape; fails the test otherwise).
float max_abs_diff(const Tensor& a, const Tensor& b);

// Same dtype, shape and bytes.
bool bit_identical(const Tensor& a, const Tensor& b);

// Runs the cpu backend's kernel of a one-node graph (its support predicate must accept the
// node; throws with the reason otherwise) and returns its first output.
Tensor run_cpu(const std::string& op_type, const std::vector<Tensor>& inputs,
               const std::map<std::string, ir::AttributeValue>& attrs);
// Whether the cpu backend has a kernel that accepts the one-node graph.
bool cpu_supports(const std::string& op_type, const std::vector<Tensor>& inputs,
                  const std::map<std::string, ir::AttributeValue>& attrs);
// Why the cpu backend declines the one-node graph once its input `i` is a value computed at run
// time instead of a constant ("" when it accepts it); fails the test unless the cpu backend
// accepts the node with every input constant.
std::string cpu_reason_with_input_computed(const std::string& op_type,
                                           const std::vector<Tensor>& inputs, size_t i,
                                           const std::map<std::string, ir::AttributeValue>& attrs);

// Largest |a - b| relative to max(1, |b|) (both float32 of the same shape).
float max_rel_diff(const Tensor& a, const Tensor& b);

// bf16 helpers: a float32 tensor rounded to bf16, a bf16 tensor widened to float32, and the
// check that two bf16 results (each rounded to bf16) agree to within two bf16 steps of the
// expected output's largest value (at least 1).
Tensor to_bf16(const Tensor& f);
Tensor widened(const Tensor& t);
void expect_bf16_close(const Tensor& got, const Tensor& want);

// Builds small f32 test networks: an image-like graph input "x" [N, C, H, W] (N dynamic) and
// named nodes whose output value carries the node's name. Constants come from a fixed-seed
// generator, so a network built twice is the same network.
struct TestNet {
  ir::Graph g;
  uint32_t seed = 1;

  explicit TestNet(uint32_t first_seed = 1) : seed(first_seed) {}
  ir::Value* input(int64_t channels, int64_t height = 9, int64_t width = 11);
  // Conv k x k with "same" padding, weights in +-1.5 / sqrt(fan-in), bias in +-0.1.
  ir::Value* conv(ir::Value* in, int64_t cin, int64_t cout, int64_t k, const std::string& name,
                  int64_t group = 1, int64_t stride = 1);
  ir::Value* op(const std::string& type, std::vector<ir::Value*> in, const std::string& name,
                std::map<std::string, ir::AttributeValue> attrs = {});
  // Inference BatchNormalization: scale, bias and mean in [0.5, 1), variance in [1.1, 1.6).
  ir::Value* batch_norm(ir::Value* in, int64_t channels, const std::string& name);
  // MaxPool 3x3 with the given stride and padding.
  ir::Value* max_pool(ir::Value* in, int64_t stride, int64_t pad, const std::string& name);
};

// The message of the qrt::Error that `f` throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

}  // namespace qrt::test
