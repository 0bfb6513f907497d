// The cpu backend's elementwise kernels (src/backends/cpu/activation.cpp, binary.cpp) against the
// reference backend: every activation with its attributes, f32 and bf16, any rank, in place;
// Add / Sub / Mul / Div with ONNX broadcasting in both directions and between ranks, and what
// they decline; then a squeeze-excitation + hardswish block (MobileNetV3's) built with
// backends {cpu, reference}, which must run on the cpu backend only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "backends/kernel_registry.h"
#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

struct ActivationCase {
  std::string op;
  Attrs attrs;
  float lo = -4.f, hi = 4.f;  // input range
};

std::vector<ActivationCase> activation_cases() {
  return {
      {"Relu", {}},
      {"LeakyRelu", {}},
      {"LeakyRelu", {{"alpha", 0.3f}}},
      {"Sigmoid", {}, -12.f, 12.f},
      {"Tanh", {}},
      {"HardSigmoid", {}},
      {"HardSigmoid", {{"alpha", 0.3f}, {"beta", 0.4f}}},
      {"HardSwish", {}, -5.f, 5.f},
      {"Elu", {}},
      {"Elu", {{"alpha", 0.7f}}},
      {"Exp", {}},
      {"Log", {}, 0.01f, 10.f},
      {"Abs", {}},
      {"Sqrt", {}, 0.f, 10.f},
  };
}

std::string case_name(const ActivationCase& c) {
  std::string name = c.op;
  for (const auto& [key, value] : c.attrs) name += " " + key;
  return name;
}

// Shapes of several ranks (elementwise ops see a flat buffer).
const std::vector<std::vector<int64_t>>& shapes() {
  static const std::vector<std::vector<int64_t>> s = {
      {37}, {3, 17, 13, 11}, {2, 3, 1, 5, 7}, {1, 1, 2, 3, 4, 5}};
  return s;
}

TEST(CpuElementwise, ActivationsMatchReferenceF32) {
  uint32_t seed = 1;
  for (const ActivationCase& c : activation_cases()) {
    for (const auto& shape : shapes()) {
      SCOPED_TRACE(case_name(c) + " rank " + std::to_string(shape.size()));
      const Tensor x = random_tensor(shape, seed++, c.lo, c.hi);
      EXPECT_LT(max_rel_diff(run_cpu(c.op, {x}, c.attrs), run_op(c.op, {x}, c.attrs)[0]), 1e-5f);
    }
  }
}

TEST(CpuElementwise, ActivationsMatchReferenceBf16) {
  uint32_t seed = 100;
  for (const ActivationCase& c : activation_cases()) {
    SCOPED_TRACE(case_name(c));
    const Tensor x = to_bf16(random_tensor({2, 9, 7, 5}, seed++, c.lo, c.hi));
    expect_bf16_close(run_cpu(c.op, {x}, c.attrs), run_op(c.op, {x}, c.attrs)[0]);
  }
}

// ONNX's HardSwish equals oneDNN's x * relu6(x + 3) / 6 up to rounding, also at the kinks
// (-3, 3) and beyond.
TEST(CpuElementwise, HardSwishAtTheKinks) {
  const Tensor x =
      make_f32({10}, {-6.f, -3.f, -2.9999f, -1.5f, 0.f, 0.5f, 2.9999f, 3.f, 3.0001f, 100.f});
  EXPECT_LT(max_rel_diff(run_cpu("HardSwish", {x}, {}), run_op("HardSwish", {x}, {})[0]), 1e-6f);
}

TEST(CpuElementwise, ClipBoundsFromConstantInputs) {
  const Tensor x = random_tensor({4, 5, 6}, 7, -3.f, 3.f);
  const Tensor lo = make_f32({}, {-0.5f}), hi = make_f32({}, {1.25f});
  for (const std::vector<Tensor>& inputs :
       std::vector<std::vector<Tensor>>{{x}, {x, lo}, {x, lo, hi}, {x, Tensor(), hi}}) {
    SCOPED_TRACE(inputs.size());
    EXPECT_EQ(max_abs_diff(run_cpu("Clip", inputs, {}), run_op("Clip", inputs, {})[0]), 0.f);
  }
  expect_bf16_close(run_cpu("Clip", {to_bf16(x), to_bf16(lo), to_bf16(hi)}, {}),
                    run_op("Clip", {to_bf16(x), to_bf16(lo), to_bf16(hi)}, {})[0]);
  // oneDNN's clip gives min for every input when min > max, ONNX gives max: declined.
  EXPECT_FALSE(cpu_supports("Clip", {x, hi, lo}, {}));
  EXPECT_TRUE(cpu_supports("Clip", {x, lo, hi}, {}));
}

