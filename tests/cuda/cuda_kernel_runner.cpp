#include "cuda/cuda_kernel_runner.h"

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_timing.h"

namespace qrt::test {

CudaKernelRunner::CudaKernelRunner(const std::string& op_type, const std::vector<Tensor>& inputs,
                                   const std::map<std::string, ir::AttributeValue>& attrs,
                                   const std::vector<ir::TensorType>& output_types) {
  std::vector<ir::Value*> in_values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    in_values.push_back(
        inputs[i].defined() ? graph_.add_constant("in" + std::to_string(i), inputs[i]) : nullptr);
    types_.inputs.push_back(inputs[i].defined()
                                ? ir::TensorType{inputs[i].dtype(), inputs[i].shape()}
                                : ir::TensorType{});
  }
  std::vector<ir::Value*> out_values;
  for (size_t i = 0; i < output_types.size(); ++i)
    out_values.push_back(graph_.add_value("out" + std::to_string(i)));
  types_.outputs = output_types;
  node_ = graph_.add_node(op_type, "test_" + op_type, in_values, out_values);
  node_->attrs = attrs;
  node_->backend = "cuda";
  std::string why;
  kernel_ = KernelRegistry::instance().select(*node_, "cuda", types_, &why);
  if (!kernel_) throw Error("no CUDA kernel for " + op_type + ": " + why);
  res_ = std::make_unique<cuda::StreamResources>();
  for (const Tensor& t : inputs) {
    if (!t.defined()) {
      dev_inputs_.emplace_back();
      continue;
    }
    buffers_.emplace_back(std::max<size_t>(t.nbytes(), 1));
    QRT_CUDA_CHECK(cudaMemcpy(buffers_.back().get(), t.data(), t.nbytes(), cudaMemcpyHostToDevice));
    dev_inputs_.push_back(Tensor::borrow(t.dtype(), t.shape(), buffers_.back().get()));
  }
  for (const auto& type : output_types) {
    const size_t bytes = static_cast<size_t>(shape_numel(type.shape)) * dtype_size(type.dtype);
    buffers_.emplace_back(std::max<size_t>(bytes, 1));
    QRT_CUDA_CHECK(cudaMemset(buffers_.back().get(), 0xFF, bytes));  // poison
    dev_outputs_.push_back(Tensor::borrow(type.dtype, type.shape, buffers_.back().get()));
  }
}

std::string CudaKernelRunner::tune() {
  if (!kernel_->tune) return "";
  node_->tactic = kernel_->tune(*node_, types_, &res_->get());
  res_->synchronize();
  return node_->tactic;
}

void CudaKernelRunner::run() {
  KernelArgs args{*node_, dev_inputs_, dev_outputs_, &res_->get()};
  kernel_->run(args);
}

std::vector<Tensor> CudaKernelRunner::download() {
  res_->synchronize();
  QRT_CUDA_CHECK(cudaGetLastError());
  std::vector<Tensor> outputs;
  for (const Tensor& d : dev_outputs_) {
    Tensor h(d.dtype(), d.shape());
    QRT_CUDA_CHECK(cudaMemcpy(h.data(), d.data(), h.nbytes(), cudaMemcpyDeviceToHost));
    outputs.push_back(std::move(h));
  }
  return outputs;
}

double CudaKernelRunner::time_ms(int runs) {
  run();
  return cuda::time_enqueued_ms(res_->stream(), runs, [this] { run(); });
}

double CudaKernelRunner::time_graph_ms(int runs) {
  run();  // first-use work (heuristics, lazy library loading) outside the capture
  res_->synchronize();
  cudaGraph_t graph = nullptr;
  QRT_CUDA_CHECK(cudaStreamBeginCapture(res_->stream(), cudaStreamCaptureModeThreadLocal));
  try {
    for (int i = 0; i < runs; ++i) run();
  } catch (...) {
    cudaStreamEndCapture(res_->stream(), &graph);
    if (graph) cudaGraphDestroy(graph);
    throw;
  }
  QRT_CUDA_CHECK(cudaStreamEndCapture(res_->stream(), &graph));
  cudaGraphExec_t exec = nullptr;
  QRT_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
  cudaGraphDestroy(graph);
  QRT_CUDA_CHECK(cudaGraphLaunch(exec, res_->stream()));  // warm-up
  const double ms = cuda::time_enqueued_ms(
      res_->stream(), 1, [&] { QRT_CUDA_CHECK(cudaGraphLaunch(exec, res_->stream())); });
  cudaGraphExecDestroy(exec);
  return ms / runs;
}

CudaRun run_cuda_kernel(const std::string& op_type, const std::vector<Tensor>& inputs,
                        const std::map<std::string, ir::AttributeValue>& attrs,
                        const ir::TensorType& output_type, bool tune) {
  CudaKernelRunner runner(op_type, inputs, attrs, {output_type});
  CudaRun result;
  if (tune) result.tactic = runner.tune();
  runner.run();
  result.outputs = runner.download();
  return result;
}

}  // namespace qrt::test
