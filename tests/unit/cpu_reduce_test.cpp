// The cpu backend's ReduceMean, ReduceSum, ReduceMax and ReduceMin (src/backends/cpu/reduce.cpp)
// against the reference backend: axes sets with and without keepdims, negative axes, reductions
// of every dim, copies (axes of size 1, noop_with_empty_axes), bf16, axes from an opset-13
// attribute and an opset-18 input of an imported model, and what it declines. Then ShuffleNet's
// tail, Conv -> ReduceMean over H, W -> Gemm: one cpu subgraph that matches the reference.
#include <gtest/gtest.h>

#include "onnx/importer.h"
#include "onnx_test_util.h"
#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"
#include "runtime/partition.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

const std::vector<std::string>& reduce_ops() {
  static const std::vector<std::string> ops{"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"};
  return ops;
}

struct AxesCase {
  std::vector<int64_t> shape, axes;  // no axes: every dim
  int64_t keepdims = 1;
};

std::string case_name(const std::string& op, const AxesCase& c) {
  std::string s = op + " rank " + std::to_string(c.shape.size()) + " axes";
  for (int64_t a : c.axes) s.append(" ").append(std::to_string(a));
  return s.append(" keepdims ").append(std::to_string(c.keepdims));
}

std::vector<Tensor> inputs_of(const Tensor& x, const AxesCase& c) {
  if (c.axes.empty()) return {x};
  return {x, make_i64({static_cast<int64_t>(c.axes.size())}, c.axes)};
}

const std::vector<AxesCase>& axes_cases() {
  static const std::vector<AxesCase> cases{
      {{2, 6, 5, 7}, {2, 3}, 1},       {{2, 6, 5, 7}, {2, 3}, 0},     {{2, 6, 5, 7}, {-1}, 0},
      {{2, 6, 5, 7}, {1}, 1},          {{2, 6, 5, 7}, {0, -2}, 1},    {{2, 6, 5, 7}, {3, -3}, 0},
      {{2, 6, 5, 7}, {}, 0},           {{2, 6, 5, 7}, {}, 1},         {{37, 19}, {0}, 0},
      {{3, 1, 4, 2, 5}, {1, 2, 4}, 0}, {{3, 1, 4, 2, 5}, {-5, 3}, 1}, {{1000}, {0}, 1},
  };
  return cases;
}

TEST(CpuReduce, MatchesReferenceF32) {
  uint32_t seed = 1;
  for (const std::string& op : reduce_ops()) {
    for (const AxesCase& c : axes_cases()) {
      SCOPED_TRACE(case_name(op, c));
      const Tensor x = random_tensor(c.shape, seed++, -2.f, 2.f);
      const Attrs attrs{{"keepdims", c.keepdims}};
      const Tensor want = run_op(op, inputs_of(x, c), attrs).at(0);
      const Tensor got = run_cpu(op, inputs_of(x, c), attrs);
      EXPECT_EQ(got.shape(), want.shape());
      EXPECT_LT(max_rel_diff(got, want), 1e-5f);
    }
  }
}

// Axes of size 1 and noop_with_empty_axes are copies; a scalar has nothing to reduce.
TEST(CpuReduce, CopiesMatchReferenceBitForBit) {
  const Tensor x = random_tensor({3, 1, 4, 1}, 7);
  for (const std::string& op : reduce_ops()) {
    SCOPED_TRACE(op);
    for (const Attrs& attrs : {Attrs{{"keepdims", int64_t{0}}}, Attrs{}}) {
      const std::vector<Tensor> in{x, make_i64({2}, {1, -1})};
      EXPECT_TRUE(bit_identical(run_cpu(op, in, attrs), run_op(op, in, attrs).at(0)));
    }
    const Attrs noop{{"noop_with_empty_axes", int64_t{1}}};
    const std::vector<Tensor> empty_axes{x, make_i64({0}, {})};
    EXPECT_TRUE(bit_identical(run_cpu(op, empty_axes, noop), run_op(op, empty_axes, noop).at(0)));
    EXPECT_TRUE(bit_identical(run_cpu(op, {x}, noop), x));
    const Tensor scalar = make_f32({}, {2.5f});
    EXPECT_TRUE(bit_identical(run_cpu(op, {scalar}, {}), scalar));
  }
}

// The reduction of an empty set (0, NaN for the mean, -inf, +inf): the reference's f32 kernel.
TEST(CpuReduce, EmptyInputMatchesReference) {
  const std::vector<Tensor> in{Tensor(DataType::kFloat32, {0, 3}), make_i64({1}, {0})};
  for (const std::string& op : reduce_ops()) {
    SCOPED_TRACE(op);
    EXPECT_TRUE(bit_identical(run_cpu(op, in, {}), run_op(op, in, {}).at(0)));
  }
}