// Runs the cpu kernel with its output in the buffer of input 0 (a copy of `inputs[0]`).
Tensor run_cpu_in_place(const std::string& op, const std::vector<Tensor>& inputs,
                        const Attrs& attrs) {
  const auto g = one_node_graph(op, inputs, attrs, 1);
  NodeTypes types{g->in_types, g->infer_outputs()};
  const KernelDef* k = KernelRegistry::instance().select(*g->node, "cpu", types, nullptr);
  if (!k) throw Error("cpu declined " + op);
  std::vector<Tensor> ins = inputs;
  ins[0] = make_f32(inputs[0].shape(), inputs[0].to_float_vector());
  EXPECT_EQ(types.outputs[0].shape, ins[0].shape());
  std::vector<Tensor> outputs{ins[0]};
  k->run(KernelArgs{*g->node, ins, outputs});
  EXPECT_EQ(outputs[0].data(), ins[0].data());
  return outputs[0];
}

TEST(CpuElementwise, InPlace) {
  const Tensor x = random_tensor({3, 8, 5, 5}, 11, -4.f, 4.f);
  const Tensor s = random_tensor({3, 8, 1, 1}, 12);
  for (const std::string op : {"HardSwish", "HardSigmoid", "Sigmoid", "Relu"})
    EXPECT_LT(max_rel_diff(run_cpu_in_place(op, {x}, {}), run_op(op, {x}, {})[0]), 1e-5f) << op;
  for (const std::string op : {"Mul", "Sub", "Div", "Add"})
    EXPECT_LT(max_rel_diff(run_cpu_in_place(op, {x, s}, {}), run_op(op, {x, s}, {})[0]), 1e-6f)
        << op;
}

struct BinaryCase {
  std::string name;
  std::vector<int64_t> a, b;
  bool a_broadcasts = false;  // Div declines these
};

std::vector<BinaryCase> binary_cases() {
  return {
      {"same_shape", {2, 3, 5, 7}, {2, 3, 5, 7}},
      {"squeeze_excitation", {2, 24, 7, 9}, {2, 24, 1, 1}},
      {"squeeze_excitation_batch1", {1, 24, 7, 9}, {1, 24, 1, 1}},
      {"squeeze_excitation_nhwc", {1, 7, 9, 24}, {1, 1, 1, 24}},
      {"squeeze_excitation_nhwc_batch2", {2, 7, 9, 24}, {2, 1, 1, 24}},
      {"lower_rank_b", {4, 5, 6}, {6}},
      {"lower_rank_b_middle", {4, 5, 6}, {5, 1}},
      {"scalar_b", {3, 4, 5}, {}},
      {"bias_1d", {7, 33}, {33}},
      {"rank6", {2, 1, 3, 2, 4, 5}, {2, 1, 3, 1, 4, 1}},
      {"a_broadcasts", {2, 24, 1, 1}, {2, 24, 7, 9}, true},
      {"a_lower_rank", {5}, {3, 4, 5}, true},
      {"a_scalar", {}, {3, 4, 5}, true},
      {"rank1", {13}, {13}},
  };
}

TEST(CpuElementwise, BinaryMatchesReferenceF32) {
  uint32_t seed = 200;
  for (const BinaryCase& c : binary_cases()) {
    for (const std::string op : {"Add", "Sub", "Mul", "Div"}) {
      SCOPED_TRACE(c.name + " " + op);
      const Tensor a = random_tensor(c.a, seed++, -2.f, 2.f);
      // Divisors away from 0.
      const Tensor b = op == "Div" ? random_tensor(c.b, seed++, 0.5f, 2.f)
                                   : random_tensor(c.b, seed++, -2.f, 2.f);
      if (op == "Div" && c.a_broadcasts) {
        EXPECT_FALSE(cpu_supports(op, {a, b}, {}));
        continue;
      }
      // Add, Sub, Mul and Div are exact IEEE operations on both backends.
      EXPECT_TRUE(bit_identical(run_cpu(op, {a, b}, {}), run_op(op, {a, b}, {})[0]));
    }
  }
}

// Sub with a broadcasting first input (swapped into oneDNN's second source) is still a - b:
// +0 where a == b, as the reference.
TEST(CpuElementwise, SwappedSubKeepsTheSignOfZero) {
  const Tensor a = make_f32({2, 1}, {1.5f, -2.f});
  const Tensor b = make_f32({2, 3}, {1.5f, 1.5f, 0.25f, -2.f, 3.f, -2.f});
  const Tensor got = run_cpu("Sub", {a, b}, {});
  EXPECT_TRUE(bit_identical(got, run_op("Sub", {a, b}, {})[0]));
  EXPECT_FALSE(std::signbit(got.data_as<float>()[0]));
  expect_bf16_close(run_cpu("Sub", {to_bf16(a), to_bf16(b)}, {}),
                    run_op("Sub", {to_bf16(a), to_bf16(b)}, {})[0]);
}

