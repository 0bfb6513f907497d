// passes::fuse_quantize_to_nhwc and qrt.QuantizeToNhwc: QuantizeLinear -> Transpose(0,2,3,1)
// as one node, bit-identical to the pair on the reference backend; the INT8 engine's input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>

#include "op_test_util.h"
#include "passes/fuse_quantize_to_nhwc.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::annotate;
using test::bit_identical;
using test::op_types;
using Strings = std::vector<std::string>;

// Values around the quantization grid of `scale`: ties (k + 0.5) * scale of both parities,
// values far outside [-128, 127] * scale, NaN and infinities, and random values.
Tensor tricky_input(const std::vector<int64_t>& shape, float scale, uint32_t seed) {
  Tensor x = test::random_tensor(shape, seed, -150.f * scale, 150.f * scale);
  float* p = x.data_as<float>();
  const float special[] = {NAN,           INFINITY,       -INFINITY,       1e30f,
                           -1e30f,        0.5f * scale,   -0.5f * scale,   1.5f * scale,
                           -2.5f * scale, 126.5f * scale, -128.5f * scale, 127.5f * scale,
                           -0.f,          127.4f * scale};
  for (int64_t i = 0; i < x.numel(); i += 3)
    p[i] = special[static_cast<size_t>(i / 3) % std::size(special)];
  return x;
}

struct Spec {
  std::vector<int64_t> perm = {0, 2, 3, 1};
  bool per_channel = false;
  bool uint8 = false;
  bool second_consumer = false;  // the quantized NCHW value is also a graph output
  int8_t zero_point = 0;
  float scale = 0.05f;
};

// x [N, C, H, W] -> QuantizeLinear -> q -> Transpose(perm) -> y (graph output).
ir::Graph quantize_transpose(const Spec& s, int64_t channels) {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  g.inputs.push_back(x);
  Tensor scale = s.per_channel ? test::random_tensor({channels}, 3, 0.02f, 0.1f)
                               : test::make_f32({}, {s.scale});
  Tensor zp = s.uint8 ? Tensor::from_vector(DataType::kUInt8, {}, std::vector<uint8_t>{128})
              : s.per_channel
                  ? Tensor::from_vector(DataType::kInt8, {channels},
                                        std::vector<int8_t>(static_cast<size_t>(channels), 0))
                  : Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{s.zero_point});
  ir::Value* q = g.add_value("x_int8");
  ir::Node* qn = g.add_node("QuantizeLinear", "x_quantize",
                            {x, g.add_constant("x_scale", std::move(scale)),
                             g.add_constant("x_zero_point", std::move(zp))},
                            {q});
  qn->attrs["axis"] = int64_t{1};
  ir::Value* y = g.add_value("x_int8:nhwc");
  g.add_node("Transpose", "x_int8:nhwc", {q}, {y})->attrs["perm"] = s.perm;
  g.outputs.push_back(y);
  if (s.second_consumer) g.outputs.push_back(q);
  return g;
}

// Runs the graph, fuses, runs again: the outputs must be bit-identical. Returns the fusions.
int fuse_and_compare(const Spec& s, const std::vector<int64_t>& shape) {
  const Tensor x = tricky_input(shape, s.scale, static_cast<uint32_t>(shape[1] * 7 + shape[2]));
  ir::Graph g = quantize_transpose(s, shape[1]);
  annotate(g, {x});
  const std::vector<Tensor> before = test::run_graph(g, {x});
  const int fused = fuse_quantize_to_nhwc(g);
  annotate(g, {x});
  const std::vector<Tensor> after = test::run_graph(g, {x});
  EXPECT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size() && i < after.size(); ++i)
    EXPECT_TRUE(bit_identical(before[i], after[i])) << "output " << i;
  return fused;
}

std::string shape_name(const std::vector<int64_t>& s) { return shape_to_string(s); }

TEST(FuseQuantizeToNhwc, OneNodeBitIdenticalToQuantizeAndTranspose) {
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{
           {1, 1, 7, 5}, {5, 3, 9, 11}, {1, 4, 3, 3}, {5, 16, 5, 7}, {1, 20, 7, 9}, {2, 37, 4, 6}})
    for (int8_t zero_point : {int8_t{0}, int8_t{-3}}) {
      SCOPED_TRACE(shape_name(shape) + " zero point " + std::to_string(zero_point));
      Spec s;
      s.zero_point = zero_point;
      EXPECT_EQ(fuse_and_compare(s, shape), 1);
    }
  ir::Graph g = quantize_transpose({}, 3);
  annotate(g, {test::random_tensor({2, 3, 4, 5}, 1)});
  ASSERT_EQ(fuse_quantize_to_nhwc(g), 1);
  ASSERT_EQ(op_types(g), Strings{"QuantizeToNhwc"});
  const ir::Node* f = g.nodes()[0];
  EXPECT_EQ(f->domain, "qrt");
  EXPECT_EQ(f->name, "x_quantize:nhwc");
  EXPECT_EQ(f->output(0)->name, "x_int8:nhwc");
  EXPECT_EQ(f->output(0)->shape, test::static_shape({2, 4, 5, 3}));
  EXPECT_EQ(g.find_value("x_int8"), nullptr);
}

