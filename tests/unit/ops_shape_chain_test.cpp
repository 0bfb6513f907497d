// The int64 shape arithmetic PyTorch exports compute reshape targets with, run through
// whole-graph inference (values propagate through the reference kernels).
#include "ir/shape_inference.h"
#include "unit/ops_test_helpers.h"

namespace qrt::test {
namespace {

class ShapeChain : public ::testing::Test {
 protected:
  // Built with append: GCC 12 reports a false -Wrestrict for "literal" + std::string at -O3.
  static std::string numbered(const char* prefix, size_t n) {
    std::string name(prefix);
    name.append(std::to_string(n));
    return name;
  }
  ir::Value* node(const std::string& op, std::vector<ir::Value*> inputs,
                  std::map<std::string, ir::AttributeValue> attrs = {}) {
    ir::Value* out = graph_.add_value(numbered("v", graph_.node_count()));
    ir::Node* n = graph_.add_node(op, numbered("n", graph_.node_count()), inputs, {out});
    n->attrs = std::move(attrs);
    return out;
  }
  ir::Value* constant(Tensor t) {
    return graph_.add_constant(numbered("c", constants_++), std::move(t));
  }
  ir::Graph graph_;
  size_t constants_ = 0;
};

TEST_F(ShapeChain, MultiHeadReshapeTarget) {
  ir::Value* x = graph_.add_value("x");
  graph_.inputs.push_back(x);
  // Stands in for Shape(x) = [batch, seq, hidden].
  ir::Value* shape = constant(make_i64({3}, {2, 12, 768}));
  ir::Value* zero = constant(make_i64({1}, {0}));
  ir::Value* batch = node("Gather", {shape, constant(scalar_i64(0))});
  ir::Value* seq = node("Gather", {shape, constant(scalar_i64(1))});
  ir::Value* hidden = node("Gather", {shape, constant(scalar_i64(-1))});
  ir::Value* head_dim = node("Div", {hidden, constant(scalar_i64(12))});
  ir::Value* target = node("Concat",
                           {node("Unsqueeze", {batch, zero}), node("Unsqueeze", {seq, zero}),
                            constant(make_i64({1}, {12})), node("Unsqueeze", {head_dim, zero})},
                           {{"axis", int64_t{0}}});
  // Expand's "-1 means keep" idiom: Where(Equal(t, -1), 1, t).
  ir::Value* is_neg = node("Equal", {target, constant(scalar_i64(-1))});
  ir::Value* fixed = node("Where", {is_neg, constant(scalar_i64(1)), target});
  ir::Value* y = node("Reshape", {x, fixed});
  // Flatten the heads back: seq * hidden via Mul, Slice and Cast round trip.
  ir::Value* tail =
      node("Slice", {fixed, constant(make_i64({1}, {-2})), constant(make_i64({1}, {INT64_MAX}))});
  ir::Value* as_float = node("Cast", {tail}, {{"to", int64_t{1}}});
  ir::Value* back = node("Cast", {as_float}, {{"to", int64_t{7}}});
  ir::Value* merged = node("Mul", {node("Gather", {back, constant(scalar_i64(0))}),
                                   node("Gather", {back, constant(scalar_i64(1))})});
  ir::Value* target2 = node("Concat",
                            {node("Unsqueeze", {batch, zero}), node("Unsqueeze", {seq, zero}),
                             node("Unsqueeze", {merged, zero})},
                            {{"axis", int64_t{0}}});
  ir::Value* z = node("Reshape", {y, target2});
  graph_.outputs = {z};

  const auto result = ir::infer_concrete(graph_, {{DataType::kFloat32, {2, 12, 768}}});
  EXPECT_EQ(result.types.at(y).shape, (std::vector<int64_t>{2, 12, 12, 64}));
  EXPECT_EQ(result.types.at(z).shape, (std::vector<int64_t>{2, 12, 768}));
  EXPECT_EQ(i64_values(result.values.at(fixed)), (std::vector<int64_t>{2, 12, 12, 64}));
  EXPECT_EQ(result.values.count(y), 0u);  // x is not known, so neither is y
}

TEST_F(ShapeChain, ErrorsNameTheNode) {
  ir::Value* x = graph_.add_value("x");
  graph_.inputs.push_back(x);
  node("Reshape", {x, constant(make_i64({2}, {5, 5}))});
  const std::string msg = error_message([&] {
    ir::infer_concrete(graph_, {{DataType::kFloat32, {2, 12}}});
  });
  EXPECT_NE(msg.find("Reshape 'n0'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot reshape [2,12] (24 elements) to [5,5]"), std::string::npos) << msg;
}

}  // namespace
}  // namespace qrt::test
