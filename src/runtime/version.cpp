#include "qrt/engine.h"

namespace qrt {
const char* version() { return QRT_VERSION; }
}  // namespace qrt
