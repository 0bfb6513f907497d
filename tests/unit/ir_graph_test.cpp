#include <gtest/gtest.h>

#include "ir/graph.h"

namespace qrt::ir {
namespace {

TEST(Graph, TopologicalSortOrdersProducersFirst) {
  Graph g;
  Value* x = g.add_value("x");
  g.inputs.push_back(x);
  Value* a = g.add_value("a");
  Value* b = g.add_value("b");
  // Added out of order: b's consumer first.
  g.add_node("Relu", "second", {a}, {b});
  g.add_node("Relu", "first", {x}, {a});
  g.outputs.push_back(b);
  g.topological_sort();
  auto nodes = g.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]->name, "first");
  EXPECT_EQ(nodes[1]->name, "second");
  EXPECT_NO_THROW(validate(g));
}

TEST(Graph, CycleIsReportedWithNodeName) {
  Graph g;
  Value* a = g.add_value("a");
  Value* b = g.add_value("b");
  g.add_node("Relu", "n1", {a}, {b});
  g.add_node("Relu", "n2", {b}, {a});
  try {
    g.topological_sort();
    FAIL() << "expected a cycle error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos);
  }
}

TEST(Graph, ValidateRejectsUndefinedInput) {
  Graph g;
  Value* x = g.add_value("x");
  Value* y = g.add_value("y");
  g.add_node("Relu", "r", {x}, {y});
  g.outputs.push_back(y);
  try {
    validate(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Relu 'r'"), std::string::npos);
  }
}

TEST(Graph, ReplaceAllUsesAndRemoveUnused) {
  Graph g;
  Value* x = g.add_value("x");
  g.inputs.push_back(x);
  Value* a = g.add_value("a");
  Value* b = g.add_value("b");
  Node* id = g.add_node("Identity", "id", {x}, {a});
  g.add_node("Relu", "r", {a}, {b});
  g.outputs.push_back(b);
  g.replace_all_uses(a, x);
  g.remove_node(id);
  g.remove_unused_values();
  EXPECT_EQ(g.find_value("a"), nullptr);
  EXPECT_EQ(g.nodes()[0]->inputs[0], x);
  EXPECT_EQ(g.unique_name("x"), "x_1");
}

TEST(Types, HalfRoundTrip) {
  for (float f : {0.f, 1.f, -2.5f, 65504.f, 6.1e-5f, 1e-7f}) {
    const float back = half_to_float(float_to_half(f));
    EXPECT_NEAR(back, f, std::abs(f) * 1e-3f + 1e-7f) << f;
  }
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);  // overflow -> inf
  EXPECT_EQ(bfloat16_to_float(float_to_bfloat16(1.5f)), 1.5f);
}

}  // namespace
}  // namespace qrt::ir

namespace qrt::ir {
namespace {

TEST(Graph, UniqueNamesAvoidNodeNamesToo) {
  Graph g;
  Value* x = g.add_value("x");
  Value* y = g.add_value("y");
  g.add_node("Relu", "x_quantize", {x}, {y});
  EXPECT_EQ(g.unique_name("x_quantize"), "x_quantize_1");
  EXPECT_EQ(g.unique_name("y"), "y_1");
  EXPECT_EQ(g.unique_name("fresh"), "fresh");
}

}  // namespace
}  // namespace qrt::ir
