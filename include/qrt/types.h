// Element types and the error type shared by every part of qrt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace qrt {

// Every failure qrt reports: one line naming the file / node / field and what is wrong.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DataType : uint8_t {
  kUndefined = 0,
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat64,
  kInt8,
  kUInt8,
  kInt32,
  kInt64,
  kBool,
};

// Bytes per element; 0 for kUndefined.
size_t dtype_size(DataType t);
// Short name used by the CLI, plans and messages: "f32", "f16", "bf16", "f64", "i8", "u8", ...
std::string_view dtype_name(DataType t);
std::optional<DataType> dtype_from_name(std::string_view name);
bool is_floating(DataType t);

// IEEE half and bfloat16 conversions (round to nearest even), used by kernels and I/O.
uint16_t float_to_half(float f);
float half_to_float(uint16_t h);
uint16_t float_to_bfloat16(float f);
float bfloat16_to_float(uint16_t b);
// The same conversions over arrays, bit for bit as the scalar ones but vectorised (F16C where
// the CPU has it).
void half_to_float(const uint16_t* src, float* dst, size_t n);
void float_to_half(const float* src, uint16_t* dst, size_t n);

}  // namespace qrt
