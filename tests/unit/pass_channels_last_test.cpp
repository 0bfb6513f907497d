// The channels_last (NHWC) graph form: the pass, the NHWC schemas and reference kernels. Every
// engine built with channels_last must give bit-identical outputs to the NCHW one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include "io/tensor_file.h"
#include "op_test_util.h"
#include "ops/channels_last.h"
#include "passes/channels_last.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"
#include "unit/pass_test_util.h"

namespace qrt {
namespace {

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

void expect_bit_identical(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.nbytes())) << what << " differs";
}

size_t count_op(const ir::Graph& g, const std::string& op) {
  size_t n = 0;
  for (const ir::Node* node : g.nodes()) n += node->op_type == op;
  return n;
}

size_t count_channels_last(const ir::Graph& g) {
  size_t n = 0;
  for (const ir::Node* node : g.nodes()) n += ops::is_channels_last(*node);
  return n;
}

// Nodes of the conv / pool family with a 4-D input: what the pass must convert.
size_t count_convertible(const ir::Graph& g) {
  size_t n = 0;
  for (const ir::Node* node : g.nodes())
    n += !ops::channels_last_inputs(node->op_type).empty() && node->input(0)->shape.size() == 4;
  return n;
}

std::map<std::string, Tensor> run_engine(const Engine& e, const std::map<std::string, Tensor>& in) {
  return e.create_context()->run(in);
}

void expect_same_outputs(const std::map<std::string, Tensor>& a,
                         const std::map<std::string, Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    expect_bit_identical(t, b.at(name), name);
  }
}

// ---- Schemas and reference kernels ----------------------------------------------------------

