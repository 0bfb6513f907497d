// cpu qrt.Reorder: one oneDNN reorder of a 4-D activation (logical NHWC shape) between the
// layouts named by "from" and "to" ("nhwc", "nChw16c", ...), at the border of a run of cpu nodes
// that keep a blocked layout (dnnl_util.h). Blocked buffers pad the channels up to the block
// (value_bytes); a reorder into a blocked layout writes zeros there.
#include "backends/cpu/dnnl_util.h"
#include "ops/channels_last.h"

namespace qrt::cpu {
namespace {

void reorder(const KernelArgs& args) {
  auto prepared = prepare(args, shape_key(args), [&] {
    const std::vector<int64_t> nchw = ops::permute_dims(args.in(0).shape(), ops::kNhwcToNchw);
    const DataType dt = args.in(0).dtype();
    Prepared p;
    p.src_md = plain_desc(nchw, dt, layout_tag(args.node.attr_string("from", "")));
    p.dst_md = plain_desc(nchw, dt, layout_tag(args.node.attr_string("to", "")));
    p.primitive = dnnl::reorder(
        dnnl::reorder::primitive_desc(cpu_engine(), p.src_md, cpu_engine(), p.dst_md));
    return p;
  });
  execute(*prepared, {{DNNL_ARG_FROM, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_TO, wrap(prepared->dst_md, args.out(0))}});
}

bool reorder_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (types.inputs.at(0).shape.size() != 4) return decline(reason, "Reorder is 4-D only");
  for (const char* attr : {"from", "to"}) {
    const std::string name = node.attr_string(attr, "");
    const int64_t block = layout_block(name);
    if (name != "nhwc" && block == 1) return decline(reason, "unknown layout '" + name + "'");
  }
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Reorder", kBackend, DataType::kUndefined, reorder, reorder_supported);

}  // namespace qrt::cpu
