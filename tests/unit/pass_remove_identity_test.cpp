#include <gtest/gtest.h>

#include "op_test_util.h"
#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::add_input;
using test::add_typed;
using test::op_types;

class RemoveIdentity : public ::testing::Test {
 protected:
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 4});
  ir::SymShape shape = x->shape;
};

TEST_F(RemoveIdentity, RewiresConsumersToTheInput) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* b = add_typed(g, "b", shape);
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Relu", "r1", {x}, {a});
  g.add_node("Identity", "id", {a}, {b});
  ir::Node* r2 = g.add_node("Relu", "r2", {b}, {y});
  g.outputs.push_back(y);

  const PassResult r = remove_identity(g);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu", "Relu"}));
  EXPECT_EQ(r2->inputs[0], a);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST_F(RemoveIdentity, GraphOutputKeepsItsName) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* y = add_typed(g, "y", shape);
  ir::Value* z = add_typed(g, "z", shape);
  ir::Node* relu = g.add_node("Relu", "r", {x}, {a});
  g.add_node("Identity", "id", {a}, {y});
  // `a` has another consumer, which must now read the renamed value.
  ir::Node* neg = g.add_node("Neg", "n", {a}, {z});
  g.outputs = {y, z};

  EXPECT_EQ(remove_identity(g).rewrites, 1);
  g.remove_unused_values();
  ASSERT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_EQ(relu->outputs[0], y);
  EXPECT_EQ(y->producer, relu);
  EXPECT_EQ(neg->inputs[0], y);
  EXPECT_EQ(g.find_value("a"), nullptr);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST_F(RemoveIdentity, ChainIntoGraphOutput) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* b = add_typed(g, "b", shape);
  ir::Value* y = add_typed(g, "y", shape);
  ir::Node* relu = g.add_node("Relu", "r", {x}, {a});
  g.add_node("Identity", "id1", {a}, {b});
  g.add_node("Identity", "id2", {b}, {y});
  g.outputs = {y};

  EXPECT_EQ(remove_identity(g).rewrites, 2);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu"}));
  EXPECT_EQ(relu->outputs[0]->name, "y");
  EXPECT_EQ(g.outputs[0], y);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST_F(RemoveIdentity, KeptBetweenGraphInputAndGraphOutput) {
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Identity", "id", {x}, {y});
  g.outputs = {y};
  EXPECT_FALSE(remove_identity(g).changed);
  EXPECT_EQ(g.node_count(), 1u);
}

TEST_F(RemoveIdentity, KeptBetweenTwoGraphOutputs) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Relu", "r", {x}, {a});
  g.add_node("Identity", "id", {a}, {y});
  g.outputs = {a, y};
  EXPECT_FALSE(remove_identity(g).changed);
  EXPECT_EQ(g.node_count(), 2u);
  EXPECT_EQ(g.outputs[0]->name, "a");
  EXPECT_EQ(g.outputs[1]->name, "y");
}

TEST_F(RemoveIdentity, ConstantIntoGraphOutputBecomesConstantOutput) {
  ir::Value* c = g.add_constant("c", test::make_f32({2}, {1.f, 2.f}));
  ir::Value* y = add_typed(g, "y", test::static_shape({2}));
  g.add_node("Identity", "id", {c}, {y});
  g.outputs = {y};
  EXPECT_EQ(remove_identity(g).rewrites, 1);
  EXPECT_EQ(g.node_count(), 0u);
  ASSERT_TRUE(y->is_constant());
  EXPECT_EQ(y->constant->data_as<float>()[1], 2.f);
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_NO_THROW(ir::validate(g));
}

TEST_F(RemoveIdentity, DropoutWithoutUsedMaskIsRemoved) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* mask = add_typed(g, "mask", shape, DataType::kBool);
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Dropout", "d", {x}, {a, mask});
  ir::Node* relu = g.add_node("Relu", "r", {a}, {y});
  g.outputs = {y};
  EXPECT_EQ(remove_identity(g).rewrites, 1);
  EXPECT_EQ(relu->inputs[0], x);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Relu"}));
}

TEST_F(RemoveIdentity, DropoutWithUsedMaskIsKept) {
  ir::Value* a = add_typed(g, "a", shape);
  ir::Value* mask = add_typed(g, "mask", shape, DataType::kBool);
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Dropout", "d", {x}, {a, mask});
  g.add_node("Relu", "r", {a}, {y});
  g.outputs = {y, mask};
  EXPECT_FALSE(remove_identity(g).changed);
  EXPECT_EQ(g.node_count(), 2u);
}

TEST_F(RemoveIdentity, OtherOpsUntouched) {
  ir::Value* y = add_typed(g, "y", shape);
  g.add_node("Relu", "r", {x}, {y});
  g.outputs = {y};
  const PassResult r = remove_identity(g);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.rewrites, 0);
}

}  // namespace
}  // namespace qrt::passes
