// QuantizeLinear/DequantizeLinear folding: scales land on values, bad scales are one-line errors.
#include <gtest/gtest.h>

#include "ir/graph.h"
#include "quant/precision.h"

namespace qrt::quant {
namespace {

// x -> Q(scale) -> DQ(scale) -> Relu -> y, and a weight stored in int8 behind a DequantizeLinear.
struct QdqGraph {
  ir::Graph g;
  ir::Value *x, *relu_out, *w_float;
  explicit QdqGraph(float scale, int8_t zero_point = 0) {
    x = g.add_value("x");
    x->dtype = DataType::kFloat32;
    x->shape = {ir::Dim{2, {}}, ir::Dim{3, {}}};
    g.inputs.push_back(x);
    auto* s =
        g.add_constant("s", Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{scale}));
    auto* zp = g.add_constant(
        "zp", Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{zero_point}));
    auto* q = g.add_value("q");
    auto* dq = g.add_value("dq");
    g.add_node("QuantizeLinear", "quant", {x, s, zp}, {q});
    g.add_node("DequantizeLinear", "dequant", {q, s, zp}, {dq});
    relu_out = g.add_value("y");
    g.add_node("Relu", "relu", {dq}, {relu_out});
    // Weight [2, 3] int8 with per-row scales (axis 0).
    auto* wq = g.add_constant("wq", Tensor::from_vector(DataType::kInt8, {2, 3},
                                                        std::vector<int8_t>{1, -2, 3, 4, 5, -6}));
    auto* ws = g.add_constant(
        "ws", Tensor::from_vector(DataType::kFloat32, {2}, std::vector<float>{0.5f, 0.25f}));
    auto* wzp =
        g.add_constant("wzp", Tensor::from_vector(DataType::kInt8, {2}, std::vector<int8_t>{0, 0}));
    w_float = g.add_value("w");
    ir::Node* wdq = g.add_node("DequantizeLinear", "wdequant", {wq, ws, wzp}, {w_float});
    wdq->attrs["axis"] = int64_t{0};
    auto* out2 = g.add_value("z");
    g.add_node("Add", "use_w", {w_float, w_float}, {out2});
    g.outputs = {relu_out, out2};
  }
};

TEST(FoldQdq, ScalesLandOnValuesAndPairsDisappear) {
  QdqGraph m(0.05f);
  std::vector<std::string> kept;
  EXPECT_EQ(fold_qdq(m.g, &kept), 2);
  EXPECT_TRUE(kept.empty());
  for (const ir::Node* n : m.g.nodes()) {
    EXPECT_NE(n->op_type, "QuantizeLinear");
    EXPECT_NE(n->op_type, "DequantizeLinear");
  }
  ASSERT_TRUE(m.x->quant.has_value());
  EXPECT_EQ(m.x->quant->scales, std::vector<float>{0.05f});
  EXPECT_EQ(m.x->quant->axis, -1);
  // The weight became float constants with its per-channel scales.
  const ir::Node* use_w = m.g.nodes().back();
  const ir::Value* w = use_w->inputs[0];
  ASSERT_TRUE(w->is_constant());
  EXPECT_EQ(w->constant->to_float_vector(),
            (std::vector<float>{0.5f, -1.f, 1.5f, 1.f, 1.25f, -1.5f}));
  ASSERT_TRUE(w->quant.has_value());
  EXPECT_EQ(w->quant->scales, (std::vector<float>{0.5f, 0.25f}));
  EXPECT_EQ(w->quant->axis, 0);
}

TEST(FoldQdq, ZeroOrNegativeScaleNamesTheNode) {
  for (float bad : {0.f, -1.f}) {
    QdqGraph m(bad);
    try {
      fold_qdq(m.g, nullptr);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'dequant'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("zero, negative"), std::string::npos) << e.what();
    }
  }
}

TEST(FoldQdq, AsymmetricPairsStayAsFloatOps) {
  QdqGraph m(0.05f, 3);
  std::vector<std::string> kept;
  fold_qdq(m.g, &kept);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NE(kept[0].find("asymmetric"), std::string::npos);
  EXPECT_FALSE(m.x->quant.has_value());
}

}  // namespace
}  // namespace qrt::quant
