// Shared pieces of the cpu backend (oneDNN primitives on host tensors): the oneDNN engine and
// stream, thread count, memory descriptors of qrt tensors, and the per-context cache of
// primitives and reordered weights.
//
// Primitive creation JITs code, so every primitive is made once per (node, input shapes,
// threads) and kept in the execution context's cache (KernelArgs::resources, see
// make_cpu_backend_state); constant weights are reordered into oneDNN's chosen blocked layout
// once, when their primitive is made. Activations stay plain (NCHW or NHWC, the node's layout):
// no reorder runs between cpu nodes.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::cpu {

inline constexpr const char* kBackend = "cpu";

dnnl::engine& cpu_engine();
// Makes oneDNN's OpenMP threads on this thread follow qrt's thread setting (QRT_THREADS,
// --threads: the reference pool's size); returns it.
int sync_threads();
// The instruction set oneDNN dispatches to on this CPU, e.g. "avx512_core_bf16".
std::string cpu_isa_name();

dnnl::memory::data_type dnnl_type(DataType dtype);
// Plain descriptor of a tensor: `dims` in oneDNN's logical order with the given format tag.
dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims, DataType dtype,
                              dnnl::memory::format_tag tag);
dnnl::memory wrap(const dnnl::memory::desc& md, const Tensor& t);

// A made primitive and the arguments that never change between runs (reordered weights,
// bias); the caller adds the activations.
struct Prepared {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> constant_args;
  dnnl::memory::desc src_md, dst_md, extra_md;  // the activations' descriptors
};

// Per execution context: prepared primitives by node and shape key.
class State {
 public:
  std::shared_ptr<const Prepared> get(const ir::Node* node, const std::string& key,
                                      const std::function<Prepared()>& make);

 private:
  std::mutex mutex_;
  std::map<std::pair<const ir::Node*, std::string>, std::shared_ptr<const Prepared>> cache_;
};

// The prepared primitive of this node for `key` (shapes), from the context's cache, or made now
// (and not kept) when the kernel runs outside an execution context (tests, the cuda runner).
std::shared_ptr<const Prepared> prepare(const KernelArgs& args, const std::string& key,
                                        const std::function<Prepared()>& make);
// Input shapes, dtypes and the thread count, as a cache key.
std::string shape_key(const KernelArgs& args);

// Reorders the constant `t` (plain, `user_md`) into `wanted` once; returns the memory to use.
dnnl::memory reorder_constant(const dnnl::memory::desc& user_md, const Tensor& t,
                              const dnnl::memory::desc& wanted);
// A copy of a small constant (bias, scales) the primitive keeps.
dnnl::memory copy_constant(const dnnl::memory::desc& md, const float* data);

// Runs the primitive with the constant args plus `args`, and waits.
void execute(const Prepared& p, std::unordered_map<int, dnnl::memory> args);

// Support predicate helpers.
bool input_is_constant(const ir::Node& node, size_t i);
bool decline(std::string* reason, const std::string& why);
// Whether oneDNN has bf16 primitives on this CPU (AVX-512 at least: avx512_core converts in
// software, avx512_core_bf16 has vdpbf16ps, avx512_core_amx the AMX tiles); asked once by
// making a small bf16 convolution. Declines with the reason when it has none.
bool bf16_supported(std::string* reason);
// For kernels registered for f32 and bf16: true for f32 nodes, bf16_supported for bf16 ones.
bool float_type_supported(const NodeTypes& types, std::string* reason);

}  // namespace qrt::cpu
