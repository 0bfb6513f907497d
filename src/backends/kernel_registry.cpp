#include "backends/kernel_registry.h"

#include <algorithm>
#include <set>

#include "backends/reference/thread_pool.h"

namespace qrt {

DataType kernel_key_dtype(const NodeTypes& types) {
  for (const auto& t : types.inputs)
    if (t.dtype != DataType::kUndefined) return t.dtype;
  for (const auto& t : types.outputs)
    if (t.dtype != DataType::kUndefined) return t.dtype;
  return DataType::kUndefined;
}

KernelRegistry& KernelRegistry::instance() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::add(KernelDef def) { defs_.push_back(std::move(def)); }

namespace {

bool is_float16(DataType t) { return t == DataType::kFloat16 || t == DataType::kBFloat16; }

// The reference backend computes f16 and bf16 nodes in f32.
bool computes_in_f32(const std::string& backend, DataType key) {
  return backend == "reference" && is_float16(key);
}

// Values per task when conversions run on the reference backend's thread pool.
constexpr int64_t kConversionGrain = int64_t{1} << 16;

using WidenFn = void (*)(const uint16_t*, float*, size_t);
using NarrowFn = void (*)(const float*, uint16_t*, size_t);

void bfloat16_array_to_float(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = bfloat16_to_float(src[i]);
}

void float_array_to_bfloat16(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = float_to_bfloat16(src[i]);
}

// Runs an array conversion over n values on the reference backend's thread pool.
template <typename From, typename To>
void convert_in_parallel(const From* src, To* dst, int64_t n,
                         void (*convert)(const From*, To*, size_t)) {
  reference::parallel_for(n, kConversionGrain, [&](int64_t begin, int64_t end) {
    convert(src + begin, dst + begin, static_cast<size_t>(end - begin));
  });
}

// f32 tensors for one adapted call, in buffers that the calling thread keeps for its next
// calls: fresh multi-megabyte tensors would cost page faults on every call.
class WideTensors {
 public:
  WideTensors() : first_(used()) {}
  ~WideTensors() { used() = first_; }
  WideTensors(const WideTensors&) = delete;
  WideTensors& operator=(const WideTensors&) = delete;

  // An f32 tensor of the shape; its values are garbage.
  Tensor take(const std::vector<int64_t>& shape) {
    auto& buffers = pool();
    if (used() == buffers.size()) buffers.emplace_back();
    std::vector<float>& buffer = buffers[used()++];
    const size_t numel = static_cast<size_t>(shape_numel(shape));
    if (buffer.size() < numel) buffer.resize(numel);
    return Tensor::borrow(DataType::kFloat32, shape, buffer.data());
  }

  // An f16 or bf16 tensor widened to f32 (exact).
  Tensor widen(const Tensor& narrow) {
    Tensor out = take(narrow.shape());
    convert_in_parallel(narrow.data_as<uint16_t>(), out.data_as<float>(), narrow.numel(),
                        narrow.dtype() == DataType::kFloat16 ? static_cast<WidenFn>(half_to_float)
                                                             : bfloat16_array_to_float);
    return out;
  }

