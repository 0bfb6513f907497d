#include "cuda/cuda_test_util.h"

#include <cmath>
#include <cstring>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "backends/kernel_registry.h"
#include "ir/op_schema.h"
#include "ir/shape_inference.h"
#include "op_test_util.h"

namespace qrt::test {

namespace {

// Runs the CUDA kernel for op_type on the inputs; output_types null: inferred by the schema.
std::vector<Tensor> run_cuda_node(const std::string& op_type, const std::vector<Tensor>& inputs,
                                  const std::map<std::string, ir::AttributeValue>& attrs,
                                  size_t num_outputs, const std::string& tactic,
                                  const std::vector<ir::TensorType>* output_types) {
  const auto g = one_node_graph(op_type, inputs, attrs, num_outputs);
  ir::Node* node = g->node;
  node->backend = "cuda";
  node->tactic = tactic;
  const std::vector<ir::TensorType> out_types = output_types ? *output_types : g->infer_outputs();

  NodeTypes types{g->in_types, out_types};
  std::string why;
  const KernelDef* kernel = KernelRegistry::instance().select(*node, "cuda", types, &why);
  if (!kernel) throw Error("no CUDA kernel for " + op_type + ": " + why);

  cuda::StreamResources res;
  std::vector<cuda::DeviceBuffer> buffers;
  std::vector<Tensor> dev_inputs, dev_outputs;
  for (const Tensor& t : inputs) {
    if (!t.defined()) {
      dev_inputs.emplace_back();
      continue;
    }
    buffers.emplace_back(std::max<size_t>(t.nbytes(), 1));
    QRT_CUDA_CHECK(cudaMemcpy(buffers.back().get(), t.data(), t.nbytes(), cudaMemcpyHostToDevice));
    dev_inputs.push_back(Tensor::borrow(t.dtype(), t.shape(), buffers.back().get()));
  }
  for (const auto& type : out_types) {
    const size_t bytes = static_cast<size_t>(shape_numel(type.shape)) * dtype_size(type.dtype);
    buffers.emplace_back(std::max<size_t>(bytes, 1));
    // Poison: an element the kernel forgets to write shows up as NaN / 0xFF bytes.
    QRT_CUDA_CHECK(cudaMemset(buffers.back().get(), 0xFF, bytes));
    dev_outputs.push_back(Tensor::borrow(type.dtype, type.shape, buffers.back().get()));
  }
  KernelArgs args{*node, dev_inputs, dev_outputs, &res.get()};
  // As the runtime does: host copies of the inputs known before the run (here: all of them).
  args.host_inputs = inputs;
  kernel->run(args);
  res.synchronize();
  QRT_CUDA_CHECK(cudaGetLastError());
  std::vector<Tensor> outputs;
  for (const Tensor& d : dev_outputs) {
    Tensor h(d.dtype(), d.shape());
    QRT_CUDA_CHECK(cudaMemcpy(h.data(), d.data(), h.nbytes(), cudaMemcpyDeviceToHost));
    outputs.push_back(std::move(h));
  }
  return outputs;
}

}  // namespace

std::vector<Tensor> run_cuda_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                                const std::map<std::string, ir::AttributeValue>& attrs,
                                size_t num_outputs, const std::string& tactic) {
  return run_cuda_node(op_type, inputs, attrs, num_outputs, tactic, nullptr);
}

std::vector<Tensor> run_cuda_op_typed(const std::string& op_type, const std::vector<Tensor>& inputs,
                                      const std::map<std::string, ir::AttributeValue>& attrs,
                                      const std::vector<ir::TensorType>& output_types,
                                      const std::string& tactic) {
  return run_cuda_node(op_type, inputs, attrs, output_types.size(), tactic, &output_types);
}

Tensor to_f32(const Tensor& t) {
  if (t.dtype() == DataType::kFloat32) return t;
  return Tensor::from_vector(DataType::kFloat32, t.shape(), t.to_float_vector());
}

Tensor to_f16(const Tensor& t) {
  Tensor out(DataType::kFloat16, t.shape());
  float_to_half(t.data_as<float>(), out.data_as<uint16_t>(), static_cast<size_t>(t.numel()));
  return out;
}

double max_rel_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  const auto va = a.to_float_vector(), vb = b.to_float_vector();
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    if (std::isnan(va[i]) != std::isnan(vb[i])) return INFINITY;
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(vb[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(va[i]) - vb[i]));
  }
  return max_ref > 0 ? max_diff / max_ref : max_diff;
}

int64_t count_int_diff(const Tensor& a, const Tensor& b, int64_t steps) {
  EXPECT_EQ(a.shape(), b.shape());
  EXPECT_EQ(a.dtype(), b.dtype());
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return -1;
  const auto va = a.to_float_vector(), vb = b.to_float_vector();
  int64_t n = 0;
  for (size_t i = 0; i < va.size(); ++i) n += std::fabs(va[i] - vb[i]) > static_cast<float>(steps);
  return n;
}

}  // namespace qrt::test
