// Array conversions between float and half: bit for bit the scalar conversions.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "qrt/types.h"

namespace qrt {
namespace {

TEST(HalfArrays, MatchTheScalarConversionsBitForBit) {
  // Every half value (NaNs included), converted in arrays of odd length.
  std::vector<uint16_t> halves(65536 + 3);
  for (size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<uint16_t>(i);
  std::vector<float> floats(halves.size());
  half_to_float(halves.data(), floats.data(), halves.size());
  for (size_t i = 0; i < halves.size(); ++i) {
    const float expected = half_to_float(halves[i]);
    ASSERT_EQ(0, std::memcmp(&floats[i], &expected, 4)) << std::hex << halves[i];
  }
  // Random bit patterns plus rounding ties, overflow, subnormals and NaN payloads.
  std::mt19937 gen(13);
  std::vector<uint32_t> bits(200003);
  for (uint32_t& b : bits) b = gen();
  const std::vector<uint32_t> special = {0x00000000u, 0x80000000u, 0x477ff000u, 0x477fefffu,
                                         0x7f800000u, 0xff800000u, 0x7fc00001u, 0x7fa12345u,
                                         0x33000000u, 0x33000001u, 0x38800000u, 0x387fe000u,
                                         0x3f801000u, 0x3f803000u, 0xffffffffu};
  bits.insert(bits.begin() + 5, special.begin(), special.end());
  std::vector<float> values(bits.size());
  std::memcpy(values.data(), bits.data(), bits.size() * 4);
  std::vector<uint16_t> rounded(values.size());
  float_to_half(values.data(), rounded.data(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(rounded[i], float_to_half(values[i])) << std::hex << bits[i];
}

}  // namespace
}  // namespace qrt