TEST(ChannelsLastOps, NhwcNodesMatchNchwBitForBit) {
  struct Case {
    std::string op;
    std::vector<Tensor> extra;  // inputs after X
    std::map<std::string, ir::AttributeValue> attrs;
  };
  const std::vector<Case> cases = {
      {"Conv",
       {test::random_tensor({6, 5, 3, 3}, 2), test::random_tensor({6}, 3)},
       {{"pads", std::vector<int64_t>{1, 0, 1, 2}}, {"strides", std::vector<int64_t>{2, 1}}}},
      {"Conv", {test::random_tensor({5, 1, 3, 3}, 4)}, {{"group", int64_t{5}}}},
      {"ConvTranspose",
       {test::random_tensor({5, 3, 3, 3}, 5)},
       {{"strides", std::vector<int64_t>{2, 2}}}},
      {"MaxPool", {}, {{"kernel_shape", std::vector<int64_t>{3, 2}}}},
      {"AveragePool",
       {},
       {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
      {"GlobalAveragePool", {}, {}},
      {"GlobalMaxPool", {}, {}},
      {"BatchNormalization",
       {test::random_tensor({5}, 6), test::random_tensor({5}, 7), test::random_tensor({5}, 8),
        test::random_tensor({5}, 9, 0.5f, 2.f)},
       {}},
      {"InstanceNormalization", {test::random_tensor({5}, 10), test::random_tensor({5}, 11)}, {}},
  };
  const Tensor x = test::random_tensor({2, 5, 7, 9}, 1);
  for (const Case& c : cases) {
    std::vector<Tensor> nchw_in = {x}, nhwc_in = {ops::transpose_tensor(x, ops::kNchwToNhwc)};
    for (const Tensor& t : c.extra) {
      nchw_in.push_back(t);
      nhwc_in.push_back(t);
    }
    auto attrs = c.attrs;
    const Tensor expected = test::run_op(c.op, nchw_in, attrs).at(0);
    attrs["channels_last"] = int64_t{1};
    const Tensor got = test::run_op(c.op, nhwc_in, attrs).at(0);
    expect_bit_identical(ops::transpose_tensor(expected, ops::kNchwToNhwc), got, c.op);
  }
}

// nchw_input=1: X stays NCHW, Y is NHWC (the cpu backend's first convolutions); the schema and
// the reference kernel agree with the NCHW node, the residual of a FusedConv still NHWC.
TEST(ChannelsLastOps, NchwInputReadsXAsNchw) {
  const Tensor x = test::random_tensor({2, 3, 7, 9}, 1);
  const std::vector<Tensor> weights = {test::random_tensor({6, 3, 3, 3}, 2),
                                       test::random_tensor({6}, 3)};
  std::map<std::string, ir::AttributeValue> attrs = {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                                                     {"strides", std::vector<int64_t>{2, 1}}};
  const Tensor expected = test::run_op("Conv", {x, weights[0], weights[1]}, attrs).at(0);
  attrs["channels_last"] = int64_t{1};
  attrs["nchw_input"] = int64_t{1};
  const Tensor got = test::run_op("Conv", {x, weights[0], weights[1]}, attrs).at(0);
  expect_bit_identical(ops::transpose_tensor(expected, ops::kNchwToNhwc), got, "Conv");
  const Tensor residual = test::random_tensor(expected.shape(), 4);
  attrs.erase("channels_last");
  attrs.erase("nchw_input");
  const Tensor fused_nchw =
      test::run_op("FusedConv", {x, weights[0], weights[1], residual}, attrs).at(0);
  attrs["channels_last"] = int64_t{1};
  attrs["nchw_input"] = int64_t{1};
  const Tensor fused =
      test::run_op("FusedConv",
                   {x, weights[0], weights[1], ops::transpose_tensor(residual, ops::kNchwToNhwc)},
                   attrs)
          .at(0);
  expect_bit_identical(ops::transpose_tensor(fused_nchw, ops::kNchwToNhwc), fused, "FusedConv");
}

TEST(ChannelsLastOps, NeedsFourDimensions) {
  try {
    test::run_op("Conv", {test::random_tensor({1, 2, 5}, 1), test::random_tensor({3, 2, 3}, 2)},
                 {{"channels_last", int64_t{1}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("channels_last needs 4-D"), std::string::npos) << e.what();
  }
}

TEST(ChannelsLastOps, TransposeTensorMovesEveryElement) {
  const Tensor x = test::random_tensor({2, 3, 4, 5}, 1);
  const Tensor y = ops::transpose_tensor(x, ops::kNchwToNhwc);
  EXPECT_EQ(y.shape(), (std::vector<int64_t>{2, 4, 5, 3}));
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t h = 0; h < 4; ++h)
        for (int64_t w = 0; w < 5; ++w)
          ASSERT_EQ(x.data_as<float>()[((n * 3 + c) * 4 + h) * 5 + w],
                    y.data_as<float>()[((n * 4 + h) * 5 + w) * 3 + c]);
  expect_bit_identical(ops::transpose_tensor(y, ops::kNhwcToNchw), x, "round trip");
}

// ---- The pass on small graphs ---------------------------------------------------------------

// Builds small graphs node by node; values are typed by the builder's shape inference.
class GraphMaker {
 public:
  ir::Graph g;

  ir::Value* input(const std::string& name, const std::vector<int64_t>& dims) {
    return test::add_input(g, name, dims);
  }
  ir::Value* constant(Tensor t) { return g.add_constant(g.unique_name("const"), std::move(t)); }
  ir::Value* weights(std::vector<int64_t> shape) {
    return constant(test::random_tensor(std::move(shape), ++seed_));
  }
  std::vector<ir::Value*> ops(const std::string& op, std::vector<ir::Value*> inputs,
                              std::map<std::string, ir::AttributeValue> attrs = {},
                              size_t outputs = 1) {
    std::vector<ir::Value*> outs;
    const std::string base = op + std::to_string(++count_);
    for (size_t i = 0; i < outputs; ++i)
      outs.push_back(g.add_value(base + (outputs > 1 ? "_" + std::to_string(i) : "") + "_out"));
    ir::Node* n = g.add_node(op, base, std::move(inputs), outs);
    for (auto& [k, v] : attrs) n->attrs[k] = v;
    return outs;
  }
  ir::Value* op(const std::string& op_type, std::vector<ir::Value*> inputs,
                std::map<std::string, ir::AttributeValue> attrs = {}) {
    return ops(op_type, std::move(inputs), std::move(attrs)).at(0);
  }
  ir::Value* conv(ir::Value* x, int64_t cin, int64_t cout, int64_t k = 3) {
    return op("Conv", {x, weights({cout, cin, k, k}), weights({cout})},
              {{"pads", std::vector<int64_t>(4, k / 2)}});
  }
  void output(ir::Value* v) { g.outputs.push_back(v); }

 private:
  uint32_t seed_ = 100;
  int count_ = 0;
};

struct Built {
  std::shared_ptr<Engine> nchw, nhwc;
  const ir::Graph& graph() const { return nhwc->impl().graph; }
};

// Builds the graph both ways (fp32, reference), runs both on `inputs` and expects bit-identical
// outputs.
Built build_both(const std::function<void(GraphMaker&)>& make,
                 const std::map<std::string, Tensor>& inputs) {
  Built b;
  for (bool channels_last : {false, true}) {
    GraphMaker m;
    make(m);
    BuilderConfig config;
    config.channels_last = channels_last;
    auto engine = std::make_shared<Engine>(build_engine(std::move(m.g), config, "test.onnx"));
    (channels_last ? b.nhwc : b.nchw) = engine;
  }
  expect_same_outputs(run_engine(*b.nchw, inputs), run_engine(*b.nhwc, inputs));
  return b;
}

const std::map<std::string, Tensor> kX = {{"x", test::random_tensor({2, 4, 10, 12}, 1)}};

TEST(ChannelsLastPass, ConcatOnChannelsStaysNhwc) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* x = m.input("x", {-1, 4, 10, 12});
        ir::Value* a = m.conv(x, 4, 6);
        ir::Value* c = m.op("Concat", {a, m.conv(x, 4, 5)}, {{"axis", int64_t{1}}});
        m.output(m.conv(m.op("Relu", {c}), 11, 3));
      },
      kX);
  EXPECT_EQ(count_channels_last(b.graph()), 3u);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);  // the input and the output
  for (const ir::Node* n : b.graph().nodes())
    if (n->op_type == "Concat") {
      EXPECT_EQ(n->attr_int("axis", -1), 3);
    }
}

