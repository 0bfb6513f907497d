#include <gtest/gtest.h>

#include "op_test_util.h"
#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::add_input;
using test::add_typed;
using test::make_f32;
using test::make_i64;
using test::op_types;
using test::random_tensor;

// A small PyTorch-export-like graph, nodes added out of order:
//   x -> Identity -> Conv -> BatchNormalization -> Identity -> y
//   Constant -> Identity -> k;  Gather(Shape(x), 1) -> channels;  Relu(x) -> (unused)
TEST(Pipeline, RunsAllPassesToAFixedPoint) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 3, 5, 5});
  const ir::SymShape conv_shape{ir::Dim{-1, "N"}, ir::Dim{2, {}}, ir::Dim{3, {}}, ir::Dim{3, {}}};
  ir::Value* x1 = add_typed(g, "x1", x->shape);
  ir::Value* c = add_typed(g, "c", conv_shape);
  ir::Value* bn_out = add_typed(g, "bn_out", conv_shape);
  ir::Value* y = add_typed(g, "y", conv_shape);
  ir::Value* k_raw = g.add_value("k_raw");
  ir::Value* k = g.add_value("k");
  ir::Value* s = add_typed(g, "s", test::static_shape({4}), DataType::kInt64);
  ir::Value* channels = g.add_value("channels");
  ir::Value* unused = add_typed(g, "unused", x->shape);

  g.add_node("Identity", "id_y", {bn_out}, {y});
  g.add_node("BatchNormalization", "bn",
             {c, g.add_constant("scale", make_f32({2}, {1.f, 2.f})),
              g.add_constant("B", make_f32({2}, {0.5f, -0.5f})),
              g.add_constant("mean", make_f32({2}, {0.1f, 0.2f})),
              g.add_constant("var", make_f32({2}, {1.f, 4.f}))},
             {bn_out});
  ir::Node* conv =
      g.add_node("Conv", "conv", {x1, g.add_constant("w", random_tensor({2, 3, 3, 3}, 1))}, {c});
  g.add_node("Identity", "id_x", {x}, {x1});
  g.add_node("Identity", "id_k", {k_raw}, {k});
  g.add_node("Constant", "const", {}, {k_raw})->attrs["value"] = make_f32({1}, {42.f});
  g.add_node("Gather", "gather", {s, g.add_constant("one", make_i64({}, {1}))}, {channels});
  g.add_node("Shape", "shape", {x}, {s});
  g.add_node("Relu", "relu", {x}, {unused});
  g.outputs = {y, k, channels};

  const PassStats stats = run_default_passes(g);
  // Identity of a constant is folded (Constant, id_k, Gather) before identity removal runs.
  const std::vector<std::pair<std::string, int>> expected{{"constant_folding", 3},
                                                          {"remove_identity", 2},
                                                          {"fold_batchnorm_into_conv", 1},
                                                          {"dead_node_elimination", 2}};
  EXPECT_EQ(stats.rewrites_per_pass, expected);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Conv"}));
  EXPECT_EQ(conv->inputs[0], x);
  EXPECT_EQ(conv->outputs[0], y);
  ASSERT_EQ(g.outputs.size(), 3u);
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_EQ(g.outputs[1]->name, "k");
  EXPECT_EQ(g.outputs[2]->name, "channels");
  ASSERT_TRUE(k->is_constant());
  EXPECT_EQ(k->constant->to_float_vector(), std::vector<float>{42.f});
  ASSERT_TRUE(channels->is_constant());
  EXPECT_EQ(channels->constant->to_int64_vector(), std::vector<int64_t>{3});
  for (const char* gone : {"x1", "c", "bn_out", "k_raw", "s", "unused", "scale", "w"})
    EXPECT_EQ(g.find_value(gone), nullptr) << gone;
  EXPECT_NO_THROW(ir::validate(g));
}

TEST(Pipeline, LeavesAnOptimalGraphAloneAndSortsIt) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 4});
  ir::Value* a = add_typed(g, "a", x->shape);
  ir::Value* y = add_typed(g, "y", x->shape);
  g.add_node("Sigmoid", "second", {a}, {y});
  g.add_node("Relu", "first", {x}, {a});
  g.outputs = {y};
  const PassStats stats = run_default_passes(g);
  ASSERT_EQ(stats.rewrites_per_pass.size(), 4u);
  for (const auto& [name, rewrites] : stats.rewrites_per_pass) EXPECT_EQ(rewrites, 0) << name;
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Sigmoid"}));
}

}  // namespace
}  // namespace qrt::passes
