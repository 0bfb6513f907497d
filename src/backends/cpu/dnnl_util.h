// Shared pieces of the cpu backend (oneDNN primitives on host tensors): the oneDNN engine and
// stream, thread count, memory descriptors of qrt tensors, activation layouts, weights stored in
// oneDNN's layout, and the per-context cache of primitives.
//
// Primitive creation JITs code, so every primitive is made once per (node, input shapes,
// threads) and kept in the execution context's cache (KernelArgs::resources, see
// make_cpu_backend_state).
//
// Layouts are chosen at build time (prepare_cpu_engine, cpu_build.cpp), not per run:
// - Activations: the layout pass gives runs of cpu convolutions and poolings the blocked layout
//   of the ISA's vector width (nChw16c with AVX-512, nChw8c below): those nodes get the
//   attribute "cpu_layout" and their activations stay blocked between them; explicit
//   qrt.Reorder nodes convert at the runs' borders (other backends, graph outputs, ops without a
//   blocked kernel). Only f32 convolutions join, and only when oneDNN has a real kernel for them
//   in that layout (its int8 convolutions fall back to ref_int8 in blocked layouts: int8 and
//   types not measured stay NHWC). Inside a run, f32 and bf16 unary activations (Relu, Sigmoid,
//   HardSwish, HardSigmoid, ...), BatchNormalization, Add/Sub/Mul/Div of two activations of one
//   shape or a squeeze-excitation's x [N, H, W, C] * s [N, 1, 1, C] (when oneDNN's binary has a
//   real kernel for it) and Concat on the channel axis of whole blocks join too (the table in
//   cpu_build.cpp); a run needs a convolution or pooling. A
//   blocked tensor keeps its logical NHWC shape; channels that are not a multiple of the block
//   (MobileNetV2's 24) are padded up to it in its buffer, which value_bytes (engine_impl.h)
//   sizes from the producer's "cpu_layout" or Reorder "to" for the memory planner (plan format
//   4). oneDNN's reorders and primitives write zeros into the padding of what they produce, also
//   eltwise, binary and batch normalization where f(0) != 0 (checked by cpu_layout_test); a
//   residual is copied into Y whole (padding included). Channels that the padding would more
//   than double (an image's 3) stay plain, except an image's first convolution: it reads the
//   NCHW image (attribute nchw_input, no Transpose) and writes the blocked layout directly.
//   oneDNN's own choice (format_tag::any) is NHWC for every convolution on AVX-512, measured slower
//   in f32 here (docs/benchmarks.md); QRT_CPU_LAYOUT=onednn follows it, =plain forbids blocking,
//   =nChw16c|nChw8c|nChw4c forces a layout.
// - Weights: the weights pass makes the primitive of each convolution and of each Gemm, MatMul
//   and MatMulInt8 with a constant B at build time and stores its weights (W, B) already
//   reordered into the layout oneDNN chose: a flat tensor of that layout's bytes (padding and
//   int8 compensation included), the logical shape in the node attribute "weights_shape" (the
//   schemas read it: ir::logical_weights_shape), the memory descriptor in "cpu_weights_md". At
//   run time the primitive uses the stored bytes in place. If the primitive made at run time
//   wants another layout (another batch than the opt one, CPU, ISA or thread count), the stored
//   weights are reordered once from their stored layout (counted by weight_reorders()).
// - Winograd weights: f32 convolutions let oneDNN choose the algorithm, and it takes Winograd
//   (jit_wino_4x3 on AVX-512) for 3x3 stride-1 layers at larger batches. Its transformed weights
//   (format_kind wino, 6x6 tiles: 4x the plain bytes) cannot be reordered back into any other
//   layout, and their blocks depend on the batch, so W stays plain (other batches, CPUs, the
//   reference fallback) and the weights pass adds the opt batch's transformed bytes as the
//   attributes "cpu_wino_weights" (u8) and "cpu_wino_md" (their descriptor), checked on load
//   (stored_wino_weights). The primitive uses them in place when it wants exactly that
//   descriptor; otherwise it transforms the plain W once per context (counted), as a plan
//   without them does. Contexts share the stored bytes. ResNet-50 FP32 batch 64: each context's
//   first run saves 13 transforms (0.2 to 0.9 s), the plan grows from 102 to 234 MB
//   (docs/benchmarks.md).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::cpu {

inline constexpr const char* kBackend = "cpu";
// Node attributes set at build time (see the top of this file).
inline constexpr const char* kLayoutAttr = "cpu_layout";         // e.g. "nChw16c"
inline constexpr const char* kWeightsMdAttr = "cpu_weights_md";  // u8 [sizeof(dnnl_memory_desc_t)]
inline constexpr const char* kWinoWeightsAttr = "cpu_wino_weights";  // u8 [the desc's size]
inline constexpr const char* kWinoMdAttr = "cpu_wino_md";  // u8 [sizeof(dnnl_memory_desc_t)]

