#include <gtest/gtest.h>

#include <cmath>

#include "op_test_util.h"
#include "passes/pass.h"
#include "unit/pass_test_util.h"

namespace qrt::passes {
namespace {

using test::add_input;
using test::add_typed;
using test::max_rel_diff;
using test::op_types;
using test::random_tensor;

constexpr float kEpsilon = 1e-3f;

// BatchNormalization parameters for `c` channels (variance strictly positive).
struct BnParams {
  Tensor scale, bias, mean, var;
  explicit BnParams(int64_t c)
      : scale(random_tensor({c}, 11, 0.5f, 2.f)),
        bias(random_tensor({c}, 12)),
        mean(random_tensor({c}, 13)),
        var(random_tensor({c}, 14, 0.1f, 3.f)) {}
  float factor(int64_t c) const {
    return scale.data_as<float>()[c] / std::sqrt(var.data_as<float>()[c] + kEpsilon);
  }
  float apply(int64_t c, float x) const {
    return (x - mean.data_as<float>()[c]) * factor(c) + bias.data_as<float>()[c];
  }
};

// Naive NCHW 2-D convolution (stride 1, no padding, groups) used as the oracle. Transposed:
// weights [C_in, C_out/group, kh, kw] and each input pixel scatters into the output.
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group,
                  bool transposed) {
  const int64_t n = x.dim(0), cin = x.dim(1), h = x.dim(2), wd = x.dim(3);
  const int64_t kh = w.dim(2), kw = w.dim(3);
  const int64_t cout = transposed ? w.dim(1) * group : w.dim(0);
  const int64_t cin_g = cin / group, cout_g = cout / group;
  const int64_t oh = transposed ? h + kh - 1 : h - kh + 1;
  const int64_t ow = transposed ? wd + kw - 1 : wd - kw + 1;
  Tensor y(DataType::kFloat32, {n, cout, oh, ow});
  const float* xp = x.data_as<float>();
  const float* wp = w.data_as<float>();
  float* yp = y.data_as<float>();
  auto at = [](int64_t c, int64_t hh, int64_t ww, int64_t d1, int64_t d2, int64_t d3) {
    return ((c * d1 + hh) * d2 + ww) * d3;
  };
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < cout; ++oc)
      for (int64_t i = 0; i < oh * ow; ++i)
        yp[(in * cout + oc) * oh * ow + i] = b ? b->data_as<float>()[oc] : 0.f;
  for (int64_t in = 0; in < n; ++in)
    for (int64_t oc = 0; oc < cout; ++oc) {
      const int64_t g = oc / cout_g;
      for (int64_t icg = 0; icg < cin_g; ++icg) {
        const int64_t ic = g * cin_g + icg;
        for (int64_t a = 0; a < kh; ++a)
          for (int64_t c = 0; c < kw; ++c) {
            const float wv = transposed ? wp[at(ic, oc % cout_g, a, w.dim(1), kh, kw) + c]
                                        : wp[at(oc, icg, a, cin_g, kh, kw) + c];
            const int64_t rows = transposed ? h : oh, cols = transposed ? wd : ow;
            for (int64_t r = 0; r < rows; ++r)
              for (int64_t s = 0; s < cols; ++s) {
                const int64_t xi = transposed ? r : r + a, xj = transposed ? s : s + c;
                const int64_t yi = transposed ? r + a : r, yj = transposed ? s + c : s;
                yp[((in * cout + oc) * oh + yi) * ow + yj] +=
                    wv * xp[((in * cin + ic) * h + xi) * wd + xj];
              }
          }
      }
    }
  return y;
}

Tensor naive_batchnorm(const Tensor& x, const BnParams& bn) {
  Tensor y = x.clone();
  const int64_t c = x.dim(1), inner = x.numel() / (x.dim(0) * c);
  for (int64_t i = 0; i < x.numel(); ++i)
    y.data_as<float>()[i] = bn.apply((i / inner) % c, x.data_as<float>()[i]);
  return y;
}

// x -> Conv/ConvTranspose -> c -> BatchNormalization -> y (graph output).
struct ConvBnGraph {
  ir::Graph g;
  int64_t group;
  bool transposed;
  Tensor w, b;
  BnParams bn;
  ir::Value* x;
  ir::Value* c;
  ir::Value* y;
  ir::Node* conv;

