#include "util/parse_list.h"

#include <sstream>

namespace qrt::util {

namespace {
template <typename T, typename Parse>
std::vector<T> parse_list(const std::string& text, char separator, const std::string& what,
                          Parse parse) {
  std::vector<T> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, separator)) {
    size_t used = 0;
    T v{};
    try {
      v = parse(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size())
      throw Error(what + " '" + text + "': '" + item + "' is not a number");
    out.push_back(v);
  }
  return out;
}
}  // namespace

std::vector<int64_t> parse_int_list(const std::string& text, char separator,
                                    const std::string& what) {
  return parse_list<int64_t>(text, separator, what, [](const std::string& s, size_t* used) {
    return std::stoll(s, used);
  });
}

std::vector<float> parse_float_list(const std::string& text, char separator,
                                    const std::string& what) {
  return parse_list<float>(text, separator, what,
                           [](const std::string& s, size_t* used) { return std::stof(s, used); });
}

}  // namespace qrt::util
