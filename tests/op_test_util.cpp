#include "op_test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "backends/kernel_registry.h"
#include "ir/op_schema.h"
#include "ir/shape_inference.h"

namespace qrt::test {

std::unique_ptr<OneNodeGraph> one_node_graph(const std::string& op_type,
                                             const std::vector<Tensor>& inputs,
                                             const std::map<std::string, ir::AttributeValue>& attrs,
                                             size_t num_outputs) {
  auto g = std::make_unique<OneNodeGraph>();
  std::vector<ir::Value*> in_values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      in_values.push_back(nullptr);
      g->in_ptrs.push_back(nullptr);
      g->in_types.emplace_back();
      continue;
    }
    in_values.push_back(g->graph.add_constant("in" + std::to_string(i), inputs[i]));
    g->in_ptrs.push_back(&inputs[i]);
    g->in_types.push_back({inputs[i].dtype(), inputs[i].shape()});
  }
  std::vector<ir::Value*> out_values;
  for (size_t i = 0; i < num_outputs; ++i)
    out_values.push_back(g->graph.add_value("out" + std::to_string(i)));
  g->node = g->graph.add_node(op_type, "test_" + op_type, in_values, out_values);
  g->node->attrs = attrs;
  return g;
}

std::vector<ir::TensorType> OneNodeGraph::infer_outputs() const {
  const ir::OpSchema* schema = ir::OpRegistry::instance().find(node->op_type);
  if (!schema) throw Error("no schema for " + node->op_type);
  ir::InferContext ctx(*node, in_types, in_ptrs);
  std::vector<ir::TensorType> out_types(node->outputs.size());
  schema->infer(ctx, out_types);
  return out_types;
}

std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const std::map<std::string, ir::AttributeValue>& attrs,
                           size_t num_outputs) {
  const auto g = one_node_graph(op_type, inputs, attrs, num_outputs);
  const std::vector<ir::TensorType> out_types = g->infer_outputs();
  std::vector<Tensor> outputs;
  if (!ir::evaluate_node(*g->node, g->in_ptrs, out_types, outputs))
    throw Error("no reference kernel for " + op_type);
  return outputs;
}

Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float lo, float hi) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(gen);
  return t;
}

Tensor make_f32(std::vector<int64_t> shape, const std::vector<float>& values) {
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), values);
}

Tensor make_i64(std::vector<int64_t> shape, const std::vector<int64_t>& values) {
  return Tensor::from_vector(DataType::kInt64, std::move(shape), values);
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  EXPECT_EQ(a.dtype(), DataType::kFloat32);
  EXPECT_EQ(b.dtype(), DataType::kFloat32);
  if (a.shape() != b.shape()) return INFINITY;
  float m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i]));
  return m;
}

bool bit_identical(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor run_cpu(const std::string& op_type, const std::vector<Tensor>& inputs,
               const std::map<std::string, ir::AttributeValue>& attrs) {
  const auto g = one_node_graph(op_type, inputs, attrs, 1);
  const std::vector<ir::TensorType> out_types = g->infer_outputs();
  NodeTypes types{g->in_types, out_types};
  std::string why;
  const KernelDef* k = KernelRegistry::instance().select(*g->node, "cpu", types, &why);
  if (!k) throw Error("cpu declined " + op_type + ": " + why);
  std::vector<Tensor> outputs{Tensor(out_types[0].dtype, out_types[0].shape)};
  std::vector<Tensor> ins = inputs;
  k->run(KernelArgs{*g->node, ins, outputs});
  return outputs[0];
}

bool cpu_supports(const std::string& op_type, const std::vector<Tensor>& inputs,
                  const std::map<std::string, ir::AttributeValue>& attrs) {
  const auto g = one_node_graph(op_type, inputs, attrs, 1);
  NodeTypes types{g->in_types, g->infer_outputs()};
  return KernelRegistry::instance().select(*g->node, "cpu", types, nullptr) != nullptr;
}

std::string cpu_reason_with_input_computed(const std::string& op_type,
                                           const std::vector<Tensor>& inputs, size_t i,
                                           const std::map<std::string, ir::AttributeValue>& attrs) {
  const auto g = one_node_graph(op_type, inputs, attrs, 1);
  const NodeTypes types{g->in_types, g->infer_outputs()};
  std::string why;
  EXPECT_NE(KernelRegistry::instance().select(*g->node, "cpu", types, &why), nullptr) << why;
  ir::Value* computed = g->graph.add_value("computed");
  computed->dtype = inputs.at(i).dtype();
  g->node->inputs[i] = computed;
  if (KernelRegistry::instance().select(*g->node, "cpu", types, &why)) return "";
  return why;
}

float max_rel_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  float m = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data_as<float>()[i], y = b.data_as<float>()[i];
    m = std::max(m, std::fabs(x - y) / std::max(1.f, std::fabs(y)));
  }
  return m;
}

Tensor to_bf16(const Tensor& f) {
  Tensor t(DataType::kBFloat16, f.shape());
  for (int64_t i = 0; i < f.numel(); ++i)
    t.data_as<uint16_t>()[i] = float_to_bfloat16(f.data_as<float>()[i]);
  return t;
}

Tensor widened(const Tensor& t) { return make_f32(t.shape(), t.to_float_vector()); }

void expect_bf16_close(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dtype(), DataType::kBFloat16);
  ASSERT_EQ(want.dtype(), DataType::kBFloat16);
  const Tensor g = widened(got), w = widened(want);
  float largest = 1.f;
  for (float v : w.to_float_vector()) largest = std::max(largest, std::fabs(v));
  EXPECT_LE(max_abs_diff(g, w), 2 * 0x1p-8f * largest);
}

}  // namespace qrt::test
