// The f32 epilogue of qrt's int8 compute ops, exactly as docs/quantization.md writes it:
//   out = float(acc) * (in_scale * scale[c]) + bias[c]     (ChannelDequant)
//   out = out + float(r_q) * r_scale  or  out + r          (Int8Output: residual)
//   out = activation(out)
//   y   = saturate_i8(rint(out * (1 / y_scale)))  or  out  (y_scale > 0, or 0 for f32)
// Each multiply is rounded on its own (mul_rn, or stored before use in write_run): no FMA
// contraction.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/int8_numerics.h"

namespace qrt::reference {

// Residual, activation and store of output 0 of an int8 op.
class Int8Output {
 public:
  // residual_input: the index of the optional residual R (i8 or f32), or -1 for none.
  Int8Output(const KernelArgs& args, int residual_input) {
    const ir::Node& node = args.node;
    const std::string activation = node.attr_string("activation", "");
    if (activation == "relu") {
      lo_ = 0.f;
    } else if (activation == "clip") {
      lo_ = node.attr_float("clip_min", -std::numeric_limits<float>::infinity());
      hi_ = node.attr_float("clip_max", std::numeric_limits<float>::infinity());
    }
    clamps_ = !activation.empty();
    if (residual_input >= 0 && args.has_in(static_cast<size_t>(residual_input))) {
      const Tensor& r = args.in(static_cast<size_t>(residual_input));
      if (r.dtype() == DataType::kInt8) {
        r_i8_ = r.data_as<int8_t>();
        r_scale_ = node.attr_float("r_scale", 0.f);
      } else {
        r_f32_ = r.data_as<float>();
      }
    }
    Tensor& y = args.out(0);
    if (y.dtype() == DataType::kInt8) {
      y_i8_ = y.data_as<int8_t>();
      inv_y_scale_ = 1.f / node.attr_float("y_scale", 0.f);
    } else {
      y_f32_ = y.data_as<float>();
    }
  }

  // Finishes the `count` output elements from flat index i on (also the residual's), all of
  // one channel, from their int32 sums: v = float(acc) * multiplier + bias (ChannelDequant),
  // then as write(). The same arithmetic in stages over blocks, so that the loops vectorise:
  // every product is stored before the add that uses it, so no FMA can form (as mul_rn).
  void write_run(int64_t i, const int32_t* acc, int64_t count, float multiplier, float bias) const;

  // Finishes output element i (flat index, also the residual's) from its value `v` before the
  // residual.
  void write(int64_t i, float v) const {
    if (r_i8_)
      v = v + mul_rn(static_cast<float>(r_i8_[i]), r_scale_);
    else if (r_f32_)
      v = v + r_f32_[i];
    // max(v, lo) then min(v, hi); relu is lo = 0 with hi = +inf.
    if (clamps_) {
      if (v < lo_) v = lo_;
      if (v > hi_) v = hi_;
    }
    if (y_i8_)
      y_i8_[i] = saturate<int8_t>(std::nearbyint(v * inv_y_scale_));
    else
      y_f32_[i] = v;
  }

 private:
  bool clamps_ = false;
  float lo_ = -std::numeric_limits<float>::infinity();
  float hi_ = std::numeric_limits<float>::infinity();
  const int8_t* r_i8_ = nullptr;
  const float* r_f32_ = nullptr;
  float r_scale_ = 0.f;
  int8_t* y_i8_ = nullptr;
  float* y_f32_ = nullptr;
  float inv_y_scale_ = 0.f;
};

// float(acc) * m[c] + bias[c] with m[c] = in_scale * scales[c] computed once per channel (an
// absent bias adds 0).
class ChannelDequant {
 public:
  // The operand scale attribute `in_scale_attr`, per-channel scales at input 2, bias at 3.
  ChannelDequant(const KernelArgs& args, const char* in_scale_attr) {
    const float in_scale = args.node.attr_float(in_scale_attr, 0.f);
    const Tensor& scales = args.in(2);
    const float* s = scales.data_as<float>();
    multipliers_.resize(static_cast<size_t>(scales.numel()));
    for (size_t c = 0; c < multipliers_.size(); ++c) multipliers_[c] = in_scale * s[c];
    bias_.assign(multipliers_.size(), 0.f);
    if (args.has_in(3)) {
      const float* b = args.in(3).data_as<float>();
      bias_.assign(b, b + bias_.size());
    }
  }

  float operator()(int32_t acc, int64_t c) const {
    return mul_rn(static_cast<float>(acc), multipliers_[c]) + bias_[c];
  }
  float multiplier(int64_t c) const { return multipliers_[static_cast<size_t>(c)]; }
  float bias(int64_t c) const { return bias_[static_cast<size_t>(c)]; }

 private:
  std::vector<float> multipliers_;
  std::vector<float> bias_;
};

}  // namespace qrt::reference
