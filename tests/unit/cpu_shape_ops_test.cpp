// The cpu backend's shape arithmetic (src/backends/cpu/shape.cpp, gather.cpp, the int64 path of
// concat.cpp) and Slice (slice.cpp) against the reference backend's kernels, bit for bit. Then a
// ShuffleNet channel shuffle with a dynamic batch (Conv -> Shape -> Gather -> Unsqueeze -> Concat
// -> Reshape -> Transpose -> Reshape, and the next block's Slice channel split) built with
// backends cpu,reference: it is one cpu subgraph and matches the reference backend.
#include <gtest/gtest.h>

#include <cmath>

#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"
#include "runtime/partition.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

void expect_cpu_matches_reference(const std::string& op, const std::vector<Tensor>& inputs,
                                  const Attrs& attrs = {}) {
  const Tensor want = run_op(op, inputs, attrs).at(0);
  const Tensor got = run_cpu(op, inputs, attrs);
  EXPECT_TRUE(bit_identical(got, want));
}

TEST(CpuShape, MatchesReferenceWithStartAndEnd) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 1);
  for (const Attrs& attrs : {Attrs{}, Attrs{{"start", int64_t{1}}, {"end", int64_t{-1}}},
                             Attrs{{"start", int64_t{-2}}}, Attrs{{"end", int64_t{1}}}}) {
    SCOPED_TRACE(attrs.size());
    expect_cpu_matches_reference("Shape", {x}, attrs);
  }
  const Tensor tail = run_cpu("Shape", {x}, {{"start", int64_t{-3}}, {"end", int64_t{-1}}});
  EXPECT_EQ(tail.to_int64_vector(), (std::vector<int64_t>{3, 4}));
}

TEST(CpuGather, ShapeTensorWithNegativeIndicesMatchesReference) {
  const Tensor shape = make_i64({4}, {2, 8, 5, 7});
  expect_cpu_matches_reference("Gather", {shape, make_i64({3}, {-1, 0, -3})});
  expect_cpu_matches_reference("Gather", {shape, make_i64({2, 2}, {3, -4, 1, -2})});
  const Tensor last = run_cpu("Gather", {shape, make_i64({}, {-1})}, {});
  EXPECT_EQ(last.shape(), std::vector<int64_t>{});  // a scalar index drops the axis
  EXPECT_EQ(last.to_int64_vector(), std::vector<int64_t>{7});
  Tensor shape32(DataType::kInt32, {3});
  for (int32_t i = 0; i < 3; ++i) shape32.data_as<int32_t>()[i] = 10 * (i + 1);
  expect_cpu_matches_reference("Gather", {shape32, make_i64({2}, {-1, 1})});
}

TEST(CpuGather, DeclinesActivations) {
  EXPECT_TRUE(cpu_supports("Gather", {make_i64({4}, {1, 2, 3, 4}), make_i64({}, {0})}, {}));
  EXPECT_FALSE(cpu_supports("Gather", {random_tensor({4}, 2), make_i64({}, {0})}, {}));
  EXPECT_FALSE(cpu_supports("Gather", {make_i64({2, 2}, {1, 2, 3, 4}), make_i64({}, {0})}, {}));
}

TEST(CpuConcat, Int64ShapeTensorsMatchReference) {
  const std::vector<Tensor> parts{make_i64({1}, {-1}), make_i64({0}, {}), make_i64({1}, {2}),
                                  make_i64({2}, {4, 7})};
  expect_cpu_matches_reference("Concat", parts, {{"axis", int64_t{0}}});
  expect_cpu_matches_reference("Concat", parts, {{"axis", int64_t{-1}}});
  EXPECT_EQ(run_cpu("Concat", parts, {{"axis", int64_t{0}}}).to_int64_vector(),
            (std::vector<int64_t>{-1, 2, 4, 7}));
  EXPECT_FALSE(cpu_supports("Concat", {make_i64({1, 2}, {1, 2}), make_i64({1, 2}, {3, 4})},
                            {{"axis", int64_t{0}}}));
}