  ConvBnGraph(int64_t cin, int64_t cout, int64_t grp, bool transpose, bool with_bias)
      : group(grp),
        transposed(transpose),
        w(random_tensor(transpose ? std::vector<int64_t>{cin, cout / grp, 3, 3}
                                  : std::vector<int64_t>{cout, cin / grp, 3, 3},
                        21)),
        b(with_bias ? random_tensor({cout}, 22) : Tensor()),
        bn(cout) {
    x = add_input(g, "x", {-1, cin, 5, 5});
    const ir::SymShape out_shape{ir::Dim{-1, "N"}, ir::Dim{cout, {}},
                                 ir::Dim{transpose ? 7 : 3, {}}, ir::Dim{transpose ? 7 : 3, {}}};
    c = add_typed(g, "c", out_shape);
    y = add_typed(g, "y", out_shape);
    std::vector<ir::Value*> conv_inputs{x, g.add_constant("w", w)};
    if (with_bias) conv_inputs.push_back(g.add_constant("b", b));
    conv = g.add_node(transpose ? "ConvTranspose" : "Conv", "conv", conv_inputs, {c});
    conv->attrs["group"] = group;
    ir::Node* norm = g.add_node("BatchNormalization", "bn",
                                {c, g.add_constant("scale", bn.scale), g.add_constant("B", bn.bias),
                                 g.add_constant("mean", bn.mean), g.add_constant("var", bn.var)},
                                {y});
    norm->attrs["epsilon"] = kEpsilon;
    g.outputs = {y};
  }

  // Output channel of weight element (i0, i1, ...).
  int64_t channel(int64_t i0, int64_t i1) const {
    return transposed ? (i0 / (w.dim(0) / group)) * w.dim(1) + i1 : i0;
  }

  void expect_folded() {
    const PassResult r = fold_batchnorm_into_conv(g);
    EXPECT_TRUE(r.changed);
    EXPECT_EQ(r.rewrites, 1);
    EXPECT_EQ(op_types(g), (std::vector<std::string>{conv->op_type}));
    ASSERT_EQ(conv->outputs[0], y);
    EXPECT_EQ(y->producer, conv);
    EXPECT_EQ(g.outputs[0]->name, "y");
    ASSERT_EQ(conv->inputs.size(), 3u);
    ASSERT_TRUE(conv->inputs[1]->is_constant());
    ASSERT_TRUE(conv->inputs[2]->is_constant());
    const Tensor& w2 = *conv->inputs[1]->constant;
    const Tensor& b2 = *conv->inputs[2]->constant;
    ASSERT_EQ(w2.shape(), w.shape());
    const int64_t inner = w.numel() / (w.dim(0) * w.dim(1));
    for (int64_t i = 0; i < w.numel(); ++i) {
      const int64_t ch = channel(i / inner / w.dim(1), (i / inner) % w.dim(1));
      EXPECT_NEAR(w2.data_as<float>()[i], w.data_as<float>()[i] * bn.factor(ch), 1e-5f) << i;
    }
    for (int64_t ch = 0; ch < b2.numel(); ++ch)
      EXPECT_NEAR(b2.data_as<float>()[ch], bn.apply(ch, b.defined() ? b.data_as<float>()[ch] : 0.f),
                  1e-5f);

    const Tensor input = random_tensor({2, x->shape[1].value, 5, 5}, 31);
    const Tensor expected =
        naive_batchnorm(naive_conv(input, w, b.defined() ? &b : nullptr, group, transposed), bn);
    const Tensor folded = naive_conv(input, w2, &b2, group, transposed);
    EXPECT_LT(max_rel_diff(folded, expected), 1e-5f);
    g.remove_unused_values();
    EXPECT_EQ(g.find_value("c"), nullptr);
    EXPECT_NO_THROW(ir::validate(g));
  }
};

TEST(FoldBatchNormIntoConv, GroupedConvWithBias) {
  ConvBnGraph t(4, 6, 2, false, true);
  t.expect_folded();
}

TEST(FoldBatchNormIntoConv, ConvWithoutBias) {
  ConvBnGraph t(3, 5, 1, false, false);
  ASSERT_EQ(t.conv->inputs.size(), 2u);
  t.expect_folded();
}

TEST(FoldBatchNormIntoConv, GroupedConvTranspose) {
  ConvBnGraph t(4, 6, 2, true, true);
  t.expect_folded();
}

TEST(FoldBatchNormIntoConv, ConvTransposeWithoutBias) {
  ConvBnGraph t(2, 3, 1, true, false);
  t.expect_folded();
}

