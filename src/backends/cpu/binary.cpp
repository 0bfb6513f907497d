// cpu Add, Sub, Mul, Div (f32 and bf16) with ONNX's multidirectional broadcasting: one oneDNN
// binary primitive.
//
// oneDNN broadcasts only its second source (dims of size 1), and its first source has the
// output's dims. The inputs are aligned from the right (missing leading dims are 1); when the
// first input is the one that broadcasts, the inputs are swapped: free for Add and Mul, and Sub
// computes (-1 * b) + a with a scale on oneDNN's first source (IEEE's a - b exactly, +0 for
// a == b). Div with a broadcasting dividend
// and inputs that both broadcast (x [N, 1] + y [1, M]) are declined.
//
// The shapes are then simplified before they reach oneDNN: dims of size 1 in the output are
// dropped, and adjacent dims that the second source either has whole or broadcasts are merged;
// a leading 1 is added when the second source's first dim is whole. So a squeeze-excitation's
// x [N, C, H, W] * s [N, C, 1, 1] reaches oneDNN as [1, NC, HW] * [1, NC, 1] (a per-channel
// broadcast) and its channels_last form x [1, H, W, C] * s [1, 1, 1, C] as [HW, C] * [1, C].
//
// A node in a blocked run ("cpu_layout", see dnnl_util.h; the layout pass lets only 4-D
// activations of one shape, or a squeeze-excitation's x [N, H, W, C] * s [N, 1, 1, C], join)
// runs on the blocked descriptors of its inputs' own logical NCHW dims instead: oneDNN broadcasts
// s's 1x1 spatial dims itself, and writes zeros into the channel padding of its output.
#include <algorithm>
#include <optional>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

constexpr size_t kMaxRank = 6;

// `shape` with leading 1s up to `rank` dims.
std::vector<int64_t> aligned(const std::vector<int64_t>& shape, size_t rank) {
  std::vector<int64_t> out(rank - shape.size(), 1);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

// Whether `in` (aligned) has the dims of `out`.
bool whole(const std::vector<int64_t>& in, const std::vector<int64_t>& out) { return in == out; }

struct BinaryPlan {
  bool swap = false;    // src0 is input 1, src1 input 0
  bool negate = false;  // Sub with swapped inputs: dst = (-1 * b) + a
  dnnl::memory::dims dst, src1;
};

// How the node runs, or an empty optional with *reason set.
std::optional<BinaryPlan> plan_binary(const std::string& op, const std::vector<int64_t>& a_shape,
                                      const std::vector<int64_t>& b_shape, std::string* reason) {
  const size_t rank = std::max(a_shape.size(), b_shape.size());
  if (rank > kMaxRank) {
    decline(reason, "binary ops of rank up to " + std::to_string(kMaxRank));
    return std::nullopt;
  }
  const std::vector<int64_t> a = aligned(a_shape, rank), b = aligned(b_shape, rank);
  std::vector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) out[i] = a[i] == 1 ? b[i] : a[i];
  BinaryPlan plan;
  std::vector<int64_t> src1 = b;
  if (!whole(a, out)) {
    if (!whole(b, out)) {
      decline(reason, "both inputs broadcast");
      return std::nullopt;
    }
    if (op == "Div") {
      decline(reason, "Div whose dividend broadcasts");
      return std::nullopt;
    }
    plan.swap = true;
    plan.negate = op == "Sub";
    src1 = a;
  }
  // Drop the output's 1s; merge runs of dims that src1 has whole or broadcasts.
  int last = -1;  // 1: the previous kept dim is whole in src1, 0: broadcast
  for (size_t i = 0; i < rank; ++i) {
    if (out[i] == 1) continue;
    const int is_whole = src1[i] == out[i] ? 1 : 0;
    if (is_whole == last) {
      plan.dst.back() *= out[i];
      plan.src1.back() *= src1[i];
    } else {
      plan.dst.push_back(out[i]);
      plan.src1.push_back(src1[i]);
    }
    last = is_whole;
  }
  if (plan.dst.empty() || plan.src1.front() != 1) {
    plan.dst.insert(plan.dst.begin(), 1);
    plan.src1.insert(plan.src1.begin(), 1);
  }
  return plan;
}

