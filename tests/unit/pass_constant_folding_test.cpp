#include <gtest/gtest.h>

#include <limits>
#include <optional>

#include "backends/kernel_registry.h"
#include "ir/op_schema.h"
#include "op_test_util.h"
#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::add_input;
using test::add_typed;
using test::make_i64;
using test::op_types;

// Test-only ops, so the generic folding path is tested without depending on real kernels.
void double_f32(const KernelArgs& args) {
  for (int64_t i = 0; i < args.in(0).numel(); ++i)
    args.out(0).data_as<float>()[i] = 2.f * args.in(0).data_as<float>()[i];
}
void huge_output(const ir::InferContext&, std::vector<ir::TensorType>& outputs) {
  outputs[0] = {DataType::kFloat32, {int64_t{1} << 27}};
}
void always_fails(const ir::InferContext& ctx, std::vector<ir::TensorType>&) {
  ctx.fail("bad input");
}
QRT_REGISTER_OP("QrtTestDouble", ir::infer_same_as_input0);
QRT_REGISTER_KERNEL("QrtTestDouble", "reference", DataType::kFloat32, double_f32);
QRT_REGISTER_OP("QrtTestNotFoldable", ir::infer_same_as_input0, false);
QRT_REGISTER_KERNEL("QrtTestNotFoldable", "reference", DataType::kFloat32, double_f32);
QRT_REGISTER_OP("QrtTestNoKernel", ir::infer_same_as_input0);
QRT_REGISTER_OP("QrtTestHuge", huge_output);
QRT_REGISTER_KERNEL("QrtTestHuge", "reference", DataType::kFloat32, double_f32);
QRT_REGISTER_OP("QrtTestFails", always_fails);
QRT_REGISTER_KERNEL("QrtTestFails", "reference", DataType::kFloat32, double_f32);

std::vector<int64_t> int_values(const ir::Value* v) {
  EXPECT_TRUE(v->is_constant()) << v->name;
  if (!v->is_constant()) return {};
  EXPECT_EQ(v->dtype, DataType::kInt64);
  return v->constant->to_int64_vector();
}

TEST(ConstantFolding, ConstantNodeBecomesConstantValue) {
  ir::Graph g;
  ir::Value* k = g.add_value("k");
  ir::Node* node = g.add_node("Constant", "const", {}, {k});
  node->attrs["value"] = make_i64({2}, {7, 8});
  g.outputs = {k};
  const PassResult r = constant_folding(g);
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.rewrites, 1);
  EXPECT_EQ(g.node_count(), 0u);
  EXPECT_EQ(g.outputs[0]->name, "k");
  EXPECT_EQ(int_values(k), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(k->shape, test::static_shape({2}));
  EXPECT_EQ(k->producer, nullptr);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST(ConstantFolding, EvaluatesChainsOfFoldableNodesKeepingNames) {
  ir::Graph g;
  ir::Value* c = g.add_constant("c", test::make_f32({3}, {1.f, 2.f, 3.f}));
  ir::Value* a = add_typed(g, "a", test::static_shape({3}));
  ir::Value* y = add_typed(g, "y", test::static_shape({3}));
  g.add_node("QrtTestDouble", "d1", {c}, {a});
  g.add_node("QrtTestDouble", "d2", {a}, {y});
  g.outputs = {y};
  EXPECT_EQ(constant_folding(g).rewrites, 2);  // one sweep in topological order
  EXPECT_EQ(g.node_count(), 0u);
  ASSERT_TRUE(y->is_constant());
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_EQ(y->constant->to_float_vector(), (std::vector<float>{4.f, 8.f, 12.f}));
  EXPECT_NO_THROW(ir::validate(g));
}

// One QrtTest op on input `in`; returns whether constant folding changed the graph.
bool folds(const std::string& op, bool input_is_graph_input = false) {
  ir::Graph g;
  ir::Value* c = g.add_constant("c", test::make_f32({2}, {1.f, 2.f}));
  if (input_is_graph_input) g.inputs.push_back(c);  // an initializer the caller may override
  ir::Value* y = add_typed(g, "y", test::static_shape({2}));
  g.add_node(op, "n", {c}, {y});
  g.outputs = {y};
  const bool changed = constant_folding(g).changed;
  EXPECT_EQ(changed, g.node_count() == 0);
  return changed;
}

TEST(ConstantFolding, LeavesNodesItMayNotOrCannotEvaluate) {
  EXPECT_TRUE(folds("QrtTestDouble"));
  EXPECT_FALSE(folds("QrtTestDouble", true));
  EXPECT_FALSE(folds("QrtTestNotFoldable"));
  EXPECT_FALSE(folds("QrtTestNoKernel"));
  EXPECT_FALSE(folds("QrtTestHuge"));
  EXPECT_FALSE(folds("QrtTestFails"));  // left for shape inference to report
  EXPECT_FALSE(folds("QrtTestUnregistered"));
}

TEST(ConstantFolding, NodesWithRuntimeInputsStay) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {2});
  ir::Value* y = add_typed(g, "y", x->shape);
  g.add_node("QrtTestDouble", "d", {x}, {y});
  g.outputs = {y};
  EXPECT_FALSE(constant_folding(g).changed);
}

