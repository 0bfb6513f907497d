// Helpers for CUDA backend tests: skip without a GPU, run one node on the CUDA backend and on
// the reference backend, compare.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "backends/cuda/cuda_device.h"
#include "ir/graph.h"
#include "ir/op_schema.h"
#include "qrt/tensor.h"

// Skips the test, saying why, on a machine without a usable GPU (CI, the CPU machines).
#define QRT_SKIP_WITHOUT_GPU()                                    \
  do {                                                            \
    std::string qrt_no_gpu_reason_;                               \
    if (!::qrt::cuda::gpu_available(&qrt_no_gpu_reason_))         \
      GTEST_SKIP() << "no CUDA GPU here: " << qrt_no_gpu_reason_; \
  } while (0)

namespace qrt::test {

// Builds a one-node graph whose inputs are the given host tensors (an undefined Tensor is an
// omitted optional input), infers its output types, uploads the inputs, runs the CUDA kernel the
// registry selects for it (optionally with `tactic` set on the node), and downloads the outputs.
// Throws qrt::Error if no CUDA kernel supports the node.
std::vector<Tensor> run_cuda_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                                const std::map<std::string, ir::AttributeValue>& attrs = {},
                                size_t num_outputs = 1, const std::string& tactic = "");

// As run_cuda_op, with the outputs' types given instead of inferred by the op's schema (for
// attributes the schema does not know yet, e.g. a layout the CUDA kernel reads).
std::vector<Tensor> run_cuda_op_typed(const std::string& op_type, const std::vector<Tensor>& inputs,
                                      const std::map<std::string, ir::AttributeValue>& attrs,
                                      const std::vector<ir::TensorType>& output_types,
                                      const std::string& tactic = "");

// Converts a tensor of any floating type (f32, f16, bf16) to float32.
Tensor to_f32(const Tensor& t);
// Converts a float32 tensor to f16 (round to nearest even).
Tensor to_f16(const Tensor& t);

// max |a-b| / max(|b|) over elements, in float (any floating or int dtype).
double max_rel_error(const Tensor& a, const Tensor& b);
// Number of elements where a and b (same integer dtype) differ by more than `steps`.
int64_t count_int_diff(const Tensor& a, const Tensor& b, int64_t steps = 0);

}  // namespace qrt::test