dnnl::algorithm binary_algorithm(const std::string& op) {
  if (op == "Add") return dnnl::algorithm::binary_add;
  if (op == "Sub") return dnnl::algorithm::binary_sub;
  if (op == "Mul") return dnnl::algorithm::binary_mul;
  return dnnl::algorithm::binary_div;
}

}  // namespace

Prepared binary_primitive(const KernelArgs& args) {
  const std::optional<BinaryPlan> plan =
      plan_binary(args.node.op_type, args.in(0).shape(), args.in(1).shape(), nullptr);
  if (!plan) throw Error("cpu: " + args.node.op_type + " of these shapes is not supported");
  const auto dt = dnnl_type(args.out(0).dtype());
  dnnl::memory::desc dst(plan->dst, dt, dense_strides(plan->dst));
  dnnl::memory::desc src1(plan->src1, dt, dense_strides(plan->src1));
  if (is_blocked(args.node)) {
    dst = blocked_desc(args.node, args.out(0).shape(), args.out(0).dtype());
    src1 = blocked_desc(args.node, args.in(plan->swap ? 0 : 1).shape(), args.out(0).dtype());
  }
  dnnl::primitive_attr attr;
  dnnl::algorithm algorithm = binary_algorithm(args.node.op_type);
  if (plan->negate) {  // a - b as (-1 * b) + a
    algorithm = dnnl::algorithm::binary_add;
    attr.set_scales(DNNL_ARG_SRC_0, 0, {-1.f});
  }
  const dnnl::binary::desc desc(algorithm, dst, src1, dst);
  Prepared p;
  p.primitive = dnnl::binary(dnnl::binary::primitive_desc(desc, attr, cpu_engine()));
  p.src_md = p.dst_md = dst;
  p.extra_md = src1;
  return p;
}

namespace {

void binary(const KernelArgs& args) {
  if (args.out(0).numel() == 0) return;
  auto prepared = prepare(args, shape_key(args), [&] { return binary_primitive(args); });
  // Input 0 is oneDNN's first source unless it broadcasts (then it has fewer elements).
  const bool swap = args.in(0).numel() != args.out(0).numel();
  const Tensor& src0 = args.in(swap ? 1 : 0);
  const Tensor& src1 = args.in(swap ? 0 : 1);
  execute(*prepared, {{DNNL_ARG_SRC_0, wrap(prepared->src_md, src0)},
                      {DNNL_ARG_SRC_1, wrap(prepared->extra_md, src1)},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool binary_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (types.inputs.size() != 2) return decline(reason, "binary ops take two inputs");
  const DataType dt = types.inputs[0].dtype;
  if (dt != DataType::kFloat32 && dt != DataType::kBFloat16)
    return decline(reason,
                   node.op_type + " of " + std::string(dtype_name(dt)) + " (f32 and bf16 only)");
  if (types.inputs[1].dtype != dt || types.outputs.at(0).dtype != dt)
    return decline(reason, "inputs and output of different types");
  if (!float_type_supported(types, reason)) return false;
  return plan_binary(node.op_type, types.inputs[0].shape, types.inputs[1].shape, reason)
      .has_value();
}

}  // namespace

QRT_REGISTER_KERNEL("Add", kBackend, DataType::kFloat32, binary, binary_supported);
QRT_REGISTER_KERNEL("Sub", kBackend, DataType::kFloat32, binary, binary_supported);
QRT_REGISTER_KERNEL("Mul", kBackend, DataType::kFloat32, binary, binary_supported);
QRT_REGISTER_KERNEL("Div", kBackend, DataType::kFloat32, binary, binary_supported);
QRT_REGISTER_KERNEL("Add", kBackend, DataType::kBFloat16, binary, binary_supported);
QRT_REGISTER_KERNEL("Sub", kBackend, DataType::kBFloat16, binary, binary_supported);
QRT_REGISTER_KERNEL("Mul", kBackend, DataType::kBFloat16, binary, binary_supported);
QRT_REGISTER_KERNEL("Div", kBackend, DataType::kBFloat16, binary, binary_supported);

}  // namespace qrt::cpu
