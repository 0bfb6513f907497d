// Reference Pad for any element type: each output index maps, per dim, to an input index or
// to "constant"; elements are copied as raw values of their byte size.
#include "ops/pad.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

// Input index (or -1 for the constant) of every output position along one dim.
std::vector<int64_t> source_indices(const std::string& mode, int64_t size, int64_t begin,
                                    int64_t end) {
  // Negative pads crop first; the kept input range is [lo, lo + kept).
  const int64_t lo = std::max<int64_t>(0, -begin);
  const int64_t kept = size - lo - std::max<int64_t>(0, -end);
  const int64_t before = std::max<int64_t>(0, begin);
  const int64_t out = size + begin + end;
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    int64_t i = o - before;  // index into the kept range, may lie outside it
    if (i < 0 || i >= kept) {
      if (mode == "constant") {
        map[o] = -1;
        continue;
      }
      if (mode == "edge") {
        i = std::clamp<int64_t>(i, 0, kept - 1);
      } else if (mode == "wrap") {
        i = ((i % kept) + kept) % kept;
      } else if (kept == 1) {  // reflect of a single value repeats it
        i = 0;
      } else {  // reflect: mirror without repeating the edge, period 2 * (kept - 1)
        const int64_t period = 2 * (kept - 1);
        i = ((i % period) + period) % period;
        if (i >= kept) i = period - i;
      }
    }
    map[o] = lo + i;
  }
  return map;
}

template <typename U>  // an unsigned integer of the element's size
void pad_typed(const KernelArgs& args, const ops::PadAmounts& p, const std::string& mode) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  const std::vector<int64_t>& in_shape = x.shape();
  const size_t rank = in_shape.size();
  U constant{};
  if (args.has_in(2)) std::memcpy(&constant, args.in(2).data(), sizeof(U));
  const U* xp = static_cast<const U*>(x.data());
  U* yp = static_cast<U*>(y.data());
  if (rank == 0) {
    yp[0] = xp[0];
    return;
  }
  std::vector<std::vector<int64_t>> maps;
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = 0; d < rank; ++d)
    maps.push_back(source_indices(mode, in_shape[d], p.begin[d], p.end[d]));
  for (size_t d = rank - 1; d-- > 0;) in_stride[d] = in_stride[d + 1] * in_shape[d + 1];
  const std::vector<int64_t>& inner_map = maps.back();
  const int64_t inner = static_cast<int64_t>(inner_map.size());
  const int64_t rows = inner ? y.numel() / inner : 0;
  std::vector<int64_t> index(rank - 1, 0);  // output index over the outer dims
  for (int64_t r = 0; r < rows; ++r, yp += inner) {
    int64_t offset = 0;
    bool is_constant = false;
    for (size_t d = 0; d + 1 < rank; ++d) {
      const int64_t src = maps[d][index[d]];
      if (src < 0) is_constant = true;
      offset += src * in_stride[d];
    }
    for (int64_t o = 0; o < inner; ++o)
      yp[o] = is_constant || inner_map[o] < 0 ? constant : xp[offset + inner_map[o]];
    for (size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < static_cast<int64_t>(maps[d].size())) break;
      index[d] = 0;
    }
  }
}

void pad(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const ops::PadAmounts p = ops::resolve_pads(args.node, static_cast<int64_t>(x.rank()), args.in(1),
                                              args.has_in(3) ? &args.in(3) : nullptr);
  const std::string mode = args.node.attr_string("mode", "constant");
  switch (dtype_size(x.dtype())) {
    case 1:
      return pad_typed<uint8_t>(args, p, mode);
    case 2:
      return pad_typed<uint16_t>(args, p, mode);
    case 4:
      return pad_typed<uint32_t>(args, p, mode);
    case 8:
      return pad_typed<uint64_t>(args, p, mode);
    default:
      throw Error(args.node.describe() + ": unsupported element type");
  }
}

}  // namespace

QRT_REGISTER_KERNEL("Pad", "reference", DataType::kUndefined, pad);

}  // namespace qrt::reference