dnnl::engine& cpu_engine();
// Makes oneDNN's OpenMP threads on this thread follow qrt's thread setting (QRT_THREADS,
// --threads: the reference pool's size); returns it.
int sync_threads();
// The instruction set oneDNN dispatches to on this CPU, e.g. "avx512_core_bf16".
std::string cpu_isa_name();

dnnl::memory::data_type dnnl_type(DataType dtype);
// Row-major strides of `dims`, in elements (empty for a scalar).
dnnl::memory::dims dense_strides(const dnnl::memory::dims& dims);
// Plain descriptor of a tensor: `dims` in oneDNN's logical order with the given format tag.
dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims, DataType dtype,
                              dnnl::memory::format_tag tag);
dnnl::memory wrap(const dnnl::memory::desc& md, const Tensor& t);

// The activation layout of a 4-D cpu node: its "cpu_layout" attribute ("nChw16c", "nChw8c",
// "nChw4c", or "any" while the layout pass asks oneDNN), else NHWC for channels_last nodes,
// else NCHW.
dnnl::memory::format_tag activation_tag(const ir::Node& node);
dnnl::memory::format_tag layout_tag(const std::string& name);  // throws for an unknown name
// Whether the layout pass put the node in a blocked run (it has "cpu_layout").
bool is_blocked(const ir::Node& node);
// A 4-D activation of a node in a blocked run: its stored NHWC shape as logical NCHW dims in the
// node's blocked layout (dims of size 1 broadcast where the primitive allows it).
dnnl::memory::desc blocked_desc(const ir::Node& node, const std::vector<int64_t>& nhwc,
                                DataType dtype);
// "nhwc", "nchw", "nChw16c", "nChw8c", "nChw4c", or "" for any other layout of a 4-D desc.
std::string layout_name(const dnnl::memory::desc& md);
// The channel block of a blocked layout name (16 for "nChw16c"), 1 for plain ones.
int64_t layout_block(const std::string& name);

// The node's weights (input 1) are stored in oneDNN's layout (the build's weights pass).
bool has_stored_weights(const ir::Node& node);
// The weights' logical shape (a convolution's [O, I/g, kh, kw], a matmul's B): the node's
// "weights_shape" when they are stored packed (a flat tensor in oneDNN's layout, padding
// included), else their own shape.
std::vector<int64_t> logical_weights_shape(const ir::Node& node, const Tensor& w);
// The layout the node's weights are stored in: the descriptor of its "cpu_weights_md" attribute
// (checked against the weights' logical dims, type and byte size: one-line error naming the node
// when it does not fit), or `plain` when the node has none.
dnnl::memory::desc stored_weights_desc(const ir::Node& node, const dnnl::memory::desc& plain,
                                       const Tensor& weights);
// The attribute value that stores `md`.
Tensor weights_desc_attr(const dnnl::memory::desc& md);

// Winograd-transformed weights stored at build time: the bytes and their descriptor.
struct StoredWino {
  dnnl::memory::desc md;
  Tensor bytes;
};
// The node's "cpu_wino_weights" laid out as "cpu_wino_md", checked against the logical weights
// `plain` (dims, type), the Winograd descriptor's own fields and the stored byte count (one-line
// error naming the node when they do not fit); nullopt when the node has none.
std::optional<StoredWino> stored_wino_weights(const ir::Node& node,
                                              const dnnl::memory::desc& plain);
// Weight reorders done by cpu primitives in this process (plain or stored weights reordered
// into the layout the primitive wants); stored weights in the wanted layout are used in place.
uint64_t weight_reorders();

// A made primitive and the arguments that never change between runs (reordered weights,
// bias); the caller adds the activations.
struct Prepared {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> constant_args;
  std::vector<Tensor> kept;                     // constants the primitive reads in place
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

// The constant `t` (laid out as `user_md`) as `wanted`: in place (kept alive in `p`) when the
// layouts are equal, else reordered once into new memory.
dnnl::memory reorder_constant(const dnnl::memory::desc& user_md, const Tensor& t,
                              const dnnl::memory::desc& wanted, Prepared& p);
// A copy of a small constant (bias, scales) the primitive keeps.
dnnl::memory copy_constant(const dnnl::memory::desc& md, const float* data);

// The binary (Add, Sub, Mul, Div) primitive of the node at these shapes (binary.cpp); the
// layout pass asks it whether oneDNN has a real kernel for a blocked node.
Prepared binary_primitive(const KernelArgs& args);

// Runs the primitive with the constant args plus `args`, and waits.
void execute(const Prepared& p, std::unordered_map<int, dnnl::memory> args);

// Runs the reference backend's kernel for the node, for ops whose cpu kernel is a host loop
// over small tensors (the int64 shape arithmetic of Shape, Gather, Concat) or a plain copy: the
// same code, so the same bits, without a copy of it here.
void run_reference_kernel(const KernelArgs& args);

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
