#include "backends/cpu/dnnl_util.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>

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

dnnl::memory::dims dense_strides(const dnnl::memory::dims& dims) {
  dnnl::memory::dims strides(dims.size());
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= dims[d];
  }
  return strides;
}

dnnl::memory::desc plain_desc(const std::vector<int64_t>& dims, DataType dtype,
                              dnnl::memory::format_tag tag) {
  return dnnl::memory::desc(dnnl::memory::dims(dims.begin(), dims.end()), dnnl_type(dtype), tag);
}

dnnl::memory wrap(const dnnl::memory::desc& md, const Tensor& t) {
  // oneDNN takes a non-const handle; inputs are only read.
  return dnnl::memory(md, cpu_engine(), const_cast<void*>(t.data()));
}

dnnl::memory::format_tag layout_tag(const std::string& name) {
  using tag = dnnl::memory::format_tag;
  if (name == "nChw16c") return tag::nChw16c;
  if (name == "nChw8c") return tag::nChw8c;
  if (name == "nChw4c") return tag::nChw4c;
  if (name == "nhwc") return tag::nhwc;
  if (name == "nchw") return tag::nchw;
  if (name == "any") return tag::any;
  throw Error("cpu backend: unknown activation layout '" + name + "'");
}

dnnl::memory::format_tag activation_tag(const ir::Node& node) {
  if (node.has_attr(kLayoutAttr)) return layout_tag(node.attr_string(kLayoutAttr, ""));
  return node.attr_int("channels_last", 0) != 0 ? dnnl::memory::format_tag::nhwc
                                                : dnnl::memory::format_tag::nchw;
}

bool is_blocked(const ir::Node& node) { return node.has_attr(kLayoutAttr); }

dnnl::memory::desc blocked_desc(const ir::Node& node, const std::vector<int64_t>& nhwc,
                                DataType dtype) {
  if (nhwc.size() != 4) throw Error(node.describe() + ": a blocked activation must be 4-D");
  const dnnl::memory::dims nchw = {nhwc[0], nhwc[3], nhwc[1], nhwc[2]};
  return dnnl::memory::desc(nchw, dnnl_type(dtype), activation_tag(node));
}

std::string layout_name(const dnnl::memory::desc& md) {
  if (md.data.ndims != 4) return "";
  const dnnl::memory::dims& d = md.dims();
  for (const char* name : {"nhwc", "nchw", "nChw16c", "nChw8c", "nChw4c"})
    if (md == dnnl::memory::desc(d, md.data_type(), layout_tag(name))) return name;
  return "";
}

int64_t layout_block(const std::string& name) { return activation_block(name); }

namespace {

// The enum fields as integers: a corrupt plan's bytes must not be loaded as enum values.
template <typename Field>
int64_t bits(const Field& field) {
  std::underlying_type_t<Field> value;
  std::memcpy(&value, &field, sizeof value);
  return static_cast<int64_t>(value);
}

// The descriptor stored in the node's attribute `name` (u8 bytes of a dnnl_memory_desc_t), or
// "" and `why` it is not one of these weights' layouts (`plain`: their logical dims and type).
std::string read_desc_attr(const ir::Node& node, const char* name, const dnnl::memory::desc& plain,
                           dnnl_memory_desc_t& raw) {
  const auto* attr = std::get_if<Tensor>(&node.attrs.at(name));
  if (!attr || attr->dtype() != DataType::kUInt8 || attr->nbytes() != sizeof(dnnl_memory_desc_t))
    return "is malformed (not " + std::to_string(sizeof(dnnl_memory_desc_t)) + " bytes of u8)";
  std::memcpy(&raw, attr->data(), sizeof raw);
  const dnnl_memory_desc_t& want = plain.data;
  if (raw.ndims != want.ndims || bits(raw.data_type) != bits(want.data_type) ||
      !std::equal(raw.dims, raw.dims + raw.ndims, want.dims))
    return "does not describe these weights (dims or type differ)";
  return "";
}

}  // namespace

bool has_stored_weights(const ir::Node& node) { return node.has_attr(kWeightsMdAttr); }

std::vector<int64_t> logical_weights_shape(const ir::Node& node, const Tensor& w) {
  return node.has_attr("weights_shape") ? node.attr_ints("weights_shape") : w.shape();
}

dnnl::memory::desc stored_weights_desc(const ir::Node& node, const dnnl::memory::desc& plain,
                                       const Tensor& weights) {
  if (!node.has_attr(kWeightsMdAttr)) return plain;
  const auto fail = [&](const std::string& why) -> dnnl::memory::desc {
    throw Error(node.describe() + ": stored cpu weight layout " + why + "; rebuild the plan");
  };
  dnnl_memory_desc_t raw;
  if (const std::string why = read_desc_attr(node, kWeightsMdAttr, plain, raw); !why.empty())
    return fail(why);
  // int8 weights carry oneDNN's s8s8 compensation (and a scale adjustment) after the values;
  // they are part of the stored bytes.
  const uint64_t known_extra =
      dnnl_memory_extra_flag_compensation_conv_s8s8 | dnnl_memory_extra_flag_scale_adjust;
  const int all_dims_mask = (1 << raw.ndims) - 1;
  if (bits(raw.format_kind) != dnnl_blocked || raw.offset0 != 0 ||
      (raw.extra.flags & ~known_extra) || raw.extra.compensation_mask < 0 ||
      raw.extra.compensation_mask > all_dims_mask || raw.format_desc.blocking.inner_nblks < 0 ||
      raw.format_desc.blocking.inner_nblks > DNNL_MAX_NDIMS)
    return fail("is not a blocked layout this qrt reads");
  for (int i = 0; i < raw.ndims; ++i)
    if (raw.padded_dims[i] < raw.dims[i] || raw.padded_offsets[i] != 0 ||
        raw.format_desc.blocking.strides[i] <= 0)
      return fail("has bad padding or strides");
  for (int i = 0; i < raw.format_desc.blocking.inner_nblks; ++i)
    if (raw.format_desc.blocking.inner_idxs[i] < 0 ||
        raw.format_desc.blocking.inner_idxs[i] >= raw.ndims ||
        raw.format_desc.blocking.inner_blks[i] <= 0)
      return fail("has a bad block");
  const dnnl::memory::desc md(raw);
  if (md.get_size() != weights.nbytes())
    return fail("needs " + std::to_string(md.get_size()) + " bytes, the weights have " +
                std::to_string(weights.nbytes()));
  return md;
}

