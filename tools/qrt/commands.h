// The CLI's subcommands, one file each (cmd_*.cpp), plus options they share.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
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
Command add_eval_command(CLI::App& parent);
Command add_compare_command(CLI::App& parent);
Command add_export_qdq_command(CLI::App& parent);

// Dataset options shared by calibration and evaluation (see data/dataset.h for the specs).
struct DataFlags {
  std::string spec;
  std::string labels;
  int64_t batch_size = 32;
  std::unique_ptr<data::Dataset> open() const;
};
// Image preprocessing, shared by both datasets of a command.
struct PreprocessFlags {
  int64_t resize = 0, crop = 0;
  std::string mean, stddev;  // comma-separated, one or per channel
  int channels = 0;
  bool nhwc = false;
  data::Preprocess get() const;
};
// `prefix` "calib-" gives --calib-data, --calib-labels, --calib-batch-size; "" gives --data, ...
void add_data_flags(CLI::App* app, DataFlags& flags, const std::string& prefix);
void add_preprocess_flags(CLI::App* app, PreprocessFlags& flags);

// Build options shared by the commands that accept an ONNX model.
struct BuildFlags {
  std::string precision = "fp32";
  std::string batch;                // MIN:OPT:MAX, empty = from the model
  std::vector<std::string> shapes;  // NAME:MINxCxHxW:OPT...:MAX..., per input
  std::string backends = "reference";
  std::string disable_ops;  // Op1,Op2: kept off the first backend
  int64_t min_subgraph_size = 3;
  bool no_optimize = false;
  bool channels_last = false;
  std::string layer_precision;  // NAME:PREC,...
  DataFlags calib;
  std::string calib_algo = "entropy";
  double calib_percentile = 99.99;
  int64_t calib_batches = 0;  // 0: all the data
  std::string calib_table;
  bool calib_bias_correction = false;
  bool tf32 = false;
  std::string timing_cache;
  std::shared_ptr<PreprocessFlags> preprocess = std::make_shared<PreprocessFlags>();

  // The builder's configuration; opens the calibration data when INT8 needs it.
  BuilderConfig config();
};
void add_build_flags(CLI::App* app, BuildFlags& flags);
// --backend, --disable-ops, --min-subgraph-size (part of add_build_flags; alone for `run`).
void add_partition_flags(CLI::App* app, BuildFlags& flags);

// --rebuild-on-overflow for the commands that run engines.
void add_rebuild_flag(CLI::App* app, bool& flag);

// --threads N: the reference backend's worker threads for this command (QRT_THREADS sets the
// default); applied while the command line is parsed, before anything runs.
void add_threads_flag(CLI::App* app);
// The reference backend's thread count now (recorded with timings).
int reference_threads();

// A plan is loaded as is; anything else is built as an ONNX model with `config`.
std::shared_ptr<Engine> load_or_build(const std::string& path, const BuilderConfig& config);

// "12.3 MiB"
std::string format_bytes(size_t bytes);

}  // namespace qrt::cli
