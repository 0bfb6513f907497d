// Keeps error messages on one line whatever bytes a file's names contain.
#pragma once

#include <string>

namespace qrt::io {

// Control characters (newlines included) become '?'; UTF-8 is left alone.
inline std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return text;
}

}  // namespace qrt::io
