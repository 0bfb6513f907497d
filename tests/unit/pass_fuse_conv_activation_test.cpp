#include <gtest/gtest.h>

#include <cstring>

#include "io/tensor_file.h"
#include "onnx/importer.h"
#include "op_test_util.h"
#include "passes/fuse_conv_activation.h"
#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::annotate;
using test::bit_identical;
using test::op_types;
using test::random_tensor;

Tensor as_dtype(const Tensor& t, DataType dtype) {
  if (dtype == DataType::kFloat32) return t;
  Tensor out(DataType::kFloat16, t.shape());
  float_to_half(t.data_as<float>(), out.data_as<uint16_t>(), static_cast<size_t>(t.numel()));
  return out;
}

// x -> Conv(3x3, pad 1, 6 -> 6 channels) -> [Add skip] -> [activation] -> y, where the skip is
// Relu(x) so the residual has a producer of its own.
struct ChainSpec {
  bool add = true;
  std::string activation = "Relu";  // "", "Relu", "Clip", "ClipFromInput"
  bool conv_out_is_output = false;
  DataType dtype = DataType::kFloat32;
};

std::vector<Tensor> chain_inputs(const ir::Graph& g, DataType dtype) {
  std::vector<Tensor> inputs = {as_dtype(random_tensor({2, 6, 7, 5}, 1), dtype)};
  if (g.inputs.size() > 1) inputs.push_back(as_dtype(test::make_f32({}, {0.5f}), dtype));
  return inputs;
}

ir::Graph build_chain(const ChainSpec& spec) {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->dtype = spec.dtype;
  g.inputs.push_back(x);
  ir::Value* hi = nullptr;
  if (spec.activation == "ClipFromInput") {
    hi = g.add_value("hi");
    hi->dtype = spec.dtype;
    g.inputs.push_back(hi);
  }
  ir::Value* skip = g.add_value("skip");
  g.add_node("Relu", "skip_relu", {x}, {skip});
  ir::Value* w =
      g.add_constant("w", as_dtype(random_tensor({6, 6, 3, 3}, 3, -0.3f, 0.3f), spec.dtype));
  ir::Value* b = g.add_constant("b", as_dtype(random_tensor({6}, 4), spec.dtype));
  ir::Value* v = g.add_value("conv_out");
  ir::Node* conv = g.add_node("Conv", "conv", {x, w, b}, {v});
  conv->attrs["pads"] = std::vector<int64_t>{1, 1, 1, 1};
  if (spec.conv_out_is_output) g.outputs.push_back(v);
  if (spec.add) {
    ir::Value* sum = g.add_value("sum");
    g.add_node("Add", "add", {skip, v}, {sum});
    v = sum;
  }
  if (spec.activation == "Relu") {
    ir::Value* r = g.add_value("act");
    g.add_node("Relu", "relu", {v}, {r});
    v = r;
  } else if (!spec.activation.empty()) {
    ir::Value* lo = g.add_constant("lo", as_dtype(test::make_f32({}, {-0.25f}), spec.dtype));
    if (!hi) hi = g.add_constant("hi", as_dtype(test::make_f32({}, {0.5f}), spec.dtype));
    ir::Value* r = g.add_value("act");
    g.add_node("Clip", "clip", {v, lo, hi}, {r});
    v = r;
  }
  g.outputs.push_back(v);
  annotate(g, chain_inputs(g, spec.dtype));
  return g;
}

// Fuses a copy of the chain and checks the op list and that the outputs are bit-identical.
void expect_fused(const ChainSpec& spec, const std::vector<std::string>& expected_ops,
                  int expected_fusions) {
  ir::Graph plain = build_chain(spec);
  ir::Graph fused = build_chain(spec);
  EXPECT_EQ(fuse_conv_activation(fused), expected_fusions);
  EXPECT_EQ(op_types(fused), expected_ops);
  EXPECT_NO_THROW(ir::validate(fused));
  const std::vector<Tensor> inputs = chain_inputs(plain, spec.dtype);
  const auto want = test::run_graph(plain, inputs);
  const auto got = test::run_graph(fused, inputs);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(bit_identical(want[i], got[i])) << i;
}

TEST(FuseConvActivation, ConvAddReluBecomesOneNode) {
  expect_fused({}, {"Relu", "FusedConv"}, 1);
  ir::Graph g = build_chain({});
  fuse_conv_activation(g);
  const ir::Node* f = g.nodes()[1];
  EXPECT_EQ(f->domain, "qrt");
  EXPECT_EQ(f->attr_string("activation", ""), "relu");
  ASSERT_EQ(f->inputs.size(), 4u);
  EXPECT_EQ(f->input(3)->name, "skip");
  EXPECT_EQ(f->output(0)->name, "act");
  EXPECT_EQ(g.find_value("conv_out"), nullptr);
  EXPECT_EQ(g.find_value("sum"), nullptr);
}