TEST(CpuElementwise, BinaryMatchesReferenceBf16) {
  uint32_t seed = 300;
  for (const BinaryCase& c : binary_cases()) {
    for (const std::string op : {"Add", "Sub", "Mul", "Div"}) {
      if (op == "Div" && c.a_broadcasts) continue;
      SCOPED_TRACE(c.name + " " + op);
      const Tensor a = to_bf16(random_tensor(c.a, seed++, -2.f, 2.f));
      const Tensor b = to_bf16(op == "Div" ? random_tensor(c.b, seed++, 0.5f, 2.f)
                                           : random_tensor(c.b, seed++, -2.f, 2.f));
      expect_bf16_close(run_cpu(op, {a, b}, {}), run_op(op, {a, b}, {})[0]);
    }
  }
}

TEST(CpuElementwise, BinaryDeclines) {
  const Tensor row = random_tensor({4, 1}, 1), col = random_tensor({1, 5}, 2);
  EXPECT_FALSE(cpu_supports("Add", {row, col}, {}));  // both broadcast
  const Tensor x = random_tensor({2, 3}, 3);
  Tensor i32(DataType::kInt32, {2, 3});
  EXPECT_FALSE(cpu_supports("Add", {i32, i32}, {}));
  EXPECT_FALSE(cpu_supports("Mul", {make_i64({2}, {1, 2}), make_i64({2}, {3, 4})}, {}));
  const Tensor rank7 = random_tensor({1, 2, 1, 2, 1, 2, 3}, 4);
  EXPECT_FALSE(cpu_supports("Add", {rank7, rank7}, {}));
  EXPECT_TRUE(cpu_supports("Div", {x, random_tensor({3}, 5, 1.f, 2.f)}, {}));
}

// MobileNetV3's block: conv -> HardSwish -> squeeze-excitation (global pool, 1x1 conv, Relu,
// 1x1 conv, HardSigmoid, Mul with the block's activations) -> 1x1 conv -> + residual ->
// Sigmoid, Tanh, Clip (relu6) and a Sub / Div by constants.
ir::Graph se_block() {
  TestNet m;
  ir::Value* x = m.input(16);
  ir::Value* h = m.op("HardSwish", {m.conv(x, 16, 32, 1, "expand")}, "hswish1");
  ir::Value* d = m.op("HardSwish", {m.conv(h, 32, 32, 3, "depthwise", 32)}, "hswish2");
  ir::Value* pooled = m.op("GlobalAveragePool", {d}, "pooled");
  ir::Value* squeeze = m.op("Relu", {m.conv(pooled, 32, 8, 1, "squeeze")}, "relu");
  ir::Value* gate =
      m.op("HardSigmoid", {m.conv(squeeze, 8, 32, 1, "excite")}, "gate", {{"alpha", 1.f / 6}});
  ir::Value* scaled = m.op("Mul", {d, gate}, "scaled");
  ir::Value* sum = m.op("Add", {m.conv(scaled, 32, 16, 1, "project"), x}, "sum");
  ir::Value* six = m.g.add_constant("six", make_f32({}, {6.f}));
  ir::Value* zero = m.g.add_constant("zero", make_f32({}, {0.f}));
  ir::Value* relu6 = m.op("Clip", {m.op("Sigmoid", {sum}, "sig"), zero, six}, "relu6");
  ir::Value* half = m.g.add_constant("half", random_tensor({16, 1, 1}, m.seed++, 0.5f, 1.f));
  ir::Value* t = m.op("Tanh", {m.op("Sub", {half, relu6}, "sub")}, "tanh");
  m.g.outputs = {m.op("Div", {t, half}, "y")};
  return std::move(m.g);
}

TEST(CpuElementwise, SqueezeExcitationBlockRunsOnCpuOnly) {
  BuilderConfig config;
  config.batch = BatchProfile{1, 2, 3};
  config.backends = {"reference"};
  const Engine reference(build_engine(se_block(), config, "se.onnx"));
  config.backends = {"cpu", "reference"};
  const Engine cpu(build_engine(se_block(), config, "se.onnx"));
  for (const ir::Node* node : cpu.impl().nodes)
    EXPECT_EQ(node->backend, "cpu")
        << node->name << " (" << node->op_type << "): " << node->fallback_reason;
  // Also from a saved plan (the Clip's bounds are read from its inputs at run time).
  const std::string plan =
      ::testing::TempDir() + "cpu_elementwise_se_" + std::to_string(::getpid()) + ".plan";
  cpu.save(plan);
  const std::shared_ptr<Engine> loaded = Engine::load(plan);
  std::remove(plan.c_str());
  for (int64_t batch : {1, 2, 3}) {
    SCOPED_TRACE(batch);
    const std::map<std::string, Tensor> in = {
        {"x", random_tensor({batch, 16, 9, 11}, 7 + static_cast<uint32_t>(batch))}};
    const Tensor want = reference.create_context()->run(in).at("y");
    EXPECT_LT(max_rel_diff(cpu.create_context()->run(in).at("y"), want), 1e-5f);
    EXPECT_LT(max_rel_diff(loaded->create_context()->run(in).at("y"), want), 1e-5f);
  }
}

}  // namespace
}  // namespace qrt::test
