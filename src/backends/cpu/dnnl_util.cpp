#include "backends/cpu/dnnl_util.h"

#include <omp.h>

#include <cstring>

#include "backends/reference/thread_pool.h"
#include "runtime/engine_impl.h"

namespace qrt::cpu {

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

int sync_threads() {
  const int threads = reference::ThreadPool::instance().threads();
  // omp_set_num_threads sets the calling thread's value only: set it on every thread that runs.
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  return threads;
}

std::string cpu_isa_name() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      return "sse41";
    case dnnl::cpu_isa::avx:
      return "avx";
    case dnnl::cpu_isa::avx2:
      return "avx2";
    case dnnl::cpu_isa::avx2_vnni:
      return "avx2_vnni";
    case dnnl::cpu_isa::avx512_core:
      return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

dnnl::memory::data_type dnnl_type(DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return dnnl::memory::data_type::f32;
    case DataType::kBFloat16:
      return dnnl::memory::data_type::bf16;
    case DataType::kInt8:
      return dnnl::memory::data_type::s8;
    case DataType::kUInt8:
      return dnnl::memory::data_type::u8;
    case DataType::kInt32:
      return dnnl::memory::data_type::s32;
    default:
      break;
  }
  throw Error("cpu backend: no oneDNN type for " + std::string(dtype_name(dtype)));
}

dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims, DataType dtype,
                              dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), dnnl_type(dtype), tag);
}

dnnl::memory wrap(const dnnl::memory::desc& md, const Tensor& t) {
  // oneDNN takes a non-const handle; inputs are only read.
  return dnnl::memory(md, cpu_engine(), const_cast<void*>(t.data()));
}

std::shared_ptr<const Prepared> State::get(const ir::Node* node, const std::string& key,
                                           const std::function<Prepared()>& make) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = cache_[{node, key}];
  if (!slot) slot = std::make_shared<const Prepared>(make());
  return slot;
}

std::shared_ptr<const Prepared> prepare(const KernelArgs& args, const std::string& key,
                                        const std::function<Prepared()>& make) {
  if (args.resources)
    return static_cast<State*>(const_cast<void*>(args.resources))->get(&args.node, key, make);
  return std::make_shared<const Prepared>(make());
}

std::string shape_key(const KernelArgs& args) {
  std::string key = std::to_string(sync_threads());
  const auto add_type = [&key](const Tensor& t) {
    key.push_back('|');
    if (!t.defined()) return;
    key.append(dtype_name(t.dtype()));
    for (int64_t d : t.shape()) {
      key.push_back(',');
      key.append(std::to_string(d));
    }
  };
  for (const Tensor& t : args.inputs) add_type(t);
  for (const Tensor& t : args.outputs) add_type(t);
  return key;
}

namespace {
dnnl::stream& thread_stream() {
  thread_local dnnl::stream stream(cpu_engine());
  return stream;
}
}  // namespace

dnnl::memory reorder_constant(const dnnl::memory::desc& user_md, const Tensor& t,
                              const dnnl::memory::desc& wanted) {
  dnnl::memory user = wrap(user_md, t);
  dnnl::memory out(wanted, cpu_engine());
  if (user_md == wanted) {
    std::memcpy(out.get_data_handle(), t.data(), wanted.get_size());
    return out;
  }
  dnnl::reorder(user, out).execute(thread_stream(), user, out);
  thread_stream().wait();
  return out;
}

dnnl::memory copy_constant(const dnnl::memory::desc& md, const float* data) {
  dnnl::memory out(md, cpu_engine());
  std::memcpy(out.get_data_handle(), data, md.get_size());
  return out;
}

void execute(const Prepared& p, std::unordered_map<int, dnnl::memory> args) {
  for (const auto& [k, m] : p.constant_args) args.emplace(k, m);
  p.primitive.execute(thread_stream(), args);
  thread_stream().wait();
}

bool input_is_constant(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  return v && v->is_constant();
}

bool decline(std::string* reason, const std::string& why) {
  if (reason) *reason = "cpu: " + why;
  return false;
}

bool bf16_supported(std::string* reason) {
  static const bool available = [] {
    using md = dnnl::memory::desc;
    const auto bf16 = dnnl::memory::data_type::bf16;
    const auto any = dnnl::memory::format_tag::any;
    try {
      const dnnl::convolution_forward::desc desc(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
          md({1, 16, 4, 4}, bf16, any), md({16, 16, 1, 1}, bf16, any), md({1, 16, 4, 4}, bf16, any),
          {1, 1}, {0, 0}, {0, 0});
      (void)dnnl::convolution_forward::primitive_desc(desc, cpu_engine());
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  if (available) return true;
  return decline(reason, "oneDNN has no bf16 implementation on this CPU (instruction set " +
                             cpu_isa_name() + "; bf16 needs AVX-512)");
}

bool float_type_supported(const NodeTypes& types, std::string* reason) {
  return kernel_key_dtype(types) != DataType::kBFloat16 || bf16_supported(reason);
}

}  // namespace qrt::cpu

namespace qrt {
std::shared_ptr<void> make_cpu_backend_state() { return std::make_shared<cpu::State>(); }
}  // namespace qrt