TEST(ChannelsLastPass, PerChannelConstantsArePermuted) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 6);
        ir::Value* scaled = m.op("Mul", {a, m.weights({6, 1, 1})});
        ir::Value* shifted = m.op("Add", {scaled, m.weights({1, 6, 1, 1})});
        ir::Value* rows = m.op("Sub", {shifted, m.weights({12})});  // broadcast over W
        ir::Value* p = m.op("PRelu", {rows, m.weights({6, 1, 1})});
        ir::Value* s = m.op("Mul", {p, m.constant(test::make_f32({}, {0.5f}))});
        m.output(m.conv(m.op("Clip", {s, m.constant(test::make_f32({}, {-0.5f}))}), 6, 2));
      },
      kX);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);
}

TEST(ChannelsLastPass, ReduceMeanOverSpatialAxes) {
  // Squeeze-excite (keepdims) and a pooled classifier head (no keepdims: [N, C] either way).
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 6);
        ir::Value* axes = m.constant(test::make_i64({2}, {2, 3}));
        ir::Value* pooled = m.op("ReduceMean", {a, axes});
        ir::Value* gate = m.op("Sigmoid", {m.conv(pooled, 6, 6, 1)});
        ir::Value* excited = m.op("Mul", {a, gate});
        ir::Value* head = m.op("ReduceMean", {excited, m.constant(test::make_i64({2}, {-1, -2}))},
                               {{"keepdims", int64_t{0}}});
        m.output(m.op("MatMul", {head, m.weights({6, 3})}));
        m.output(m.op("ReduceMax", {excited, m.constant(test::make_i64({1}, {1}))}));
      },
      kX);
  EXPECT_EQ(count_channels_last(b.graph()), 2u);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);  // the input and the ReduceMax output
}

