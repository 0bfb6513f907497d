// Registration of the CLI's subcommands; one file per subcommand (cmd_*.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <vector>

namespace qrt::cli {

// Adds every subcommand to `app`; actions[i] runs app.get_subcommands({})[i].
void register_commands(CLI::App& app, std::vector<std::function<int()>>& actions);

}  // namespace qrt::cli