TEST(FuseQuantizeToNhwc, LeavesOtherQuantizationsAndPermutations) {
  const std::vector<int64_t> shape = {2, 3, 5, 7};
  Spec per_channel;
  per_channel.per_channel = true;
  EXPECT_EQ(fuse_and_compare(per_channel, shape), 0) << "per-channel scale";
  Spec uint8;
  uint8.uint8 = true;
  EXPECT_EQ(fuse_and_compare(uint8, shape), 0) << "uint8";
  for (const std::vector<int64_t>& perm :
       std::vector<std::vector<int64_t>>{{0, 3, 1, 2}, {0, 2, 1, 3}, {0, 1, 2, 3}}) {
    Spec other;
    other.perm = perm;
    EXPECT_EQ(fuse_and_compare(other, shape), 0) << "perm " << shape_name(perm);
  }
  Spec shared;
  shared.second_consumer = true;
  EXPECT_EQ(fuse_and_compare(shared, shape), 0) << "quantized value read twice";
}

TEST(FuseQuantizeToNhwc, ReferenceKernelTakesF16Input) {
  // The registry's f16 adapter runs the f32 kernel on the widened input, as for QuantizeLinear.
  Tensor x32 = tricky_input({2, 3, 5, 7}, 0.05f, 9);
  Tensor x16(DataType::kFloat16, x32.shape());
  float_to_half(x32.data_as<float>(), x16.data_as<uint16_t>(), static_cast<size_t>(x32.numel()));
  const Tensor scale = test::make_f32({}, {0.05f});
  const Tensor zp = Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{0});
  const Tensor pair =
      test::run_op("Transpose", {test::run_op("QuantizeLinear", {x16, scale, zp})[0]},
                   {{"perm", std::vector<int64_t>{0, 2, 3, 1}}})[0];
  EXPECT_TRUE(bit_identical(test::run_op("QuantizeToNhwc", {x16, scale, zp})[0], pair));
}

// ---- Engines: the INT8 input is quantized straight into NHWC -------------------------------

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

size_t count_op(const ir::Graph& g, const std::string& op) {
  size_t n = 0;
  for (const ir::Node* node : g.nodes()) n += node->op_type == op;
  return n;
}

TEST(FuseQuantizeToNhwc, Int8EngineInputIsOneNodeWithTheSameOutputs) {
  // The QAT model carries its scales (no calibration). channels_last on the reference backend
  // runs the pass as a cuda build does.
  BuilderConfig config;
  config.precision = "int8";
  config.batch = BatchProfile{1, 4, 8};
  const auto nchw = Builder().build_from_onnx(kModels + "fashion_resnet_qat.onnx", config);
  config.channels_last = true;
  const auto nhwc = Builder().build_from_onnx(kModels + "fashion_resnet_qat.onnx", config);
  const ir::Graph& g = nhwc->impl().graph;
  ASSERT_EQ(count_op(g, "QuantizeToNhwc"), 1u);
  const ir::Node* first = nullptr;
  for (const ir::Node* n : g.nodes())
    if (n->op_type == "QuantizeToNhwc") first = n;
  EXPECT_TRUE(g.is_graph_input(first->input(0)));
  EXPECT_EQ(first->backend, "reference");
  for (const ir::Node* n : g.nodes())
    EXPECT_FALSE(n->op_type == "QuantizeLinear" && g.is_graph_input(n->input(0)))
        << n->describe() << " still quantizes the input on its own";
  EXPECT_EQ(count_op(g, "Transpose"), 0u);  // the output is 2-D: no transpose back either
  EXPECT_EQ(count_op(nchw->impl().graph, "QuantizeToNhwc"), 0u);

  const Tensor x = test::random_tensor({5, 1, 28, 28}, 7, 0.f, 1.f);
  const std::string input = nchw->inputs().at(0).name;
  const auto expected = nchw->create_context()->run({{input, x}});
  const auto got = nhwc->create_context()->run({{input, x}});
  ASSERT_EQ(expected.size(), got.size());
  for (const auto& [name, t] : expected) EXPECT_TRUE(bit_identical(t, got.at(name))) << name;

  // The node survives a plan round trip.
  const std::string plan = (std::filesystem::temp_directory_path() /
                            ("qrt_fuse_quantize_" + std::to_string(::getpid()) + ".plan"))
                               .string();
  nhwc->save(plan);
  const auto loaded = Engine::load(plan);
  std::remove(plan.c_str());
  EXPECT_EQ(count_op(loaded->impl().graph, "QuantizeToNhwc"), 1u);
  const auto reloaded = loaded->create_context()->run({{input, x}});
  for (const auto& [name, t] : expected) EXPECT_TRUE(bit_identical(t, reloaded.at(name))) << name;
}

}  // namespace
}  // namespace qrt::passes