TEST(ChannelsLastPass, ResizeWithScalesAndSizes) {
  for (const char* mode : {"nearest", "linear", "cubic"}) {
    const Built b = build_both(
        [mode](GraphMaker& m) {
          ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 3);
          ir::Value* up =
              m.op("Resize", {a, nullptr, m.constant(test::make_f32({4}, {1.f, 1.f, 2.f, 1.5f}))},
                   {{"mode", std::string(mode)}});
          ir::Value* sized =
              m.op("Resize", {up, nullptr, nullptr, m.constant(test::make_i64({4}, {2, 3, 7, 9}))},
                   {{"mode", std::string(mode)}});
          m.output(m.conv(sized, 3, 2));
          // Sizes computed from a shape that follows the batch (not folded), and constant H, W.
          ir::Value* batch_channels =
              m.op("Slice", {m.op("Shape", {up}), m.constant(test::make_i64({1}, {0})),
                             m.constant(test::make_i64({1}, {2}))});
          ir::Value* computed =
              m.op("Concat", {batch_channels, m.constant(test::make_i64({2}, {11, 5}))},
                   {{"axis", int64_t{0}}});
          ir::Value* resized =
              m.op("Resize", {up, nullptr, nullptr, computed}, {{"mode", std::string(mode)}});
          m.output(m.conv(resized, 3, 2));
        },
        kX);
    // The input and the two outputs: the Shape reads the NHWC value through a Gather.
    EXPECT_EQ(count_op(b.graph(), "Transpose"), 3u) << mode;
    EXPECT_EQ(count_op(b.graph(), "Gather"), 2u) << mode;
  }
}

TEST(ChannelsLastPass, ValueUsedByConvAndFlattenGetsOneTransposeBack) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 3);
        m.output(m.op("Flatten", {a}));
        m.output(m.op("Reshape", {a, m.constant(test::make_i64({2}, {0, -1}))}));
        m.output(m.conv(a, 3, 2));
      },
      kX);
  // x:nhwc, one shared a:nchw for Flatten and Reshape, and the Conv output's.
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 3u);
  EXPECT_NE(b.graph().find_value("Conv1_out:nchw"), nullptr);
  EXPECT_EQ(b.graph().find_value("Conv1_out")->shape.at(3).value, 3);  // kept its name, NHWC
}

// GlobalAveragePool's NHWC [N, 1, 1, C] has the bytes of NCHW [N, C, 1, 1]: a Flatten or a
// Reshape to a constant shape reads it directly, the Transpose back goes.
TEST(ChannelsLastPass, TransposeMovingOnlySize1DimsIsSkippedBeforeFlattenAndReshape) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* p = m.op("GlobalAveragePool", {m.conv(m.input("x", {-1, 4, 10, 12}), 4, 5)});
        m.output(m.op("Flatten", {p}));
        m.output(m.op("Reshape", {p, m.constant(test::make_i64({2}, {-1, 5}))}));
      },
      kX);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 1u);  // x:nhwc only
  EXPECT_EQ(b.graph().find_value("GlobalAveragePool2_out:nchw"), nullptr);
}

TEST(ChannelsLastPass, TransposeMovingOnlySize1DimsStaysWhereTheGroupingDiffers) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* p = m.op("GlobalAveragePool", {m.conv(m.input("x", {-1, 4, 10, 12}), 4, 5)});
        // [N, 5, 1, 1] flattened at 2 is [N * 5, 1]; [N, 1, 1, 5] would give [N, 5].
        m.output(m.op("Flatten", {p}, {{"axis", int64_t{2}}}));
        // A 0 copies a dim of the input, which differs between the layouts.
        m.output(m.op("Reshape", {p, m.constant(test::make_i64({3}, {0, 0, -1}))}));
      },
      kX);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);  // x:nhwc and the shared one back
}

