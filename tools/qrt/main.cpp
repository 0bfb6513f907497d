// qrt: build, run, bench and inspect inference engines. Each subcommand lives in its own file.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"qrt: turns ONNX models into fast inference engines"};
  app.set_version_flag("--version", std::string(qrt::version()));
  app.require_subcommand(1);
  // One line per error, naming what is wrong.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("qrt: error: ") + e.what() + " (see --help)\n";
  });
  const std::vector<qrt::cli::Command> commands = {
      qrt::cli::add_build_command(app),     qrt::cli::add_run_command(app),
      qrt::cli::add_bench_command(app),     qrt::cli::add_inspect_command(app),
      qrt::cli::add_eval_command(app),      qrt::cli::add_compare_command(app),
      qrt::cli::add_export_qdq_command(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (const auto& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "qrt: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
