// The CLI's subcommands, one file each (cmd_*.cpp), plus options they share.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "qrt/engine.h"

namespace qrt::cli {

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_build_command(CLI::App& parent);
Command add_run_command(CLI::App& parent);
Command add_bench_command(CLI::App& parent);
Command add_inspect_command(CLI::App& parent);

// Build options shared by the commands that accept an ONNX model.
struct BuildFlags {
  std::string precision = "fp32";
  std::string batch;  // MIN:OPT:MAX, empty = from the model
  std::string backends = "reference";
  bool no_optimize = false;
  BuilderConfig config() const;
};
void add_build_flags(CLI::App* app, BuildFlags& flags);

// A plan is loaded as is; anything else is built as an ONNX model with `config`.
std::shared_ptr<Engine> load_or_build(const std::string& path, const BuilderConfig& config);

// "12.3 MiB"
std::string format_bytes(size_t bytes);

}  // namespace qrt::cli