TEST(ChannelsLastPass, GraphOutputsKeepTheirNamesAndLayout) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 3);
        m.output(a);
        m.output(m.conv(m.op("Relu", {a}), 3, 2));
      },
      kX);
  const ir::Graph& g = b.graph();
  EXPECT_EQ(g.outputs.at(0)->name, "Conv1_out");
  EXPECT_EQ(g.outputs.at(0)->shape.at(1).value, 3);  // NCHW
  EXPECT_EQ(count_op(g, "Transpose"), 3u);           // the input, one per output
}

TEST(ChannelsLastPass, LayoutAgnosticOpsFollowAlong) {
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 6);
        // BatchNormalization after the activation, so that it is not folded into the Conv.
        ir::Value* bn =
            m.op("BatchNormalization",
                 {m.op("LeakyRelu", {a}), m.weights({6}), m.weights({6}), m.weights({6}),
                  m.constant(test::make_f32({6}, {1, 2, 0.5f, 1, 3, 1}))});
        ir::Value* in = m.op("InstanceNormalization", {bn, m.weights({6}), m.weights({6})});
        ir::Value* pool = m.op("MaxPool", {in}, {{"kernel_shape", std::vector<int64_t>{2, 2}}});
        ir::Value* padded =
            m.op("Pad", {pool, m.constant(test::make_i64({8}, {0, 0, 1, 0, 0, 0, 2, 1}))});
        ir::Value* sliced = m.op("Slice", {padded, m.constant(test::make_i64({3}, {0, 1, 1})),
                                           m.constant(test::make_i64({3}, {2, 6, 6}))});
        const auto halves = m.ops("Split", {sliced, m.constant(test::make_i64({2}, {2, 3}))},
                                  {{"axis", int64_t{1}}}, 2);
        ir::Value* soft = m.op("Softmax", {halves[1]}, {{"axis", int64_t{1}}});
        ir::Value* joined = m.op("Concat", {soft, halves[0]}, {{"axis", int64_t{-3}}});
        ir::Value* up = m.op("ConvTranspose", {joined, m.weights({5, 2, 2, 2})},
                             {{"strides", std::vector<int64_t>{2, 2}}});
        ir::Value* avg = m.op("AveragePool", {up}, {{"kernel_shape", std::vector<int64_t>{3, 3}}});
        ir::Value* cut = m.op(
            "Slice", {avg, m.constant(test::make_i64({1}, {1})),
                      m.constant(test::make_i64({1}, {4})), m.constant(test::make_i64({1}, {-1}))});
        m.output(m.op("GlobalMaxPool", {m.op("LogSoftmax", {cut})}));
      },
      kX);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);
  EXPECT_EQ(count_channels_last(b.graph()), 7u);
}

TEST(ChannelsLastPass, InverseTransposesOfTheModelCancel) {
  // A model that goes NHWC itself between its convolutions (as converted TF models do).
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 3);
        ir::Value* t = m.op("Transpose", {a}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}});
        ir::Value* r = m.op("Relu", {t});
        ir::Value* back = m.op("Transpose", {r}, {{"perm", std::vector<int64_t>{0, 3, 1, 2}}});
        m.output(m.conv(back, 3, 2));
      },
      kX);
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 2u);
}