// x: [N, 3, 4, 5] (batch symbolic) -> Shape -> shape_of_x.
class ShapeChainFolding : public ::testing::Test {
 protected:
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 3, 4, 5});
  ir::Value* shape_of_x = add_typed(g, "shape_of_x", test::static_shape({4}), DataType::kInt64);
  ir::Node* shape = g.add_node("Shape", "shape", {x}, {shape_of_x});

  ir::Value* add_gather(const Tensor& indices) {
    ir::Value* out = g.add_value(g.unique_name("gathered"));
    g.add_node("Gather", g.unique_name("gather"),
               {shape_of_x, g.add_constant(g.unique_name("indices"), indices)}, {out});
    g.outputs.push_back(out);
    return out;
  }
  ir::Value* add_slice(int64_t start, int64_t end, std::optional<int64_t> step = std::nullopt) {
    ir::Value* out = g.add_value(g.unique_name("sliced"));
    auto constant = [&](int64_t v) {
      return g.add_constant(g.unique_name("s"), make_i64({1}, {v}));
    };
    std::vector<ir::Value*> inputs{shape_of_x, constant(start), constant(end)};
    if (step) inputs.insert(inputs.end(), {constant(0), constant(*step)});
    g.add_node("Slice", g.unique_name("slice"), inputs, {out});
    g.outputs.push_back(out);
    return out;
  }
};

TEST_F(ShapeChainFolding, ShapeOfStaticTensorIsConstant) {
  ir::Graph sg;
  ir::Value* in = add_input(sg, "in", {2, 3});
  ir::Value* out = sg.add_value("out");
  sg.add_node("Shape", "s", {in}, {out});
  sg.outputs = {out};
  EXPECT_EQ(constant_folding(sg).rewrites, 1);
  EXPECT_EQ(int_values(out), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out->shape, test::static_shape({2}));
}

TEST_F(ShapeChainFolding, ShapeOfSymbolicTensorStays) {
  g.outputs = {shape_of_x};
  EXPECT_FALSE(constant_folding(g).changed);
  EXPECT_FALSE(shape_of_x->is_constant());
}

TEST_F(ShapeChainFolding, ShapeStartEndSelectingStaticDims) {
  shape->attrs["start"] = int64_t{1};
  shape->attrs["end"] = int64_t{-1};
  g.outputs = {shape_of_x};
  EXPECT_EQ(constant_folding(g).rewrites, 1);
  EXPECT_EQ(int_values(shape_of_x), (std::vector<int64_t>{3, 4}));
}

TEST_F(ShapeChainFolding, ShapeOfUntypedValueStays) {
  ir::Graph sg;
  ir::Value* in = sg.add_value("in");  // no inferred type
  sg.inputs = {in};
  ir::Value* out = sg.add_value("out");
  sg.add_node("Shape", "s", {in}, {out});
  sg.outputs = {out};
  EXPECT_FALSE(constant_folding(sg).changed);
}

TEST_F(ShapeChainFolding, GatherOfStaticDims) {
  ir::Value* scalar = add_gather(make_i64({}, {1}));
  ir::Value* vec = add_gather(make_i64({3}, {3, -2, 1}));
  ir::Value* batch = add_gather(make_i64({1}, {0}));
  ir::Value* out_of_range = add_gather(make_i64({1}, {4}));
  EXPECT_EQ(constant_folding(g).rewrites, 2);
  EXPECT_EQ(int_values(scalar), (std::vector<int64_t>{3}));
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(int_values(vec), (std::vector<int64_t>{5, 4, 3}));
  EXPECT_EQ(vec->shape, test::static_shape({3}));
  EXPECT_FALSE(batch->is_constant());
  EXPECT_FALSE(out_of_range->is_constant());
}

TEST_F(ShapeChainFolding, GatherWithOverridableIndicesStays) {
  ir::Value* out = add_gather(make_i64({}, {1}));
  g.inputs.push_back(out->producer->inputs[1]);
  EXPECT_FALSE(constant_folding(g).changed);
}

