// qrt.Reorder: Y = X with its bytes rearranged from the layout "from" to the layout "to"
// (e.g. "nhwc" to "nChw16c"); the logical shape and type do not change. The cpu backend's
// layout pass inserts it at the borders of a run of nodes that keep blocked activations
// (src/backends/cpu/dnnl_util.h); only backends that know the layouts run it.
#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

void infer_reorder(const InferContext& ctx, std::vector<TensorType>& outputs) {
  if (ctx.node().attr_string("from", "").empty() || ctx.node().attr_string("to", "").empty())
    ctx.fail("needs the layouts \"from\" and \"to\"");
  infer_unary(ctx, outputs);
}

}  // namespace

QRT_REGISTER_OP("Reorder", infer_reorder);

}  // namespace qrt::ir
