#include "backends/cuda/int8_weights.h"

#include <utility>

namespace qrt::cuda {

void replace_weights(ir::Graph& graph, ir::Node& node, size_t index, Tensor packed,
                     const std::string& layout) {
  ir::Value* old = node.inputs[index];
  ir::Value* fresh =
      graph.add_constant(graph.unique_name(old->name + "_" + layout), std::move(packed));
  fresh->dtype = old->dtype;
  fresh->shape = old->shape;
  fresh->quant = old->quant;
  node.inputs[index] = fresh;
  node.attrs["weight_layout"] = layout;
  graph.remove_unused_values();
}

}  // namespace qrt::cuda
