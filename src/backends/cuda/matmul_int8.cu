// CUDA qrt.MatMulInt8: a 1x1 convolution over the M rows of A (int8_gemm.h); the constant B
// [K, N] is repacked once to [N, K] (weight_layout = "nk") by a backend pass.
#include <string>
#include <vector>

#include "backends/cuda/int8_gemm.h"
#include "backends/cuda/int8_weights.h"

namespace qrt::cuda {
namespace {

// A [..., M, K] x B [K, N] as a 1x1 convolution of one image, 1 x rows pixels.
Int8ConvShape matmul_shape(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  Int8ConvShape s;
  const int64_t rows = shape_numel(a) / a.back();
  s.w = s.out_w = rows;
  s.c = b[0];
  s.k = b[1];
  return s;
}

bool packed(const ir::Node& node) { return node.attr_string("weight_layout", "kn") == "nk"; }

bool supports_matmul_int8(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  const std::string layout = node.attr_string("weight_layout", "kn");
  if (layout != "kn" && layout != "nk") {
    if (reason) *reason = "unknown weight_layout '" + layout + "'";
    return false;
  }
  if (types.inputs.size() < 2 || types.inputs[1].shape.size() != 2) {
    if (reason) *reason = "B must be 2-D";
    return false;
  }
  return true;
}

void matmul_int8(const KernelArgs& args) {
  const Int8ConvShape s = matmul_shape(args.in(0).shape(), args.in(1).shape());
  const int8_t* b = args.in(1).data_as<int8_t>();
  const Int8Weights weights = packed(args.node) ? Int8Weights::ohwi(b, s) : Int8Weights::io(b, s);
  const std::string& tactic = args.node.tactic;
  conv_int8_nhwc(s, args.in(0).data_as<int8_t>(), weights, int8_epilogue(args, "a_scale"),
                 int8_conv_tactic_fits(s, tactic) ? tactic : "", resources(args));
}

std::string tune_matmul_int8(const ir::Node& node, const NodeTypes& types, const void* resources) {
  const Int8Epilogue form = int8_epilogue_form(node, types);
  return tune_int8_conv(matmul_shape(types.inputs[0].shape, types.inputs[1].shape),
                        *static_cast<const Resources*>(resources), &form);
}

// B [K, N] -> the same shape holding [N, K]: row n is output column n's dot product.
void pack_matmul_weights(ir::Graph& graph) {
  for (ir::Node* node : graph.nodes()) {
    if (node->backend != "cuda" || node->op_type != "MatMulInt8" || node->has_attr("weight_layout"))
      continue;
    ir::Value* b = node->input(1);
    if (!b || !b->is_constant() || b->constant->shape().size() != 2) continue;
    const Tensor& src = *b->constant;
    const int64_t k = src.shape()[0], n = src.shape()[1];
    Tensor t(DataType::kInt8, src.shape());
    const int8_t* in = src.data_as<int8_t>();
    int8_t* out = t.data_as<int8_t>();
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j) out[j * k + i] = in[i * n + j];
    replace_weights(graph, *node, 1, std::move(t), "nk");
  }
}

}  // namespace

QRT_REGISTER_KERNEL("MatMulInt8", "cuda", DataType::kInt8, matmul_int8, supports_matmul_int8,
                    tune_matmul_int8);
QRT_REGISTER_BACKEND_PASS("cuda", "pack_int8_matmul_weights", pack_matmul_weights);

}  // namespace qrt::cuda
