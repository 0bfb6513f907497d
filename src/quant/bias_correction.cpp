#include "quant/bias_correction.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "io/printable.h"
#include "ops/spatial_geometry.h"

namespace qrt::quant {

namespace {

__extension__ typedef __int128 Int128;

// Values are summed as integer multiples of 2^-kFracBits: exact, so in any order. |x| < 2^40
// keeps 2^40 x 2^60 = 2^100 per value and 2^27 values per element below 2^127.
constexpr int kFracBits = 60;
constexpr double kMaxAbs = 1099511627776.0;  // 2^40

bool is_layer(const ir::Node& n) {
  return n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
         n.op_type == "MatMul";
}

MeanOver mean_over(const ir::Node& n) {
  return n.op_type == "Conv" || n.op_type == "ConvTranspose" ? MeanOver::kBatch : MeanOver::kRows;
}

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// sum over output positions of the convolution (or transposed convolution) of one mean image
// with dw, per output channel, divided by the number of output positions.
std::vector<double> conv_correction(const ir::Node& node, const std::vector<double>& mean,
                                    const std::vector<int64_t>& sample,
                                    const std::vector<double>& dw,
                                    const std::vector<int64_t>& wshape, int64_t channels) {
  const bool transposed = node.op_type == "ConvTranspose";
  const int64_t group = node.attr_int("group", 1);
  if (sample.size() < 2 || wshape.size() != sample.size() + 1)
    throw Error(node.describe() + ": bias correction: input rank " +
                std::to_string(sample.size() + 1) + " does not match the weights' rank " +
                std::to_string(wshape.size()));
  const int64_t cin = sample[0];
  const std::vector<int64_t> in_spatial(sample.begin() + 1, sample.end());
  const std::vector<int64_t> w_spatial(wshape.begin() + 2, wshape.end());
  const std::vector<int64_t> kernel = ops::kernel_from_weights(node, w_spatial);
  const ops::SpatialGeometry g =
      transposed ? ops::conv_transpose_geometry(node, in_spatial, kernel)
                 : ops::sliding_window_geometry(node, in_spatial, kernel, false);
  const size_t rank = g.rank();
  int64_t in_positions = 1, out_positions = 1, k_positions = 1;
  for (size_t d = 0; d < rank; ++d) {
    in_positions *= g.input[d];
    out_positions *= g.output[d];
    k_positions *= g.kernel[d];
  }
  const int64_t cin_g = cin / group;
  const int64_t cout_g = channels / group;
  if (cin_g * group != cin || cout_g * group != channels ||
      wshape[1] != (transposed ? cout_g : cin_g) || wshape[0] != (transposed ? cin : channels))
    throw Error(node.describe() + ": bias correction: weights " + shape_to_string(wshape) +
                " do not fit an input of " + std::to_string(cin) + " channels");
  std::vector<double> sums(static_cast<size_t>(channels), 0.0);
  const auto in_strides = strides_of(g.input);
  // Every (input position, kernel offset) pair that meets inside the output (transposed) or
  // every (output position, kernel offset) pair that meets inside the input (convolution)
  // contributes mean[ci, in] * dw[.., k] to the output channel.
  auto for_each_index = [](const std::vector<int64_t>& dims, auto&& fn) {
    std::vector<int64_t> idx(dims.size(), 0);
    int64_t total = 1;
    for (int64_t d : dims) total *= d;
    for (int64_t n = 0; n < total; ++n) {
      fn(idx);
      for (size_t d = dims.size(); d-- > 0;) {
        if (++idx[d] < dims[d]) break;
        idx[d] = 0;
      }
    }
  };
  // For each (position on the iterated side, kernel offset): the input position read, or -1.
  const std::vector<int64_t>& iterated = transposed ? g.input : g.output;
  for_each_index(iterated, [&](const std::vector<int64_t>& p) {
    for_each_index(g.kernel, [&](const std::vector<int64_t>& k) {
      int64_t in_offset = 0;
      for (size_t d = 0; d < rank; ++d) {
        const int64_t q = p[d] * g.strides[d] - g.pads_begin[d] + k[d] * g.dilations[d];
        // Convolution: q is the input position read. Transposed: q is the output position
        // written, which must exist; the input position is p.
        if (q < 0 || q >= (transposed ? g.output[d] : g.input[d])) return;
        in_offset += (transposed ? p[d] : q) * in_strides[d];
      }
      int64_t k_offset = 0;
      for (size_t d = 0; d < rank; ++d) k_offset = k_offset * g.kernel[d] + k[d];
      for (int64_t gi = 0; gi < group; ++gi)
        for (int64_t ci = 0; ci < cin_g; ++ci) {
          const double x = mean[static_cast<size_t>((gi * cin_g + ci) * in_positions + in_offset)];
          if (x == 0.0) continue;
          for (int64_t co = 0; co < cout_g; ++co) {
            // Conv W [M, C/g, k..]; ConvTranspose W [C, M/g, k..].
            const int64_t widx = transposed ? ((gi * cin_g + ci) * cout_g + co) * k_positions
                                            : ((gi * cout_g + co) * cin_g + ci) * k_positions;
            sums[static_cast<size_t>(gi * cout_g + co)] +=
                x * dw[static_cast<size_t>(widx + k_offset)];
          }
        }
    });
  });
  for (double& s : sums) s /= static_cast<double>(out_positions);
  return sums;
}

}  // namespace

struct InputMeans::Sums {
  std::vector<int64_t> kept;
  std::vector<Int128> sum;
  int64_t count = 0;  // samples (kBatch) or rows (kRows)
};

void InputMeans::observe(const std::string& name, const Tensor& t, MeanOver over) {
  auto fail = [&](const std::string& why) {
    throw Error("bias correction: tensor '" + io::printable(name) + "': " + why);
  };
  if (t.dtype() != DataType::kFloat32) fail("not float32");
  if (t.rank() < (over == MeanOver::kBatch ? 2u : 1u)) fail("rank " + std::to_string(t.rank()));
  std::vector<int64_t> kept = over == MeanOver::kBatch
                                  ? std::vector<int64_t>(t.shape().begin() + 1, t.shape().end())
                                  : std::vector<int64_t>{t.shape().back()};
  int64_t per = 1;
  for (int64_t d : kept) per *= d;
  const int64_t rows = per ? t.numel() / per : 0;
  auto& slot = sums_[{name, over}];
  if (!slot) {
    slot = std::make_shared<Sums>();
    slot->kept = kept;
    slot->sum.assign(static_cast<size_t>(per), 0);
  } else if (slot->kept != kept) {
    fail("its shape " + shape_to_string(kept) + " per " +
         (over == MeanOver::kBatch ? "sample" : "row") + " differs from the earlier " +
         shape_to_string(slot->kept));
  }
  const float* x = t.data_as<float>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < per; ++i) {
      const float v = x[r * per + i];
      if (!(std::fabs(v) < kMaxAbs))
        fail("value " + std::to_string(v) + " is not finite or beyond 2^40");
      slot->sum[static_cast<size_t>(i)] +=
          static_cast<Int128>(std::nearbyint(std::ldexp(static_cast<double>(v), kFracBits)));
    }
  slot->count += rows;
}

