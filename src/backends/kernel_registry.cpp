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

bool computes_f16_in_f32(const std::string& backend, DataType key) {
  return backend == "reference" && key == DataType::kFloat16;
}

// Values per task when conversions run on the reference backend's thread pool.
constexpr int64_t kConversionGrain = int64_t{1} << 16;

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

  Tensor widen(const Tensor& half) {
    Tensor out = take(half.shape());
    const uint16_t* src = half.data_as<uint16_t>();
    float* dst = out.data_as<float>();
    reference::parallel_for(half.numel(), kConversionGrain, [&](int64_t begin, int64_t end) {
      half_to_float(src + begin, dst + begin, static_cast<size_t>(end - begin));
    });
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

void round_to_f16(const Tensor& wide, Tensor& half) {
  const float* src = wide.data_as<float>();
  uint16_t* dst = half.data_as<uint16_t>();
  reference::parallel_for(half.numel(), kConversionGrain, [&](int64_t begin, int64_t end) {
    float_to_half(src + begin, dst + begin, static_cast<size_t>(end - begin));
  });
}

NodeTypes f16_types_as_f32(const NodeTypes& types) {
  NodeTypes wide = types;
  for (auto* list : {&wide.inputs, &wide.outputs})
    for (ir::TensorType& t : *list)
      if (t.dtype == DataType::kFloat16) t.dtype = DataType::kFloat32;
  return wide;
}

KernelDef make_f16_adapter(const KernelDef& f32_kernel) {
  KernelFn run = [f32_run = f32_kernel.run](const KernelArgs& args) {
    WideTensors wide;
    std::vector<Tensor> inputs(args.inputs.begin(), args.inputs.end());
    for (Tensor& t : inputs)
      if (t.dtype() == DataType::kFloat16) t = wide.widen(t);
    std::vector<Tensor> outputs(args.outputs.begin(), args.outputs.end());
    for (Tensor& t : outputs)
      if (t.dtype() == DataType::kFloat16) t = wide.take(t.shape());
    f32_run(KernelArgs{args.node, inputs, outputs});
    for (size_t i = 0; i < outputs.size(); ++i)
      if (args.outputs[i].dtype() == DataType::kFloat16) round_to_f16(outputs[i], args.outputs[i]);
  };
  SupportFn supports;
  if (f32_kernel.supports)
    supports = [f32_supports = f32_kernel.supports](const ir::Node& node, const NodeTypes& types,
                                                    std::string* reason) {
      return f32_supports(node, f16_types_as_f32(types), reason);
    };
  return KernelDef::make(f32_kernel.op_type, f32_kernel.backend, DataType::kFloat16, std::move(run),
                         std::move(supports));
}

}  // namespace

const KernelDef* KernelRegistry::f16_adapter(const KernelDef& f32_kernel) const {
  std::lock_guard<std::mutex> lock(adapters_mutex_);
  std::unique_ptr<KernelDef>& adapter = f16_adapters_[&f32_kernel];
  if (!adapter) adapter = std::make_unique<KernelDef>(make_f16_adapter(f32_kernel));
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
  if (f32 && computes_f16_in_f32(backend, dtype)) return f16_adapter(*f32);
  return nullptr;
}

const KernelDef* KernelRegistry::select(const ir::Node& node, const std::string& backend,
                                        const NodeTypes& types, std::string* reason) const {
  const DataType key = kernel_key_dtype(types);
  bool op_known = false;
  std::string last_reason;
  // Exact dtype first, then dtype-generic kernels, then f32 kernels behind the f16 adapter.
  const bool f16_in_f32 = computes_f16_in_f32(backend, key);
  for (int pass = 0; pass < (f16_in_f32 ? 3 : 2); ++pass) {
    const DataType want = pass == 0 ? key : pass == 1 ? DataType::kUndefined : DataType::kFloat32;
    for (const auto& d : defs_) {
      if (d.op_type != node.op_type || d.backend != backend) continue;
      op_known = true;
      if (d.dtype != want) continue;
      std::string why;
      if (pass < 2 && (!d.supports || d.supports(node, types, &why))) return &d;
      if (pass == 2 && (!d.supports || d.supports(node, f16_types_as_f32(types), &why)))
        return f16_adapter(d);
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