TEST(FoldBatchNormIntoConv, SharedWeightsAreNotModified) {
  ConvBnGraph t(3, 4, 1, false, true);
  // A second conv reads the same weights.
  ir::Value* c2 = add_typed(t.g, "c2", t.c->shape);
  t.g.add_node("Conv", "conv2", {t.x, t.g.find_value("w")}, {c2});
  t.g.outputs.push_back(c2);
  EXPECT_EQ(fold_batchnorm_into_conv(t.g).rewrites, 1);
  EXPECT_NE(t.conv->inputs[1], t.g.find_value("w"));
  EXPECT_EQ(t.g.find_value("w")->constant->data_as<float>()[5], t.w.data_as<float>()[5]);
}

TEST(FoldBatchNormIntoConv, NotWhenConvOutputHasAnotherConsumer) {
  ConvBnGraph t(3, 4, 1, false, true);
  ir::Value* r = add_typed(t.g, "r", t.c->shape);
  t.g.add_node("Relu", "relu", {t.c}, {r});
  t.g.outputs.push_back(r);
  EXPECT_FALSE(fold_batchnorm_into_conv(t.g).changed);
  EXPECT_EQ(t.g.node_count(), 3u);
}

TEST(FoldBatchNormIntoConv, NotWhenConvOutputIsGraphOutput) {
  ConvBnGraph t(3, 4, 1, false, true);
  t.g.outputs.push_back(t.c);
  EXPECT_FALSE(fold_batchnorm_into_conv(t.g).changed);
}

TEST(FoldBatchNormIntoConv, NotWhenWeightsAreNotConstant) {
  ConvBnGraph t(3, 4, 1, false, true);
  t.conv->inputs[1] = add_input(t.g, "w_in", {4, 3, 3, 3});
  EXPECT_FALSE(fold_batchnorm_into_conv(t.g).changed);
}

TEST(FoldBatchNormIntoConv, NotWhenBatchNormStatisticsAreInputs) {
  ConvBnGraph t(3, 4, 1, false, true);
  ir::Node* bn = t.y->producer;
  bn->inputs[3] = add_input(t.g, "mean_in", {4});
  EXPECT_FALSE(fold_batchnorm_into_conv(t.g).changed);
}

TEST(FoldBatchNormIntoConv, StandaloneBatchNormIsLeftAlone) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 2, 4, 4});
  ir::Value* r = add_typed(g, "r", x->shape);
  ir::Value* y = add_typed(g, "y", x->shape);
  g.add_node("Relu", "relu", {x}, {r});
  const BnParams bn(2);
  g.add_node("BatchNormalization", "bn",
             {r, g.add_constant("s", bn.scale), g.add_constant("B", bn.bias),
              g.add_constant("m", bn.mean), g.add_constant("v", bn.var)},
             {y});
  g.outputs = {y};
  EXPECT_FALSE(fold_batchnorm_into_conv(g).changed);
  EXPECT_EQ(g.node_count(), 2u);
}

TEST(FoldBatchNormIntoConv, BatchNormOnGraphInputIsLeftAlone) {
  ir::Graph g;
  ir::Value* x = add_input(g, "x", {-1, 2, 4, 4});
  ir::Value* y = add_typed(g, "y", x->shape);
  const BnParams bn(2);
  g.add_node("BatchNormalization", "bn",
             {x, g.add_constant("s", bn.scale), g.add_constant("B", bn.bias),
              g.add_constant("m", bn.mean), g.add_constant("v", bn.var)},
             {y});
  g.outputs = {y};
  EXPECT_FALSE(fold_batchnorm_into_conv(g).changed);
}

// Folded and unfolded graphs agree on the reference kernels, with strides and padding too.
TEST(FoldBatchNormIntoConv, MatchesReferenceKernels) {
  struct Case {
    int64_t cin, cout, group;
    bool transposed, bias;
  };
  for (const Case& k : {Case{4, 6, 2, false, true}, Case{3, 5, 1, false, false},
                        Case{4, 6, 2, true, true}, Case{2, 3, 1, true, false}}) {
    SCOPED_TRACE(::testing::Message() << (k.transposed ? "ConvTranspose" : "Conv") << " group "
                                      << k.group << (k.bias ? " with bias" : ""));
    ConvBnGraph t(k.cin, k.cout, k.group, k.transposed, k.bias);
    t.conv->attrs["strides"] = std::vector<int64_t>{2, 2};
    t.conv->attrs["pads"] = std::vector<int64_t>{1, 0, 1, 2};
    const Tensor input = random_tensor({2, k.cin, 5, 5}, 41);
    const Tensor before = test::run_graph(t.g, {input})[0];
    ASSERT_EQ(fold_batchnorm_into_conv(t.g).rewrites, 1);
    const Tensor after = test::run_graph(t.g, {input})[0];
    EXPECT_LT(max_rel_diff(after, before), 1e-5f);
  }
}

}  // namespace
}  // namespace qrt::passes
