// Small helpers shared by the tests/unit/ops_*_test.cpp files: typed tensor construction,
// element extraction and error-message checks on top of op_test_util.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "op_test_util.h"
#include "qrt/tensor.h"

namespace qrt::test {

using Attrs = std::map<std::string, ir::AttributeValue>;
using Ints = std::vector<int64_t>;

// Spatial parameters of a conv/pool test case, up to 3 axes, as given to the op.
struct Spatial {
  Ints kernel, strides, dilations, pads;  // pads: begin..., end...
};

// Pads a per-axis list to 3 axes with `fill` in front (1-D/2-D cases become 3-D).
inline std::array<int64_t, 3> to3(const Ints& v, int64_t fill) {
  std::array<int64_t, 3> r{fill, fill, fill};
  for (size_t i = 0; i < v.size(); ++i) r[3 - v.size() + i] = v[i];
  return r;
}

inline Tensor make_f64(std::vector<int64_t> shape, const std::vector<double>& v) {
  return Tensor::from_vector(DataType::kFloat64, std::move(shape), v);
}
inline Tensor make_i32(std::vector<int64_t> shape, const std::vector<int32_t>& v) {
  return Tensor::from_vector(DataType::kInt32, std::move(shape), v);
}
inline Tensor make_bool(std::vector<int64_t> shape, const std::vector<uint8_t>& v) {
  return Tensor::from_vector(DataType::kBool, std::move(shape), v);
}
inline Tensor scalar_i64(int64_t v) { return make_i64({}, {v}); }
inline Tensor scalar_f32(float v) { return make_f32({}, {v}); }

// A float32 tensor whose elements are 0, 1, 2, ... (so values show where elements moved).
inline Tensor iota_f32(std::vector<int64_t> shape) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::iota(t.data_as<float>(), t.data_as<float>() + t.numel(), 0.f);
  return t;
}

// The elements of t, which must have element type `dtype` (T is its storage type).
template <typename T>
std::vector<T> values_of(const Tensor& t, DataType dtype) {
  EXPECT_EQ(t.dtype(), dtype) << "got element type " << dtype_name(t.dtype());
  if (t.dtype() != dtype) return {};
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}
inline std::vector<float> f32_values(const Tensor& t) {
  return values_of<float>(t, DataType::kFloat32);
}
inline std::vector<int64_t> i64_values(const Tensor& t) {
  return values_of<int64_t>(t, DataType::kInt64);
}
inline std::vector<uint8_t> bool_values(const Tensor& t) {
  return values_of<uint8_t>(t, DataType::kBool);
}

// Expects exactly these elements and shape (integer and bool tensors).
template <typename T>
void expect_values(const Tensor& t, DataType dtype, const std::vector<int64_t>& shape,
                   const std::vector<T>& expected) {
  EXPECT_EQ(t.shape(), shape);
  EXPECT_EQ(values_of<T>(t, dtype), expected);
}
inline void expect_i64(const Tensor& t, const std::vector<int64_t>& shape,
                       const std::vector<int64_t>& expected) {
  expect_values(t, DataType::kInt64, shape, expected);
}
inline void expect_bool(const Tensor& t, const std::vector<int64_t>& shape,
                        const std::vector<uint8_t>& expected) {
  expect_values(t, DataType::kBool, shape, expected);
}

// Expects a float32 tensor of the given shape whose elements are within tol of `expected`
// (NaN matches NaN, infinities must be equal).
inline void expect_f32(const Tensor& t, const std::vector<int64_t>& shape,
                       const std::vector<float>& expected, float tol = 1e-6f) {
  EXPECT_EQ(t.shape(), shape);
  const auto got = f32_values(t);
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(got[i])) << "element " << i;
    else if (std::isinf(expected[i]))
      EXPECT_EQ(got[i], expected[i]) << "element " << i;
    else
      EXPECT_NEAR(got[i], expected[i], tol * std::max(1.f, std::fabs(expected[i])))
          << "element " << i;
  }
}

// The message of the qrt::Error that fn throws ("" when it throws none).
inline std::string error_message(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Expects run_op to throw a qrt::Error naming the test node and containing `fragment`.
inline void expect_op_error(const std::string& op, const std::vector<Tensor>& inputs,
                            const std::map<std::string, ir::AttributeValue>& attrs,
                            const std::string& fragment, size_t num_outputs = 1) {
  const std::string msg = error_message([&] { run_op(op, inputs, attrs, num_outputs); });
  EXPECT_NE(msg.find(op + " 'test_" + op + "'"), std::string::npos) << msg;
  EXPECT_NE(msg.find(fragment), std::string::npos) << msg;
}

}  // namespace qrt::test
