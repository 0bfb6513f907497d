// Runs one node on its CUDA kernel with explicit output types (no schema inference, so tests
// can use attributes a schema does not know yet, e.g. channels_last), optionally tuned first,
// and times it. The node's inputs are graph constants, as weights are in real models.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "backends/kernel_registry.h"
#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::test {

class CudaKernelRunner {
 public:
  // Throws qrt::Error if no CUDA kernel supports the node (the reason included).
  CudaKernelRunner(const std::string& op_type, const std::vector<Tensor>& inputs,
                   const std::map<std::string, ir::AttributeValue>& attrs,
                   const std::vector<ir::TensorType>& output_types);
  // Calls the kernel's tune function, stores the tactic on the node and returns it.
  std::string tune();
  void set_tactic(const std::string& tactic) { node_->tactic = tactic; }
  // Enqueues one run (outputs poisoned once, at construction).
  void run();
  std::vector<Tensor> download();
  // Mean milliseconds of one run over `runs` runs after one warm-up.
  double time_ms(int runs);
  // The same with the runs captured once into a CUDA graph and replayed (as the engine runs):
  // the GPU time without the host's per-call overhead.
  double time_graph_ms(int runs);

 private:
  ir::Graph graph_;
  ir::Node* node_ = nullptr;
  NodeTypes types_;
  const KernelDef* kernel_ = nullptr;
  std::vector<cuda::DeviceBuffer> buffers_;
  std::vector<Tensor> dev_inputs_, dev_outputs_;
  // Last: destroyed first, so pending work finishes before the buffers are freed.
  std::unique_ptr<cuda::StreamResources> res_;
};

struct CudaRun {
  std::vector<Tensor> outputs;
  std::string tactic;
};
// One run of the node (tuned first when `tune`).
CudaRun run_cuda_kernel(const std::string& op_type, const std::vector<Tensor>& inputs,
                        const std::map<std::string, ir::AttributeValue>& attrs,
                        const ir::TensorType& output_type, bool tune);

}  // namespace qrt::test
