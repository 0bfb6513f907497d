#include "ops/channels_last.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

namespace qrt::ops {

bool is_channels_last(const ir::Node& node) { return node.attr_int(kChannelsLastAttr, 0) != 0; }

bool reads_nchw_input(const ir::Node& node) {
  return is_channels_last(node) && node.attr_int(kNchwInputAttr, 0) != 0;
}

bool is_to_nhwc_transpose(const ir::Node& t) {
  const std::vector<int64_t> perm = t.attr_ints("perm");
  return t.op_type == "Transpose" && t.domain.empty() && t.outputs.size() == 1 && t.output(0) &&
         std::equal(perm.begin(), perm.end(), kNchwToNhwc.begin(), kNchwToNhwc.end());
}

const std::vector<size_t>& channels_last_inputs(const std::string& op_type) {
  static const std::map<std::string, std::vector<size_t>> kInputs = {
      {"Conv", {0}},
      {"ConvTranspose", {0}},
      {"ConvInt8", {0, 4}},
      {"ConvTransposeInt8", {0, 4}},
      {"FusedConv", {0, 3}},
      {"MaxPool", {0}},
      {"AveragePool", {0}},
      {"GlobalAveragePool", {0}},
      {"GlobalMaxPool", {0}},
      {"BatchNormalization", {0}},
      {"InstanceNormalization", {0}},
  };
  static const std::vector<size_t> kNone;
  auto it = kInputs.find(op_type);
  return it == kInputs.end() ? kNone : it->second;
}

std::vector<int64_t> permute_dims(std::span<const int64_t> dims, std::span<const int64_t> perm) {
  std::vector<int64_t> out;
  out.reserve(perm.size());
  for (int64_t p : perm) out.push_back(dims[static_cast<size_t>(p)]);
  return out;
}

namespace {

// Walks the output in row-major order; output dim i steps the input by the stride of perm[i].
template <size_t kBytes>
void transpose_elements(const unsigned char* src, unsigned char* dst,
                        std::span<const int64_t> out_shape, const std::vector<int64_t>& strides) {
  const size_t rank = out_shape.size();
  const int64_t total = shape_numel(out_shape);
  if (total == 0) return;
  if (rank == 0) {
    std::memcpy(dst, src, kBytes);
    return;
  }
  const int64_t inner = out_shape[rank - 1], inner_stride = strides[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t offset = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t j = 0; j < inner; ++j)
      std::memcpy(dst + (o + j) * kBytes, src + (offset + j * inner_stride) * kBytes, kBytes);
    // Advance the outer index (all dims but the last), like an odometer.
    for (size_t d = rank - 1; d-- > 0;) {
      offset += strides[d];
      if (++index[d] < out_shape[d]) break;
      offset -= strides[d] * out_shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void transpose_into(const Tensor& in, Tensor& out, std::span<const int64_t> perm) {
  if (perm.size() != in.rank() || out.shape() != permute_dims(in.shape(), perm) ||
      out.dtype() != in.dtype())
    throw Error("transpose of " + shape_to_string(in.shape()) + " into " +
                shape_to_string(out.shape()) + ": shapes or types do not match");
  std::vector<int64_t> in_strides(in.rank(), 1);
  for (size_t i = in.rank(); i-- > 1;) in_strides[i - 1] = in_strides[i] * in.dim(i);
  const std::vector<int64_t> strides = permute_dims(in_strides, perm);
  const auto* src = static_cast<const unsigned char*>(in.data());
  auto* dst = static_cast<unsigned char*>(out.data());
  switch (dtype_size(in.dtype())) {
    case 1:
      return transpose_elements<1>(src, dst, out.shape(), strides);
    case 2:
      return transpose_elements<2>(src, dst, out.shape(), strides);
    case 4:
      return transpose_elements<4>(src, dst, out.shape(), strides);
    case 8:
      return transpose_elements<8>(src, dst, out.shape(), strides);
    default:
      throw Error("transpose: unsupported element size");
  }
}

Tensor transpose_tensor(const Tensor& in, std::span<const int64_t> perm) {
  Tensor out(in.dtype(), permute_dims(in.shape(), perm));
  transpose_into(in, out, perm);
  return out;
}

ir::InferFn channels_last_infer(ir::InferFn nchw) {
  return
      [nchw = std::move(nchw)](const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
        if (!is_channels_last(ctx.node())) return nchw(ctx, outputs);
        std::vector<ir::TensorType> types;
        std::vector<const Tensor*> values;
        for (size_t i = 0; i < ctx.num_inputs(); ++i) {
          types.push_back({ctx.dtype(i), ctx.shape(i)});
          values.push_back(ctx.value(i));
        }
        for (size_t i : channels_last_inputs(ctx.node().op_type)) {
          if (!ctx.has_input(i)) continue;
          if (types[i].shape.size() != 4)
            ctx.fail("channels_last needs 4-D activations [N, H, W, C], input " +
                     std::to_string(i) + " is " + shape_to_string(types[i].shape));
          if (i != 0 || !reads_nchw_input(ctx.node()))
            types[i].shape = permute_dims(types[i].shape, kNhwcToNchw);
          values[i] = nullptr;  // only shapes matter to these ops
        }
        for (size_t i = 1; i < outputs.size(); ++i)
          if (ctx.node().output(i)) ctx.fail("channels_last supports only the output Y");
        nchw(ir::InferContext(ctx.node(), std::move(types), std::move(values)), outputs);
        outputs[0].shape = permute_dims(outputs[0].shape, kNchwToNhwc);
      };
}

}  // namespace qrt::ops