TEST(CpuSlice, MatchesReference) {
  const Tensor x = random_tensor({2, 6, 5, 7}, 3);
  struct Case {
    std::string name;
    std::vector<int64_t> starts, ends, axes, steps;
  };
  const std::vector<Case> cases{
      {"first_half_channels", {0}, {3}, {1}, {}},
      {"second_half_channels", {3}, {6}, {1}, {}},
      {"negative_axis_and_ends", {1, -4}, {-1, 100}, {-1, -2}, {}},
      {"steps", {0, 1}, {6, 5}, {1, 3}, {2, 2}},
      {"negative_step", {5}, {0}, {1}, {-2}},  // the reference loop
      {"empty", {4}, {2}, {1}, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto ints = [](const std::vector<int64_t>& v) {
      return make_i64({static_cast<int64_t>(v.size())}, v);
    };
    std::vector<Tensor> in{x, ints(c.starts), ints(c.ends), ints(c.axes)};
    if (!c.steps.empty()) in.push_back(ints(c.steps));
    expect_cpu_matches_reference("Slice", in);
  }
  // int64 (a shape tensor's tail): the reference loop.
  expect_cpu_matches_reference(
      "Slice", {make_i64({4}, {2, 8, 5, 7}), make_i64({1}, {-2}), make_i64({1}, {4})});
}

TEST(CpuSlice, DeclinesStartsThatAreNotConstants) {
  const std::string why = cpu_reason_with_input_computed(
      "Slice", {random_tensor({2, 6}, 4), make_i64({1}, {0}), make_i64({1}, {3})}, 1, {});
  EXPECT_NE(why.find("constant"), std::string::npos) << why;
}

// Small integers: every sum a convolution makes of them is exact in f32, in any order, so the
// cpu and reference convolutions agree bit for bit and so must everything after them.
Tensor small_integers(std::vector<int64_t> shape, uint32_t seed) {
  Tensor t = random_tensor(std::move(shape), seed, -4.f, 4.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = std::round(t.data_as<float>()[i]);
  return t;
}

// x [N, 8, 6, 6] -> Conv 1x1 -> c; torchvision's channel_shuffle(c, groups 2) with the Reshape
// targets computed from Shape(c) as the exporter writes them ([n, 2, 4, h, w], then [n, -1, h,
// w]); then the next block's split of the channels (Slice [0, 4) and [4, 8)).
ir::Graph channel_shuffle_network() {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{-1, "N"}, ir::Dim{8, {}}, ir::Dim{6, {}}, ir::Dim{6, {}}};
  g.inputs.push_back(x);
  const auto value = [&](const std::string& name) { return g.add_value(name); };
  const auto i64 = [&](const std::string& name, std::vector<int64_t> shape,
                       std::vector<int64_t> v) { return g.add_constant(name, make_i64(shape, v)); };
  ir::Value* w = g.add_constant("conv_w", small_integers({8, 8, 1, 1}, 5));
  ir::Value* b = g.add_constant("conv_b", small_integers({8}, 6));
  ir::Value* c = value("c");
  g.add_node("Conv", "conv", {x, w, b}, {c});
  // n, h, w from Shape(c), each through its own Shape and Gather (w with a negative index).
  const auto dim = [&](const std::string& name, int64_t index) {
    ir::Value* s = value(name + "_shape");
    g.add_node("Shape", name + "_shape", {c}, {s});
    ir::Value* d = value(name);
    g.add_node("Gather", name + "_gather", {s, i64(name + "_index", {}, {index})}, {d})
        ->attrs["axis"] = int64_t{0};
    return d;
  };
  ir::Value* n = dim("batch", 0);
  ir::Value* h = dim("height", 2);
  ir::Value* wd = dim("width", -1);
  int unsqueezes = 0;
  const auto unsqueeze = [&](ir::Value* scalar) {
    const std::string name = "unsqueeze" + std::to_string(unsqueezes++);
    ir::Value* u = value(name);
    g.add_node("Unsqueeze", name, {scalar, i64(name + "_axes", {1}, {0})}, {u});
    return u;
  };
  const auto concat = [&](const std::string& name, std::vector<ir::Value*> parts) {
    ir::Value* v = value(name);
    g.add_node("Concat", name, parts, {v})->attrs["axis"] = int64_t{0};
    return v;
  };
  const auto reshape = [&](const std::string& name, ir::Value* data, ir::Value* shape) {
    ir::Value* v = value(name);
    g.add_node("Reshape", name, {data, shape}, {v});
    return v;
  };
  ir::Value* grouped =
      reshape("grouped", c,
              concat("grouped_shape", {unsqueeze(n), i64("groups", {1}, {2}),
                                       i64("per_group", {1}, {4}), unsqueeze(h), unsqueeze(wd)}));
  ir::Value* swapped = value("swapped");
  g.add_node("Transpose", "swap", {grouped}, {swapped})->attrs["perm"] =
      std::vector<int64_t>{0, 2, 1, 3, 4};
  ir::Value* y = reshape(
      "y", swapped,
      concat("y_shape", {unsqueeze(n), i64("minus_one", {1}, {-1}), unsqueeze(h), unsqueeze(wd)}));
  const auto half = [&](const std::string& name, int64_t start, int64_t end) {
    ir::Value* v = value(name);
    g.add_node("Slice", name,
               {y, i64(name + "_starts", {1}, {start}), i64(name + "_ends", {1}, {end}),
                i64(name + "_axes", {1}, {1})},
               {v});
    return v;
  };
  g.outputs = {y, half("lo", 0, 4), half("hi", 4, 8)};
  return g;
}

TEST(CpuShapeOps, ChannelShuffleIsOneCpuSubgraphAndMatchesReference) {
  const auto build = [](std::vector<std::string> backends) {  // fp32, batch 1:2:4
    BuilderConfig c;
    c.backends = std::move(backends);
    c.batch = BatchProfile{1, 2, 4};
    return std::make_shared<Engine>(build_engine(channel_shuffle_network(), c, "shuffle.onnx"));
  };
  const auto reference = build({"reference"});
  const auto cpu = build({"cpu", "reference"});
  const std::vector<const ir::Node*> nodes(cpu->impl().nodes.begin(), cpu->impl().nodes.end());
  for (const ir::Node* node : nodes) EXPECT_EQ(node->backend, "cpu") << node->describe();
  const std::vector<size_t> runs = subgraph_runs(nodes);
  ASSERT_FALSE(runs.empty());
  EXPECT_EQ(runs.back(), 0u) << "subgraphs: " << runs.back() + 1;
  for (int64_t batch : {2, 3}) {  // the opt batch and another
    SCOPED_TRACE(batch);
    const Tensor x = small_integers({batch, 8, 6, 6}, 7);
    const auto want = reference->create_context()->run({{"x", x}});
    const auto got = cpu->create_context()->run({{"x", x}});
    for (const char* name : {"y", "lo", "hi"}) {
      SCOPED_TRACE(name);
      EXPECT_TRUE(bit_identical(got.at(name), want.at(name)));
    }
    EXPECT_EQ(got.at("lo").shape(), (std::vector<int64_t>{batch, 4, 6, 6}));
  }
}

}  // namespace
}  // namespace qrt::test