TEST_F(ShapeChainFolding, SliceOfStaticDims) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  ir::Value* tail = add_slice(1, kMax);
  ir::Value* middle = add_slice(-3, -1);
  ir::Value* reversed = add_slice(-1, 0, -1);
  ir::Value* every_other = add_slice(1, kMax, 2);
  ir::Value* empty = add_slice(3, 1);
  ir::Value* with_batch = add_slice(0, 2);
  ir::Value* reversed_to_batch = add_slice(kMax, kMin, -1);
  EXPECT_EQ(constant_folding(g).rewrites, 5);
  EXPECT_EQ(int_values(tail), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(int_values(middle), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(int_values(reversed), (std::vector<int64_t>{5, 4, 3}));
  EXPECT_EQ(int_values(every_other), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(int_values(empty), (std::vector<int64_t>{}));
  EXPECT_EQ(empty->shape, test::static_shape({0}));
  EXPECT_FALSE(with_batch->is_constant());
  EXPECT_FALSE(reversed_to_batch->is_constant());
}

TEST_F(ShapeChainFolding, SliceWithHugeStepTakesOneElement) {
  ir::Value* out =
      add_slice(2, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(constant_folding(g).rewrites, 1);
  EXPECT_EQ(int_values(out), (std::vector<int64_t>{4}));
}

TEST_F(ShapeChainFolding, DeadShapeNodeIsLeftForDeadNodeElimination) {
  add_gather(make_i64({}, {2}));
  constant_folding(g);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Shape"}));
  dead_node_elimination(g);
  EXPECT_EQ(g.node_count(), 0u);
  EXPECT_NO_THROW(ir::validate(g));
}

TEST(ConstantFolding, RealKernelsFoldCastAndAdd) {
  ir::Graph g;
  ir::Value* ints = g.add_constant("ints", make_i64({3}, {1, 2, 3}));
  ir::Value* floats = add_typed(g, "floats", test::static_shape({3}));
  ir::Value* y = add_typed(g, "y", test::static_shape({3}));
  g.add_node("Cast", "cast", {ints}, {floats})->attrs["to"] = int64_t{1};  // FLOAT
  g.add_node("Add", "add", {floats, g.add_constant("half", test::make_f32({1}, {0.5f}))}, {y});
  g.outputs = {y};
  EXPECT_EQ(constant_folding(g).rewrites, 2);
  ASSERT_TRUE(y->is_constant());
  EXPECT_EQ(y->dtype, DataType::kFloat32);
  EXPECT_EQ(y->constant->to_float_vector(), (std::vector<float>{1.5f, 2.5f, 3.5f}));
}

// What PyTorch exports for x.view(-1, x.size(1), 20) with x: [N, 3, 4, 5].
void build_view_graph(ir::Graph& g) {
  ir::Value* x = add_input(g, "x", {-1, 3, 4, 5});
  ir::Value* shape = add_typed(g, "shape", test::static_shape({4}), DataType::kInt64);
  ir::Value* channels = add_typed(g, "channels", {}, DataType::kInt64);
  ir::Value* channels_1d = add_typed(g, "channels_1d", test::static_shape({1}), DataType::kInt64);
  ir::Value* target = add_typed(g, "target", test::static_shape({3}), DataType::kInt64);
  ir::Value* y = add_typed(g, "y", {ir::Dim{-1, "N"}, ir::Dim{3, {}}, ir::Dim{20, {}}});
  g.add_node("Shape", "shape", {x}, {shape});
  g.add_node("Gather", "gather", {shape, g.add_constant("one", make_i64({}, {1}))}, {channels});
  g.add_node("Unsqueeze", "unsqueeze", {channels, g.add_constant("axes", make_i64({1}, {0}))},
             {channels_1d});
  g.add_node("Concat", "concat",
             {g.add_constant("minus_one", make_i64({1}, {-1})), channels_1d,
              g.add_constant("twenty", make_i64({1}, {20}))},
             {target})
      ->attrs["axis"] = int64_t{0};
  g.add_node("Reshape", "reshape", {x, target}, {y});
  g.outputs = {y};
}

TEST(ConstantFolding, ShapeChainFoldsIntoReshapeTarget) {
  ir::Graph g;
  build_view_graph(g);
  run_default_passes(g);
  EXPECT_EQ(op_types(g), (std::vector<std::string>{"Reshape"}));
  const ir::Value* target = g.nodes()[0]->inputs[1];
  EXPECT_EQ(target->name, "target");
  EXPECT_EQ(int_values(target), (std::vector<int64_t>{-1, 3, 20}));
  // Reshape keeps the data; only the shape changes.
  const Tensor x = test::random_tensor({2, 3, 4, 5}, 3);
  const Tensor folded = test::run_graph(g, {x})[0];
  EXPECT_EQ(test::max_abs_diff(folded, x.reshaped({2, 3, 20})), 0.f);
}

}  // namespace
}  // namespace qrt::passes