TEST(CpuReduce, MatchesReferenceBf16) {
  if (!cpu_supports("ReduceMean", {to_bf16(random_tensor({2, 3}, 1))}, {}))
    GTEST_SKIP() << "no bf16 on this CPU";
  uint32_t seed = 100;
  for (const std::string& op : reduce_ops()) {
    for (const AxesCase& c : axes_cases()) {
      SCOPED_TRACE(case_name(op, c));
      const Tensor x = to_bf16(random_tensor(c.shape, seed++, -2.f, 2.f));
      const Attrs attrs{{"keepdims", c.keepdims}};
      // The reference backend reduces bf16 values widened to f32.
      const Tensor want = to_bf16(run_op(op, inputs_of(widened(x), c), attrs).at(0));
      expect_bf16_close(run_cpu(op, inputs_of(x, c), attrs), want);
    }
  }
}

TEST(CpuReduce, DeclinesComputedAxesAndOtherReductions) {
  const std::vector<Tensor> in{random_tensor({2, 6, 5}, 3), make_i64({1}, {1})};
  for (const std::string& op : reduce_ops()) {
    const std::string why = cpu_reason_with_input_computed(op, in, 1, {});
    EXPECT_NE(why.find("constant"), std::string::npos) << op << ": " << why;
  }
  EXPECT_FALSE(cpu_supports("ReduceProd", in, {}));
  EXPECT_FALSE(cpu_supports("ReduceL2", in, {}));
}

// An imported one-node model: axes [1, -1] from the attribute (opset 13) or the input (18).
ir::Graph imported_reduce(int64_t opset, const std::string& op) {
  OnnxModel m(opset);
  m.input("x", ::onnx::TensorProto::FLOAT, {2, 6, 5, 7});
  const bool axes_input = opset >= 18;
  ::onnx::NodeProto& n =
      m.node(op, axes_input ? std::vector<std::string>{"x", "axes"} : std::vector<std::string>{"x"},
             {"y"}, "reduce");
  if (axes_input)
    m.initializer(int64_tensor("axes", {2}, {1, -1}));
  else
    attr_ints(n, "axes", {1, -1});
  attr_i(n, "keepdims", 0);
  m.output("y");
  return onnx_import::import_onnx_bytes(m.bytes(), "reduce.onnx", "");
}

std::shared_ptr<Engine> build(ir::Graph graph, std::vector<std::string> backends) {
  BuilderConfig c;
  c.backends = std::move(backends);
  return std::make_shared<Engine>(build_engine(std::move(graph), c, "reduce.onnx"));
}

TEST(CpuReduce, ImportedAxesAttributeAndInputRunOnCpu) {
  const Tensor x = random_tensor({2, 6, 5, 7}, 11);
  for (int64_t opset : {13, 18}) {
    for (const std::string& op : {std::string("ReduceMean"), std::string("ReduceMax")}) {
      SCOPED_TRACE(op + " opset " + std::to_string(opset));
      const auto cpu = build(imported_reduce(opset, op), {"cpu"});
      for (const ir::Node* node : cpu->impl().nodes) EXPECT_EQ(node->backend, "cpu");
      const Tensor got = cpu->create_context()->run({{"x", x}}).at("y");
      const Tensor want = build(imported_reduce(opset, op), {"reference"})
                              ->create_context()
                              ->run({{"x", x}})
                              .at("y");
      EXPECT_EQ(got.shape(), (std::vector<int64_t>{2, 5}));
      EXPECT_LT(max_rel_diff(got, want), 1e-5f);
    }
  }
}

// ShuffleNetV2's tail: x [N, 8, 9, 11] -> Conv 3x3 -> ReduceMean(axes [2, 3], keepdims 0) ->
// Gemm (transB) to 5 classes.
ir::Graph conv_mean_gemm_network() {
  TestNet net;
  ir::Value* c = net.conv(net.input(8), 8, 16, 3, "conv");
  ir::Value* axes = net.g.add_constant("mean_axes", make_i64({2}, {2, 3}));
  ir::Value* mean = net.op("ReduceMean", {c, axes}, "mean", {{"keepdims", int64_t{0}}});
  ir::Value* w = net.g.add_constant("fc_w", random_tensor({5, 16}, 21));
  ir::Value* b = net.g.add_constant("fc_b", random_tensor({5}, 22));
  net.g.outputs = {net.op("Gemm", {mean, w, b}, "fc", {{"transB", int64_t{1}}})};
  return std::move(net.g);
}

TEST(CpuReduce, ConvMeanGemmIsOneCpuSubgraphAndMatchesReference) {
  const auto reference = build(conv_mean_gemm_network(), {"reference"});
  const auto cpu = build(conv_mean_gemm_network(), {"cpu", "reference"});
  const std::vector<const ir::Node*> nodes(cpu->impl().nodes.begin(), cpu->impl().nodes.end());
  for (const ir::Node* node : nodes) EXPECT_EQ(node->backend, "cpu") << node->describe();
  const std::vector<size_t> runs = subgraph_runs(nodes);
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.back(), 0u) << "subgraphs: " << runs.back() + 1;
  const Tensor x = random_tensor({2, 8, 9, 11}, 23);
  const auto want = reference->create_context()->run({{"x", x}});
  const auto got = cpu->create_context()->run({{"x", x}});
  ASSERT_EQ(got.size(), 1u);
  const Tensor& y = got.begin()->second;
  EXPECT_EQ(y.shape(), (std::vector<int64_t>{2, 5}));
  EXPECT_LT(max_rel_diff(y, want.begin()->second), 1e-4f);
}

}  // namespace
}  // namespace qrt::test