TEST(ChannelsLastPass, LayoutDependentNodesStayNchw) {
  // A reduction keeping C and H without keepdims, and a Transpose of the model.
  const Built b = build_both(
      [](GraphMaker& m) {
        ir::Value* a = m.conv(m.input("x", {-1, 4, 10, 12}), 4, 3);
        m.output(m.op("ReduceSum", {a, m.constant(test::make_i64({1}, {3}))},
                      {{"keepdims", int64_t{0}}}));
        m.output(m.op("Transpose", {a}, {{"perm", std::vector<int64_t>{0, 1, 3, 2}}}));
      },
      kX);
  EXPECT_EQ(count_channels_last(b.graph()), 1u);
  // x:nhwc, one a:nchw shared by both, and the model's own.
  EXPECT_EQ(count_op(b.graph(), "Transpose"), 3u);
  EXPECT_NE(b.graph().find_value("Conv1_out:nchw"), nullptr);
}

TEST(ChannelsLastPass, GraphWithoutConvolutionsIsUnchanged) {
  GraphMaker m;
  ir::Value* x = m.input("x", {-1, 4, 10, 12});
  m.output(m.op("Relu", {m.op("Add", {x, x})}));
  EXPECT_EQ(passes::convert_to_channels_last(m.g), 0);
  EXPECT_EQ(count_op(m.g, "Transpose"), 0u);
}

TEST(ChannelsLastPass, QuantScalesMoveWithTheValues) {
  GraphMaker m;
  ir::Value* x = m.input("x", {-1, 4, 10, 12});
  x->quant = ir::QuantParams{{0.5f}, -1};
  ir::Value* a = m.op("Conv", {x, m.weights({3, 4, 1, 1})});
  a->dtype = DataType::kFloat32;
  a->shape = test::static_shape({2, 3, 10, 12});
  a->quant = ir::QuantParams{{0.1f, 0.2f, 0.3f}, 1};
  m.output(a);
  EXPECT_EQ(passes::convert_to_channels_last(m.g), 1);
  const ir::Value* nhwc_x = m.g.find_value("x:nhwc");
  ASSERT_NE(nhwc_x, nullptr);
  EXPECT_EQ(nhwc_x->quant, x->quant);
  const ir::Value* nhwc_a = m.g.find_value("Conv1_out:nhwc");
  ASSERT_NE(nhwc_a, nullptr);
  EXPECT_EQ(nhwc_a->quant->axis, 3);
  EXPECT_EQ(a->quant->axis, 1);                         // the graph output stays NCHW
  EXPECT_EQ(passes::convert_to_channels_last(m.g), 0);  // already in the form
}

// ---- The bundled models in fp32, fp16 and int8 ----------------------------------------------

