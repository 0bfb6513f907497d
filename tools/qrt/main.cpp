// qrt: build, run, bench and inspect inference engines. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.h"
#include "qrt/engine.h"

int main(int argc, char** argv) {
  CLI::App app{"qrt: turns ONNX models into fast inference engines"};
  app.set_version_flag("--version", std::string(qrt::version()));
  app.require_subcommand(1);
  std::vector<std::function<int()>> actions;
  qrt::cli::register_commands(app, actions);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto* sub : app.get_subcommands())
      for (size_t i = 0; i < app.get_subcommands({}).size(); ++i)
        if (app.get_subcommands({})[i] == sub) return actions.at(i)();
  } catch (const qrt::Error& e) {
    std::cerr << "qrt: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "qrt: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
