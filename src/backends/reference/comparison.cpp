// Broadcasting comparisons (bool results) and logical / bitwise ops.
#include <string>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

using ComparableTypes = DTypes<DataType::kFloat32, DataType::kFloat64, DataType::kInt32,
                               DataType::kInt64, DataType::kBool>;
using BoolType = DTypes<DataType::kBool>;

QRT_REFERENCE_KERNELS("Equal", ComparableTypes{},
                      binary_kernel([](auto a, auto b) { return a == b; }));
QRT_REFERENCE_KERNELS("Less", NumericTypes{}, binary_kernel([](auto a, auto b) { return a < b; }));
QRT_REFERENCE_KERNELS("LessOrEqual", NumericTypes{},
                      binary_kernel([](auto a, auto b) { return a <= b; }));
QRT_REFERENCE_KERNELS("Greater", NumericTypes{},
                      binary_kernel([](auto a, auto b) { return a > b; }));
QRT_REFERENCE_KERNELS("GreaterOrEqual", NumericTypes{},
                      binary_kernel([](auto a, auto b) { return a >= b; }));

// Bools are stored as 0 / 1 bytes.
QRT_REFERENCE_KERNELS("And", BoolType{},
                      binary_kernel([](auto a, auto b) { return (a & b) != 0; }));
QRT_REFERENCE_KERNELS("Or", BoolType{}, binary_kernel([](auto a, auto b) { return (a | b) != 0; }));
QRT_REFERENCE_KERNELS("Xor", BoolType{}, binary_kernel([](auto a, auto b) { return a != b; }));
QRT_REFERENCE_KERNELS("Not", BoolType{}, unary_kernel([](auto x) { return x == 0; }));

// BitShift is defined on unsigned types only; shifting by the bit width or more gives 0.
QRT_REFERENCE_KERNELS("BitShift", DTypes<DataType::kUInt8>{},
                      binary_kernel_with_attrs([](const ir::Node& node) {
                        const bool left = node.attr_string("direction", "") == "LEFT";
                        return [left](uint8_t x, uint8_t n) {
                          if (n >= 8) return uint8_t{0};
                          return static_cast<uint8_t>(left ? x << n : x >> n);
                        };
                      }));

}  // namespace
}  // namespace qrt::reference
