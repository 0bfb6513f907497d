// Folding QuantizeLinear/DequantizeLinear pairs into scales on values.
#include <algorithm>
#include <cmath>

#include "quant/precision.h"

namespace qrt::quant {

namespace {

struct QdqParams {
  std::vector<float> scales;
  int64_t axis = -1;
  bool symmetric = true;  // zero point absent or all zero
};

// Scale and zero point of a Q or DQ node; both must be constants.
bool read_params(const ir::Node& n, QdqParams* p) {
  const ir::Value* s = n.input(1);
  if (!s || !s->is_constant()) return false;
  p->scales = s->constant->to_float_vector();
  for (float v : p->scales)
    if (!(v > 0) || !std::isfinite(v))
      throw Error(n.describe() + ": scale " + std::to_string(v) +
                  " is zero, negative or not finite");
  if (const ir::Value* zp = n.input(2)) {
    if (!zp->is_constant()) return false;
    for (int64_t z : zp->constant->to_int64_vector()) p->symmetric &= z == 0;
    if (zp->constant->dtype() == DataType::kUInt8) p->symmetric = false;
  } else {
    p->symmetric = false;  // no zero point means uint8 output
  }
  if (p->scales.size() > 1) {
    const int64_t rank = static_cast<int64_t>(n.input(0)->shape.size());
    const int64_t axis = n.attr_int("axis", 1);
    p->axis = axis < 0 ? axis + rank : axis;
  }
  return true;
}

ir::QuantParams to_quant(const QdqParams& p) { return ir::QuantParams{p.scales, p.axis}; }

Tensor dequantize(const Tensor& q, const QdqParams& p) {
  Tensor out(DataType::kFloat32, q.shape());
  const auto values = q.to_float_vector();
  const int64_t channels = static_cast<int64_t>(p.scales.size());
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(std::max<int64_t>(p.axis, 0)) + 1;
       p.axis >= 0 && d < q.rank(); ++d)
    inner *= q.dim(d);
  for (int64_t i = 0; i < q.numel(); ++i) {
    const int64_t c = channels == 1 ? 0 : (i / inner) % channels;
    out.data_as<float>()[i] = values[static_cast<size_t>(i)] * p.scales[static_cast<size_t>(c)];
  }
  return out;
}

}  // namespace

int fold_qdq(ir::Graph& graph, std::vector<std::string>* kept) {
  int scaled = 0;
  for (bool changed = true; changed;) {
    changed = false;
    const auto consumers = graph.consumers();
    for (ir::Node* dq : graph.nodes()) {
      if (dq->op_type != "DequantizeLinear") continue;
      QdqParams dq_params;
      ir::Value* q_value = dq->input(0);
      if (!read_params(*dq, &dq_params) || !q_value) continue;
      if (!dq_params.symmetric) {
        const std::string what = dq->describe() + " (asymmetric: non-zero zero point)";
        if (kept && std::find(kept->begin(), kept->end(), what) == kept->end())
          kept->push_back(what);
        continue;
      }
      ir::Value* out = dq->outputs.at(0);
      if (graph.is_graph_output(out)) continue;  // output names stay as the model has them
      ir::Node* q = q_value->producer;
      if (q_value->is_constant()) {
        // A weight stored in int8: the float weight it stands for, with its scales.
        ir::Value* w = graph.add_constant(graph.unique_name(out->name + "_dequantized"),
                                          dequantize(*q_value->constant, dq_params));
        w->quant = to_quant(dq_params);
        graph.replace_all_uses(out, w);
        graph.remove_node(dq);
      } else if (q && q->op_type == "QuantizeLinear") {
        QdqParams q_params;
        if (!read_params(*q, &q_params) || q_params.scales != dq_params.scales ||
            !q_params.symmetric)
          continue;
        // Fake quantization of x: x keeps flowing, annotated with its scale.
        ir::Value* x = q->input(0);
        x->quant = to_quant(q_params);
        graph.replace_all_uses(out, x);
        graph.remove_node(dq);
        if (consumers.at(q_value).size() == 1 && !graph.is_graph_output(q_value))
          graph.remove_node(q);
      } else {
        continue;
      }
      ++scaled;
      changed = true;
      break;
    }
  }
  graph.remove_unused_values();
  return scaled;
}

}  // namespace qrt::quant
