// LayerNormalization: normalizes over dims [axis, rank) of X; Scale and the optional B
// broadcast to those dims. Optional outputs Mean and InvStdDev have X's shape with the
// normalized dims set to 1 and the element type named by stash_type.
#include "ir/onnx_dtype.h"
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_layer_normalization(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& x = ctx.shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  if (rank < 1) ctx.fail("input X must have rank >= 1");
  const int64_t axis = normalize_axis(ctx, ctx.node().attr_int("axis", -1), rank);
  const std::vector<int64_t> normalized(x.begin() + axis, x.end());
  for (size_t i = 1; i <= 2; ++i) {
    if (!ctx.has_input(i)) {
      if (i == 1) ctx.fail("input Scale is required");
      continue;
    }
    const char* name = i == 1 ? "Scale" : "B";
    if (ctx.dtype(i) != ctx.dtype(0))
      ctx.fail(std::string(name) + " has a different element type than X");
    // Unidirectional broadcast to the normalized dims.
    const std::vector<int64_t>& s = ctx.shape(i);
    bool ok = s.size() <= normalized.size();
    for (size_t d = 0; ok && d < s.size(); ++d) {
      const int64_t want = normalized[normalized.size() - s.size() + d];
      ok = s[d] == want || s[d] == 1;
    }
    if (!ok)
      ctx.fail(std::string(name) + " " + shape_to_string(s) +
               " cannot be broadcast to the normalized dims " + shape_to_string(normalized));
  }
  outputs[0] = {ctx.dtype(0), x};
  std::vector<int64_t> stat_shape = x;
  std::fill(stat_shape.begin() + axis, stat_shape.end(), 1);
  const int64_t stash = ctx.node().attr_int("stash_type", 1);
  const std::optional<DataType> stash_dtype = ir::dtype_from_onnx(stash);
  if (!stash_dtype || !is_floating(*stash_dtype))
    ctx.fail("stash_type " + std::to_string(stash) + " is not a supported floating type");
  for (size_t i = 1; i < outputs.size() && i <= 2; ++i)
    if (ctx.node().output(i)) outputs[i] = {*stash_dtype, stat_shape};
}

}  // namespace

QRT_REGISTER_OP("LayerNormalization", infer_layer_normalization);

}  // namespace qrt::ops