 private:
  static std::vector<std::vector<float>>& pool() {
    thread_local std::vector<std::vector<float>> buffers;
    return buffers;
  }
  static size_t& used() {
    thread_local size_t count = 0;
    return count;
  }
  size_t first_;
};

// Rounds f32 values to the f16 or bf16 tensor `narrow` (to nearest even).
void round_to(const Tensor& wide, Tensor& narrow) {
  convert_in_parallel(wide.data_as<float>(), narrow.data_as<uint16_t>(), narrow.numel(),
                      narrow.dtype() == DataType::kFloat16 ? static_cast<NarrowFn>(float_to_half)
                                                           : float_array_to_bfloat16);
}

NodeTypes float16_types_as_f32(const NodeTypes& types) {
  NodeTypes wide = types;
  for (auto* list : {&wide.inputs, &wide.outputs})
    for (ir::TensorType& t : *list)
      if (is_float16(t.dtype)) t.dtype = DataType::kFloat32;
  return wide;
}

KernelDef make_f32_adapter(const KernelDef& f32_kernel, DataType key) {
  KernelFn run = [f32_run = f32_kernel.run](const KernelArgs& args) {
    WideTensors wide;
    std::vector<Tensor> inputs(args.inputs.begin(), args.inputs.end());
    for (Tensor& t : inputs)
      if (is_float16(t.dtype())) t = wide.widen(t);
    std::vector<Tensor> outputs(args.outputs.begin(), args.outputs.end());
    for (Tensor& t : outputs)
      if (is_float16(t.dtype())) t = wide.take(t.shape());
    f32_run(KernelArgs{args.node, inputs, outputs});
    for (size_t i = 0; i < outputs.size(); ++i)
      if (is_float16(args.outputs[i].dtype())) round_to(outputs[i], args.outputs[i]);
  };
  SupportFn supports;
  if (f32_kernel.supports)
    supports = [f32_supports = f32_kernel.supports](const ir::Node& node, const NodeTypes& types,
                                                    std::string* reason) {
      return f32_supports(node, float16_types_as_f32(types), reason);
    };
  return KernelDef::make(f32_kernel.op_type, f32_kernel.backend, key, std::move(run),
                         std::move(supports));
}

// The bf16 adapters, made on first use and kept as the registry keeps its f16 ones (the registry
// is process-wide; these live as long).
const KernelDef* bf16_adapter(const KernelDef& f32_kernel) {
  static std::mutex mutex;
  static std::map<const KernelDef*, std::unique_ptr<KernelDef>> adapters;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<KernelDef>& adapter = adapters[&f32_kernel];
  if (!adapter)
    adapter = std::make_unique<KernelDef>(make_f32_adapter(f32_kernel, DataType::kBFloat16));
  return adapter.get();
}

}  // namespace

const KernelDef* KernelRegistry::f16_adapter(const KernelDef& f32_kernel) const {
  std::lock_guard<std::mutex> lock(adapters_mutex_);
  std::unique_ptr<KernelDef>& adapter = f16_adapters_[&f32_kernel];
  if (!adapter)
    adapter = std::make_unique<KernelDef>(make_f32_adapter(f32_kernel, DataType::kFloat16));
  return adapter.get();
}

const KernelDef* KernelRegistry::find(const std::string& op_type, const std::string& backend,
                                      DataType dtype) const {
  const KernelDef* generic = nullptr;
  const KernelDef* f32 = nullptr;
  for (const auto& d : defs_) {
    if (d.op_type != op_type || d.backend != backend) continue;
    if (d.dtype == dtype) return &d;
    if (d.dtype == DataType::kUndefined && !generic) generic = &d;
    if (d.dtype == DataType::kFloat32 && !f32) f32 = &d;
  }
  if (generic) return generic;
  if (f32 && computes_in_f32(backend, dtype))
    return dtype == DataType::kFloat16 ? f16_adapter(*f32) : bf16_adapter(*f32);
  return nullptr;
}

const KernelDef* KernelRegistry::select(const ir::Node& node, const std::string& backend,
                                        const NodeTypes& types, std::string* reason) const {
  const DataType key = kernel_key_dtype(types);
  bool op_known = false;
  std::string last_reason;
  // Exact dtype first, then dtype-generic kernels, then f32 kernels behind the f16 / bf16
  // adapter.
  const bool in_f32 = computes_in_f32(backend, key);
  for (int pass = 0; pass < (in_f32 ? 3 : 2); ++pass) {
    const DataType want = pass == 0 ? key : pass == 1 ? DataType::kUndefined : DataType::kFloat32;
    for (const auto& d : defs_) {
      if (d.op_type != node.op_type || d.backend != backend) continue;
      op_known = true;
      if (d.dtype != want) continue;
      std::string why;
      if (pass < 2 && (!d.supports || d.supports(node, types, &why))) return &d;
      if (pass == 2 && (!d.supports || d.supports(node, float16_types_as_f32(types), &why)))
        return key == DataType::kFloat16 ? f16_adapter(d) : bf16_adapter(d);
      if (!why.empty()) last_reason = why;
    }
  }
  if (reason) {
    if (!op_known)
      *reason = "no " + backend + " kernel for " + node.op_type;
    else if (!last_reason.empty())
      *reason = last_reason;
    else
      *reason = "no " + backend + " kernel for " + node.op_type + " with element type " +
                std::string(dtype_name(key));
  }
  return nullptr;
}

std::vector<std::string> KernelRegistry::supported_op_types(const std::string& backend) const {
  std::set<std::string> ops;
  for (const auto& d : defs_)
    if (d.backend == backend) ops.insert(d.op_type);
  return {ops.begin(), ops.end()};
}

std::vector<std::string> KernelRegistry::backends() const {
  std::set<std::string> names;
  for (const auto& d : defs_) names.insert(d.backend);
  return {names.begin(), names.end()};
}

std::vector<BackendPass>& backend_passes() {
  static std::vector<BackendPass> passes;
  return passes;
}

}  // namespace qrt
