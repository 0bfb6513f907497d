#include <gtest/gtest.h>

#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::add_input;
using test::add_typed;
using test::op_types;

TEST(DeadNodeElimination, RemovesBranchesThatReachNoOutput) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 4});
  ir::Value* a = add_typed(g, "a", x->shape);
  ir::Value* dead1 = add_typed(g, "dead1", x->shape);
  ir::Value* dead2 = add_typed(g, "dead2", x->shape);
  ir::Value* y = add_typed(g, "y", x->shape);
  g.add_node("Relu", "live1", {x}, {a});
  g.add_node("Exp", "dead_a", {a}, {dead1});
  g.add_node("Neg", "dead_b", {dead1}, {dead2});
  g.add_node("Sigmoid", "live2", {a}, {y});
  g.outputs = {y};

  const PassResult r = dead_node_elimination(g);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.rewrites, 2);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Sigmoid"}));
  EXPECT_EQ(g.find_value("dead1"), nullptr);
  EXPECT_EQ(g.find_value("dead2"), nullptr);
  EXPECT_NE(g.find_value("a"), nullptr);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST(DeadNodeElimination, KeepsNodesWithAnyLiveOutputAndUnusedGraphInputs) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {6});
  ir::Value* unused_input = add_input(g, "unused", {1});
  g.add_constant("unused_const", Tensor(DataType::kFloat32, {3}));
  ir::Value* s0 = add_typed(g, "s0", test::static_shape({3}));
  ir::Value* s1 = add_typed(g, "s1", test::static_shape({3}));
  g.add_node("Split", "split", {x}, {s0, s1});
  g.outputs = {s1};

  const PassResult r = dead_node_elimination(g);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(g.node_count(), 1u);
  EXPECT_EQ(g.find_value("s0"), s0);  // still an output of the live Split
  EXPECT_EQ(g.find_value("unused"), unused_input);
  EXPECT_EQ(g.find_value("unused_const"), nullptr);
}

TEST(DeadNodeElimination, EmptyWhenNothingReachesOutputs) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {2});
  ir::Value* a = add_typed(g, "a", x->shape);
  g.add_node("Relu", "r", {x}, {a});
  g.outputs = {x};
  EXPECT_EQ(dead_node_elimination(g).rewrites, 1);
  EXPECT_EQ(g.node_count(), 0u);
  EXPECT_NO_THROW(ir::validate(g));
}

}  // namespace
}  // namespace qrt::passes