std::optional<StoredWino> stored_wino_weights(const ir::Node& node,
                                              const dnnl::memory::desc& plain) {
  const bool has_md = node.has_attr(kWinoMdAttr), has_bytes = node.has_attr(kWinoWeightsAttr);
  if (!has_md && !has_bytes) return std::nullopt;
  const auto fail = [&](const std::string& why) -> std::optional<StoredWino> {
    throw Error(node.describe() + ": stored Winograd weights " + why + "; rebuild the plan");
  };
  if (!has_md || !has_bytes)
    return fail(std::string("lack their ") + (has_md ? "bytes (" : "descriptor (") +
                (has_md ? kWinoWeightsAttr : kWinoMdAttr) + ")");
  const auto* bytes = std::get_if<Tensor>(&node.attrs.at(kWinoWeightsAttr));
  if (!bytes || bytes->dtype() != DataType::kUInt8 || bytes->rank() != 1)
    return fail(std::string("are malformed (") + kWinoWeightsAttr + " is not 1-D u8)");
  dnnl_memory_desc_t raw;
  if (const std::string why = read_desc_attr(node, kWinoMdAttr, plain, raw); !why.empty())
    return fail("descriptor " + why);
  const dnnl_wino_desc_t& w = raw.format_desc.wino_desc;
  const int64_t format = bits(w.wino_format);
  if (bits(raw.format_kind) != dnnl_format_kind_wino || raw.offset0 != 0 || raw.extra.flags != 0 ||
      format <= dnnl_wino_undef || format > dnnl_wino_wei_OBaaIBOIio)
    return fail("descriptor is not a Winograd layout this qrt reads");
  for (const int field :
       {w.r, w.alpha, w.ic, w.oc, w.ic_block, w.oc_block, w.ic2_block, w.oc2_block})
    if (field <= 0) return fail("descriptor has a field that is not positive");
  // OIHW weights: dims are [oc, ic, kh, kw].
  if (w.ic != raw.dims[1] || w.oc != raw.dims[0])
    return fail("descriptor's output x input channels (" + std::to_string(w.oc) + "x" +
                std::to_string(w.ic) + ") are not the weights' (" + std::to_string(raw.dims[0]) +
                "x" + std::to_string(raw.dims[1]) + ")");
  if (w.size != bytes->nbytes())
    return fail("need " + std::to_string(w.size) + " bytes, " + kWinoWeightsAttr + " has " +
                std::to_string(bytes->nbytes()));
  return StoredWino{dnnl::memory::desc(raw), *bytes};
}

Tensor weights_desc_attr(const dnnl::memory::desc& md) {
  Tensor t(DataType::kUInt8, {static_cast<int64_t>(sizeof(dnnl_memory_desc_t))});
  std::memcpy(t.data(), &md.data, sizeof(dnnl_memory_desc_t));
  return t;
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

namespace {
std::atomic<uint64_t> g_weight_reorders{0};
}  // namespace

uint64_t weight_reorders() { return g_weight_reorders.load(); }

dnnl::memory reorder_constant(const dnnl::memory::desc& user_md, const Tensor& t,
                              const dnnl::memory::desc& wanted, Prepared& p) {
  if (user_md == wanted) {
    p.kept.push_back(t);
    return wrap(user_md, t);
  }
  dnnl::memory out(wanted, cpu_engine());
  // Stored int8 weights end with oneDNN's compensation for the layout they were made for; the
  // values alone are the source (the reorder computes what `wanted` needs).
  dnnl_memory_desc_t values = user_md.data;
  values.extra = dnnl_memory_extra_desc_t{};
  dnnl::memory src(dnnl::memory::desc(values), cpu_engine(), const_cast<void*>(t.data()));
  try {
    dnnl::reorder(src, out).execute(thread_stream(), src, out);
  } catch (const dnnl::error&) {
    // No direct reorder between these two blocked layouts: through the plain one.
    const int n = values.ndims;
    const auto plain_tag = n == 5   ? dnnl::memory::format_tag::abcde
                           : n == 4 ? dnnl::memory::format_tag::abcd
                                    : dnnl::memory::format_tag::ab;
    dnnl::memory plain(
        dnnl::memory::desc(src.get_desc().dims(), src.get_desc().data_type(), plain_tag),
        cpu_engine());
    dnnl::reorder(src, plain).execute(thread_stream(), src, plain);
    dnnl::reorder(plain, out).execute(thread_stream(), plain, out);
  }
  thread_stream().wait();
  ++g_weight_reorders;
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

void run_reference_kernel(const KernelArgs& args) {
  DataType key = DataType::kUndefined;  // kernel_key_dtype's rule, on the run's tensors
  for (const Tensor& t : args.inputs)
    if (t.defined()) {
      key = t.dtype();
      break;
    }
  const KernelDef* kernel = KernelRegistry::instance().find(args.node.op_type, "reference", key);
  if (!kernel) throw Error(args.node.describe() + ": no reference kernel to run on the cpu");
  kernel->run(KernelArgs{args.node, args.inputs, args.outputs});  // no cpu resources
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
