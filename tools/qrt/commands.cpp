#include "commands.h"

namespace qrt::cli {

void register_commands(CLI::App&, std::vector<std::function<int()>>&) {}

}  // namespace qrt::cli
