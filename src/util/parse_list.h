// Lists of numbers in flags ("1,8,64", "1:8:64", "0.5,0.5,0.5"): one parser for every flag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qrt/types.h"

namespace qrt::util {

// Splits `text` at `separator` and parses every item whole; throws qrt::Error
// "<what> '<text>': '<item>' is not a number" on the first item that is not.
std::vector<int64_t> parse_int_list(const std::string& text, char separator,
                                    const std::string& what);
std::vector<float> parse_float_list(const std::string& text, char separator,
                                    const std::string& what);

}  // namespace qrt::util