std::vector<double> InputMeans::mean(const std::string& name, MeanOver over) const {
  const Sums& s = *sums_.at({name, over});
  std::vector<double> m(s.sum.size());
  for (size_t i = 0; i < m.size(); ++i)
    m[i] = std::ldexp(static_cast<double>(s.sum[i]), -kFracBits) / static_cast<double>(s.count);
  return m;
}

const std::vector<int64_t>& InputMeans::kept_shape(const std::string& name, MeanOver over) const {
  return sums_.at({name, over})->kept;
}

int64_t InputMeans::count(const std::string& name, MeanOver over) const {
  return sums_.at({name, over})->count;
}

std::vector<std::pair<std::string, MeanOver>> bias_correction_inputs(const ir::Graph& graph) {
  std::vector<std::pair<std::string, MeanOver>> out;
  for (const ir::Node* n : graph.nodes()) {
    if (!is_layer(*n) || !n->input(0) || !int8_weights(*n)) continue;
    const std::pair<std::string, MeanOver> key{n->input(0)->name, mean_over(*n)};
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  }
  return out;
}

std::vector<double> layer_bias_correction(const ir::Node& node, const std::vector<double>& mean,
                                          const std::vector<int64_t>& kept_shape) {
  std::string why;
  const auto iw = int8_weights(node, &why);
  if (!iw) throw Error(node.describe() + ": no bias correction: " + why);
  const int64_t n = iw->w.numel();
  const int64_t channels = static_cast<int64_t>(iw->scales.size());
  std::vector<double> dw(static_cast<size_t>(n));
  const float* w = iw->w.data_as<float>();
  const int8_t* q = iw->q.data_as<int8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const size_t c = static_cast<size_t>(iw->channel_of[static_cast<size_t>(i)]);
    // The dequantized weight as the int8 layer's arithmetic has it: q * scale[c], in double.
    dw[static_cast<size_t>(i)] =
        static_cast<double>(q[i]) * static_cast<double>(iw->scales[c]) - static_cast<double>(w[i]);
  }
  if (node.op_type == "Conv" || node.op_type == "ConvTranspose")
    return conv_correction(node, mean, kept_shape, dw, iw->w.shape(), channels);
  // B [K, N]: correction[n] = sum_k mean[k] (W_q - W)[k, n].
  const int64_t k_dim = iw->w.dim(0);
  if (static_cast<int64_t>(mean.size()) != k_dim)
    throw Error(node.describe() + ": bias correction: input rows of " +
                std::to_string(mean.size()) + " values for weights " +
                shape_to_string(iw->w.shape()));
  std::vector<double> out(static_cast<size_t>(channels), 0.0);
  for (int64_t k = 0; k < k_dim; ++k)
    for (int64_t c = 0; c < channels; ++c)
      out[static_cast<size_t>(c)] +=
          mean[static_cast<size_t>(k)] * dw[static_cast<size_t>(k * channels + c)];
  return out;
}

BiasCorrections compute_bias_corrections(const ir::Graph& graph, const InputMeans& means) {
  BiasCorrections out;
  for (const ir::Node* n : graph.nodes()) {
    if (!is_layer(*n) || !n->input(0) || !n->output(0)) continue;
    const MeanOver over = mean_over(*n);
    if (!means.has(n->input(0)->name, over) || !int8_weights(*n)) continue;
    const auto c = layer_bias_correction(*n, means.mean(n->input(0)->name, over),
                                         means.kept_shape(n->input(0)->name, over));
    out[n->output(0)->name] = std::vector<float>(c.begin(), c.end());
  }
  return out;
}

}  // namespace qrt::quant
