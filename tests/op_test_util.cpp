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

ir::Value* TestNet::input(int64_t channels, int64_t height, int64_t width) {
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{-1, "N"}, ir::Dim{channels, {}}, ir::Dim{height, {}}, ir::Dim{width, {}}};
  g.inputs.push_back(x);
  return x;
}

ir::Value* TestNet::conv(ir::Value* in, int64_t cin, int64_t cout, int64_t k,
                         const std::string& name, int64_t group, int64_t stride) {
  const float w_scale = 1.5f / std::sqrt(static_cast<float>(cin / group * k * k));
  ir::Value* w = g.add_constant(
      name + "_w", random_tensor({cout, cin / group, k, k}, seed++, -w_scale, w_scale));
  ir::Value* b = g.add_constant(name + "_b", random_tensor({cout}, seed++, -0.1f, 0.1f));
  return op("Conv", {in, w, b}, name,
            {{"pads", std::vector<int64_t>(4, k / 2)},
             {"group", group},
             {"strides", std::vector<int64_t>{stride, stride}}});
}

ir::Value* TestNet::op(const std::string& type, std::vector<ir::Value*> in, const std::string& name,
                       std::map<std::string, ir::AttributeValue> attrs) {
  ir::Value* y = g.add_value(name);
  g.add_node(type, name, std::move(in), {y})->attrs = std::move(attrs);
  return y;
}

ir::Value* TestNet::batch_norm(ir::Value* in, int64_t channels, const std::string& name) {
  std::vector<ir::Value*> ins{in};
  for (const char* p : {"scale", "bias", "mean"})
    ins.push_back(g.add_constant(name + "_" + p, random_tensor({channels}, seed++, 0.5f)));
  Tensor var = random_tensor({channels}, seed++, 0.5f);
  for (int64_t i = 0; i < channels; ++i) var.data_as<float>()[i] += 0.6f;
  ins.push_back(g.add_constant(name + "_var", var));
  return op("BatchNormalization", ins, name);
}

ir::Value* TestNet::max_pool(ir::Value* in, int64_t stride, int64_t pad, const std::string& name) {
  return op("MaxPool", {in}, name,
            {{"kernel_shape", std::vector<int64_t>{3, 3}},
             {"strides", std::vector<int64_t>{stride, stride}},
             {"pads", std::vector<int64_t>(4, pad)}});
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
