// cpu MaxPool, AveragePool and GlobalAveragePool (2-D; f32 and bf16 (averages summed in f32,
// rounded once), and MaxPool also on int8, whose maximum is exact): one oneDNN pooling over the
// node's activation layout (NCHW, NHWC, or the blocked layout the build chose for its run of cpu
// nodes).
#include "backends/cpu/dnnl_util.h"
#include "ops/channels_last.h"
#include "ops/spatial_geometry.h"

namespace qrt::cpu {
namespace {

using tag = dnnl::memory::format_tag;

struct PoolShapes {
  dnnl::memory::dims src, dst, kernel, strides, dilates, pad_l, pad_r;
  dnnl::algorithm algorithm = dnnl::algorithm::pooling_max;
};

PoolShapes pool_shapes(const ir::Node& node, const std::vector<int64_t>& x_shape) {
  const std::vector<int64_t> x =
      ops::is_channels_last(node) ? ops::permute_dims(x_shape, ops::kNhwcToNchw) : x_shape;
  PoolShapes s;
  s.src = {x[0], x[1], x[2], x[3]};
  if (node.op_type == "GlobalAveragePool") {
    s.dst = {x[0], x[1], 1, 1};
    s.kernel = {x[2], x[3]};
    s.strides = {1, 1};
    s.dilates = s.pad_l = s.pad_r = {0, 0};
    s.algorithm = dnnl::algorithm::pooling_avg_exclude_padding;
    return s;
  }
  const std::vector<int64_t> spatial(x.begin() + 2, x.end());
  const ops::SpatialGeometry g = ops::sliding_window_geometry(
      node, spatial, node.attr_ints("kernel_shape"), node.attr_int("ceil_mode", 0) != 0);
  s.dst = {x[0], x[1], g.output[0], g.output[1]};
  for (size_t i = 0; i < 2; ++i) {
    s.kernel.push_back(g.kernel[i]);
    s.strides.push_back(g.strides[i]);
    s.dilates.push_back(g.dilations[i] - 1);
    s.pad_l.push_back(g.pads_begin[i]);
    const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    s.pad_r.push_back((g.output[i] - 1) * g.strides[i] + extent - g.input[i] - g.pads_begin[i]);
  }
  if (node.op_type == "AveragePool")
    s.algorithm = node.attr_int("count_include_pad", 0) != 0
                      ? dnnl::algorithm::pooling_avg_include_padding
                      : dnnl::algorithm::pooling_avg_exclude_padding;
  return s;
}

void pool(const KernelArgs& args) {
  const tag act_tag = activation_tag(args.node);
  auto prepared = prepare(args, shape_key(args), [&] {
    const PoolShapes s = pool_shapes(args.node, args.in(0).shape());
    const auto dt = dnnl_type(args.in(0).dtype());
    const dnnl::memory::desc src(s.src, dt, act_tag), dst(s.dst, dt, act_tag);
    const dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, s.algorithm, src,
                                              dst, s.strides, s.kernel, s.dilates, s.pad_l,
                                              s.pad_r);
    Prepared p;
    p.primitive =
        dnnl::pooling_v2_forward(dnnl::pooling_v2_forward::primitive_desc(desc, cpu_engine()));
    p.src_md = src;
    p.dst_md = dst;
    return p;
  });
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool pool_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  if (types.inputs.at(0).shape.size() != 4)
    return decline(reason, "oneDNN pooling here is 2-D (rank-4 input)");
  if (node.outputs.size() > 1 && node.outputs[1])
    return decline(reason, "MaxPool's Indices output is not supported");
  if (node.op_type == "GlobalAveragePool") return true;
  const PoolShapes s = pool_shapes(node, types.inputs[0].shape);
  for (size_t i = 0; i < 2; ++i) {
    const int64_t extent = (s.kernel[i] - 1) * (s.dilates[i] + 1) + 1;
    // A window entirely in the padding has no ONNX meaning oneDNN shares.
    if (s.pad_l[i] >= extent || s.pad_r[i] >= extent)
      return decline(reason, "padding as large as the window");
  }
  if (s.algorithm == dnnl::algorithm::pooling_avg_include_padding &&
      node.attr_int("ceil_mode", 0) != 0)
    return decline(reason, "AveragePool with ceil_mode and count_include_pad");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("MaxPool", kBackend, DataType::kFloat32, pool, pool_supported);
QRT_REGISTER_KERNEL("MaxPool", kBackend, DataType::kInt8, pool, pool_supported);
QRT_REGISTER_KERNEL("AveragePool", kBackend, DataType::kFloat32, pool, pool_supported);
QRT_REGISTER_KERNEL("GlobalAveragePool", kBackend, DataType::kFloat32, pool, pool_supported);
QRT_REGISTER_KERNEL("MaxPool", kBackend, DataType::kBFloat16, pool, pool_supported);
QRT_REGISTER_KERNEL("AveragePool", kBackend, DataType::kBFloat16, pool, pool_supported);
QRT_REGISTER_KERNEL("GlobalAveragePool", kBackend, DataType::kBFloat16, pool, pool_supported);

}  // namespace qrt::cpu