struct ModelCase {
  const char* model;
  const char* sample;
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("qrt_channels_last_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

class ChannelsLastModels
    : public ::testing::TestWithParam<std::tuple<ModelCase, const char* /*precision*/>> {};

TEST_P(ChannelsLastModels, BitIdenticalToNchw) {
  const auto& [m, precision] = GetParam();
  const Tensor x = io::load_npy(kModels + m.sample);
  const std::string table = temp_path(std::string(m.model) + "." + precision + ".cache");
  std::remove(table.c_str());
  BuilderConfig config;
  config.precision = precision;
  config.batch = BatchProfile{1, 8, 8};
  // Int8 scales from a quick minmax calibration on the sample (two batches of 4), written to a
  // table by the first build and read by the second.
  config.calibration.algorithm = "minmax";
  config.calibration.table_path = table;
  config.calibration.num_batches = 2;
  config.calibration.batch = [x](int64_t i) {
    const int64_t per = x.numel() / x.dim(0);
    std::vector<int64_t> shape = x.shape();
    shape[0] = 4;
    Tensor part(DataType::kFloat32, shape);
    std::memcpy(part.data(), x.data_as<float>() + i * 4 * per, part.nbytes());
    return std::map<std::string, Tensor>{{"image", part}};
  };
  const auto nchw = Builder().build_from_onnx(kModels + m.model, config);
  config.channels_last = true;
  const auto nhwc = Builder().build_from_onnx(kModels + m.model, config);
  std::remove(table.c_str());

  const ir::Graph& g = nhwc->impl().graph;
  EXPECT_EQ(count_channels_last(g), count_convertible(nchw->impl().graph));
  EXPECT_GT(count_channels_last(g), 2u);
  EXPECT_LE(count_op(g, "Transpose"), 2u);  // into the first conv, out of the last one
  ASSERT_EQ(nhwc->outputs().size(), nchw->outputs().size());
  for (size_t i = 0; i < nhwc->outputs().size(); ++i) {
    EXPECT_EQ(nhwc->outputs()[i].name, nchw->outputs()[i].name);
    EXPECT_EQ(nhwc->outputs()[i].shape, nchw->outputs()[i].shape);
  }
  const auto expected = run_engine(*nchw, {{"image", x}});
  expect_same_outputs(expected, run_engine(*nhwc, {{"image", x}}));

  // The attribute survives a plan round trip.
  const std::string plan = temp_path(std::string(m.model) + "." + precision + ".plan");
  nhwc->save(plan);
  const auto loaded = Engine::load(plan);
  std::remove(plan.c_str());
  EXPECT_EQ(count_channels_last(loaded->impl().graph), count_channels_last(g));
  expect_same_outputs(expected, run_engine(*loaded, {{"image", x}}));
}

INSTANTIATE_TEST_SUITE_P(
    Bundled, ChannelsLastModels,
    ::testing::Combine(
        ::testing::Values(ModelCase{"fashion_cnn.onnx", "fashion_sample.npy"},
                          ModelCase{"fashion_resnet.onnx", "fashion_sample.npy"},
                          ModelCase{"fashion_mobilenetv2.onnx", "fashion_sample.npy"},
                          ModelCase{"fashion_unet.onnx", "fashion_seg_sample.npy"},
                          ModelCase{"fashion_resnet_qat.onnx", "fashion_sample.npy"}),
        ::testing::Values("fp32", "fp16", "int8")),
    [](const auto& test_info) {
      std::string name = std::string(std::get<0>(test_info.param).model);
      name = name.substr(0, name.find('.')) + "_" + std::get<1>(test_info.param);
      return name;
    });

// The torchvision models of tools/export_torchvision.py, when they are there (git-ignored).
TEST(ChannelsLastTorchvision, BitIdenticalToNchwWithTransposesOnlyAtTheBorders) {
  const std::filesystem::path dir = kModels + "torchvision";
  if (!std::filesystem::exists(dir))
    GTEST_SKIP() << "no " << dir << " (tools/export_torchvision.py)";
  // Channel shuffle (Reshape, 5-D Transpose, Reshape) needs NCHW: two transposes per unit.
  const std::map<std::string, size_t> kMaxTransposes = {{"shufflenet_v2_x1_0", 64}};
  for (const std::string name :
       {"mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "squeezenet1_1", "densenet121",
        "shufflenet_v2_x1_0", "deeplabv3_mobilenet_v3_large", "resnet50", "fcn_resnet50"}) {
    const std::string model = (dir / (name + ".onnx")).string();
    if (!std::filesystem::exists(model)) continue;
    BuilderConfig config;
    const auto nchw = Builder().build_from_onnx(model, config);
    config.channels_last = true;
    const auto nhwc = Builder().build_from_onnx(model, config);
    const ir::Graph& g = nhwc->impl().graph;
    EXPECT_EQ(count_channels_last(g), count_convertible(nchw->impl().graph)) << name;
    const auto max = kMaxTransposes.count(name) ? kMaxTransposes.at(name) : size_t{2};
    EXPECT_LE(count_op(g, "Transpose"), max) << name;
    const Tensor x = io::load_npy((dir / (name + ".input.npy")).string());
    const std::string input = nchw->inputs().at(0).name;
    SCOPED_TRACE(name);
    expect_same_outputs(run_engine(*nchw, {{input, x}}), run_engine(*nhwc, {{input, x}}));
  }
}

}  // namespace
}  // namespace qrt