TEST(FuseConvActivation, FusesEachPartAlone) {
  expect_fused({.add = true, .activation = ""}, {"Relu", "FusedConv"}, 1);
  expect_fused({.add = false, .activation = "Relu"}, {"Relu", "FusedConv"}, 1);
  expect_fused({.add = true, .activation = "Clip"}, {"Relu", "FusedConv"}, 1);
  ir::Graph g = build_chain({.add = false, .activation = "Clip"});
  EXPECT_EQ(fuse_conv_activation(g), 1);
  const ir::Node* f = g.nodes()[1];
  EXPECT_EQ(f->attr_string("activation", ""), "clip");
  EXPECT_EQ(f->attr_float("clip_min", 0), -0.25f);
  EXPECT_EQ(f->attr_float("clip_max", 0), 0.5f);
}

TEST(FuseConvActivation, Float16ChainIsBitIdentical) {
  expect_fused({.dtype = DataType::kFloat16}, {"Relu", "FusedConv"}, 1);
  expect_fused({.activation = "Clip", .dtype = DataType::kFloat16}, {"Relu", "FusedConv"}, 1);
}

TEST(FuseConvActivation, LeavesWhatItCannotFuse) {
  // Clip bound fed at run time: the Add fuses, the Clip stays.
  expect_fused({.activation = "ClipFromInput"}, {"Relu", "FusedConv", "Clip"}, 1);
  // The conv's own output is a graph output: nothing fuses.
  expect_fused({.conv_out_is_output = true}, {"Relu", "Conv", "Add", "Relu"}, 0);
  // Nothing after the conv.
  expect_fused({.add = false, .activation = ""}, {"Relu", "Conv"}, 0);
}

TEST(FuseConvActivation, BroadcastAddOrSecondConsumerIsNotFused) {
  ir::Graph g;
  ir::Value* x = test::add_input(g, "x", {1, 4, 5, 5});
  ir::Value* w = g.add_constant("w", random_tensor({4, 4, 1, 1}, 5));
  ir::Value* c = g.add_constant("c", random_tensor({1, 4, 1, 1}, 6));
  ir::Value* conv_out = g.add_value("conv_out");
  g.add_node("Conv", "conv", {x, w}, {conv_out});
  ir::Value* sum = g.add_value("sum");
  g.add_node("Add", "add", {conv_out, c}, {sum});  // a broadcast Add is a bias, not a residual
  ir::Value* y = g.add_value("y");
  g.add_node("Relu", "relu", {sum}, {y});
  ir::Value* conv2_out = g.add_value("conv2_out");
  g.add_node("Conv", "conv2", {y, w}, {conv2_out});
  ir::Value* a = g.add_value("a");
  ir::Value* b = g.add_value("b");
  g.add_node("Relu", "relu_a", {conv2_out}, {a});
  g.add_node("Sigmoid", "sig_b", {conv2_out}, {b});  // second consumer
  g.outputs = {a, b};
  annotate(g, {random_tensor({1, 4, 5, 5}, 7)});
  EXPECT_EQ(fuse_conv_activation(g), 0);
  EXPECT_EQ(op_types(g),
            (std::vector<std::string>{"Conv", "Add", "Relu", "Conv", "Relu", "Sigmoid"}));
}

TEST(FuseConvActivation, BundledResNetGivesBitIdenticalOutputs) {
  const std::string models = std::string(QRT_SOURCE_DIR) + "/models/";
  const Tensor sample = io::load_npy(models + "fashion_sample.npy");
  auto prepared = [&] {
    ir::Graph g = onnx_import::import_onnx(models + "fashion_resnet.onnx");
    g.topological_sort();
    annotate(g, {sample});
    run_default_passes(g);
    annotate(g, {sample});
    return g;
  };
  ir::Graph plain = prepared();
  ir::Graph fused = prepared();
  const int fusions = fuse_conv_activation(fused);
  EXPECT_GT(fusions, 0);
  int residual_fusions = 0;
  for (const ir::Node* n : fused.nodes())
    residual_fusions += n->op_type == "FusedConv" && n->input(3);
  EXPECT_GT(residual_fusions, 0);
  EXPECT_LT(fused.node_count(), plain.node_count());
  const auto want = test::run_graph(plain, {sample});
  const auto got = test::run_graph(fused, {sample});
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(bit_identical(want[i], got[i])) << i;
}

}  // namespace
}  // namespace qrt::passes
