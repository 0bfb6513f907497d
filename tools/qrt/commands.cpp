#include "commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "backends/reference/thread_pool.h"
#include "util/parse_list.h"

namespace qrt::cli {

namespace {

// A progress bar on stderr: batches done and time left.
void show_progress(int64_t done, int64_t total, std::chrono::steady_clock::time_point start) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double left =
      done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total - done) : 0;
  const int width = 30;
  const int filled = static_cast<int>(width * done / std::max<int64_t>(total, 1));
  std::fprintf(stderr, "\rcalibrating [%s%s] %lld/%lld batches, %.0f s left ",
               std::string(static_cast<size_t>(filled), '#').c_str(),
               std::string(static_cast<size_t>(width - filled), '.').c_str(),
               static_cast<long long>(done), static_cast<long long>(total), left);
  if (done == total) std::fprintf(stderr, "\n");
}

}  // namespace

data::Preprocess PreprocessFlags::get() const {
  data::Preprocess p;
  p.resize_shorter = resize;
  p.crop = crop;
  if (!mean.empty()) p.mean = util::parse_float_list(mean, ',', "--mean");
  if (!stddev.empty()) p.stddev = util::parse_float_list(stddev, ',', "--std");
  p.channels = channels;
  p.nhwc = nhwc;
  return p;
}

void add_preprocess_flags(CLI::App* app, PreprocessFlags& flags) {
  app->add_option("--resize", flags.resize, "Resize the shorter image side to this (0: keep)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--crop", flags.crop, "Center crop size (0: none)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--mean", flags.mean, "Per-channel mean after /255, comma-separated");
  app->add_option("--std", flags.stddev, "Per-channel std after /255, comma-separated");
  app->add_option("--channels", flags.channels, "1: gray, 3: RGB (0: as the data)")
      ->check(CLI::IsMember({0, 1, 3}));
  app->add_flag("--nhwc", flags.nhwc, "Images as N x H x W x C instead of N x C x H x W");
}

void add_data_flags(CLI::App* app, DataFlags& flags, const std::string& prefix) {
  const std::string dash = "--" + prefix;
  app->add_option(dash + "data", flags.spec,
                  "Data: FILE.npy, LIST.txt or DIR (images + 'path label' list), "
                  "fashion-mnist:[DIR:]SPLIT, fashion-mnist-seg:[DIR:]SPLIT");
  app->add_option(dash + "labels", flags.labels, "Labels .npy for .npy data");
  app->add_option(dash + "batch-size", flags.batch_size, "Samples per batch")
      ->check(CLI::PositiveNumber);
}

BuilderConfig BuildFlags::config() {
  BuilderConfig c;
  c.precision = precision;
  if (!batch.empty()) c.batch = parse_batch_profile(batch);
  for (const std::string& text : shapes) c.input_shapes.push_back(parse_shape_profile(text));
  c.backends.clear();
  std::stringstream ss(backends);
  std::string b;
  while (std::getline(ss, b, ','))
    if (!b.empty()) c.backends.push_back(b);
  std::stringstream ops(disable_ops);
  while (std::getline(ops, b, ','))
    if (!b.empty()) c.disabled_ops.push_back(b);
  c.min_subgraph_size = min_subgraph_size;
  c.optimize = !no_optimize;
  c.allow_tf32 = tf32;
  c.timing_cache = timing_cache;
  c.channels_last = channels_last;
  std::stringstream layers(layer_precision);
  while (std::getline(layers, b, ',')) {
    const auto colon = b.rfind(':');
    if (colon == std::string::npos || colon == 0)
      throw Error("--layer-precision '" + b + "': expected NAME:PRECISION");
    c.layer_precision[b.substr(0, colon)] = b.substr(colon + 1);
  }
  CalibrationConfig& cal = c.calibration;
  cal.algorithm = calib_algo;
  cal.percentile = calib_percentile;
  cal.table_path = calib_table;
  cal.bias_correction = calib_bias_correction;
  if (!calib.spec.empty() && (precision == "int8" || precision == "best")) {
    std::shared_ptr<data::Dataset> dataset =
        data::open_dataset(calib.spec, preprocess->get(), calib.labels);
    const int64_t size = dataset->size(), bs = calib.batch_size;
    cal.data_name = calib.spec;
    cal.num_batches = (size + bs - 1) / bs;
    if (calib_batches > 0) cal.num_batches = std::min(cal.num_batches, calib_batches);
    // The model's single input is fed by name once the builder knows it: "" stands for it.
    cal.batch = [dataset, bs, size](int64_t i) {
      return std::map<std::string, Tensor>{
          {"", dataset->get(i * bs, std::min(bs, size - i * bs)).inputs}};
    };
    const auto start = std::chrono::steady_clock::now();
    cal.progress = [start](int64_t done, int64_t total) { show_progress(done, total, start); };
  }
  return c;
}

void add_build_flags(CLI::App* app, BuildFlags& flags) {
  app->add_option("--precision", flags.precision,
                  "fp32, fp16 or bf16 (sensitive ops stay fp32), int8 (fp32 elsewhere), best "
                  "(int8, fp16 elsewhere), or the baseline weights-int8 (fp32, weights rounded "
                  "via int8)")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16", "int8", "best", "weights-int8"}));
  app->add_option("--batch", flags.batch,
                  "Batch profile MIN:OPT:MAX (or N); default: the model's own batch dimension");
  app->add_option("--shapes", flags.shapes,
                  "Per-input profile NAME:MINxCxHxW:OPTxCxHxW:MAXxCxHxW (only the batch may "
                  "vary; the rest fix dynamic dims); repeat or comma-separate for several inputs")
      ->delimiter(',');
  add_partition_flags(app, flags);
  app->add_flag("--no-optimize", flags.no_optimize, "Skip graph passes (debugging)");
  app->add_flag(
      "--channels-last", flags.channels_last,
      "NHWC activations for the convolution family (always on when the first backend is cuda)");
  app->add_option("--layer-precision", flags.layer_precision,
                  "Per-layer overrides NAME:fp32|fp16|bf16|int8, comma-separated");
  add_data_flags(app, flags.calib, "calib-");
  app->add_option("--calib-algo", flags.calib_algo, "minmax, entropy, percentile or mse")
      ->check(CLI::IsMember({"minmax", "entropy", "percentile", "mse"}));
  app->add_option("--calib-percentile", flags.calib_percentile,
                  "Percentile for --calib-algo percentile")
      ->check(CLI::Range(0.0, 100.0));
  app->add_option("--calib-batches", flags.calib_batches, "Use at most this many batches")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--calib-table", flags.calib_table,
                  "Calibration table (TensorRT cache, or .json): used if it exists, else written");
  app->add_flag("--calib-bias-correction", flags.calib_bias_correction,
                "INT8: subtract from each layer's bias the mean shift its weight rounding causes, "
                "E[(W_q - W) x] per output channel over the calibration data (empirical bias "
                "correction; saved in, and read from, a .json --calib-table)");
  add_preprocess_flags(app, *flags.preprocess);
  app->add_flag("--tf32", flags.tf32,
                "cuda: let FP32 convolutions and matrix products use TF32 tensor cores");
  app->add_option("--timing-cache", flags.timing_cache,
                  "cuda: JSON file of tactics timed earlier on this GPU (read, then updated)");
}

void add_partition_flags(CLI::App* app, BuildFlags& flags) {
  app->add_option("--backend", flags.backends,
                  "Backends in order of preference, comma-separated (reference is always the "
                  "last resort)");
  app->add_option("--disable-ops", flags.disable_ops,
                  "Op types kept off the first backend, comma-separated (e.g. Softmax,Resize)");
  app->add_option("--min-subgraph-size", flags.min_subgraph_size,
                  "Runs of fewer nodes on one backend move to the next backend (default 3)");
}

void add_rebuild_flag(CLI::App* app, bool& flag) {
  app->add_flag("--rebuild-on-overflow", flag,
                "A batch above the engine's maximum rebuilds the engine for it (default: error)");
}

void add_threads_flag(CLI::App* app) {
  app->add_option_function<int>(
         "--threads", [](const int& n) { reference::ThreadPool::instance().set_threads(n); },
         "Threads of the reference and cpu (oneDNN) backends (default: QRT_THREADS, else every "
         "core)")
      ->check(CLI::Range(1, 1024));
}

int reference_threads() { return reference::ThreadPool::instance().threads(); }

std::shared_ptr<Engine> load_or_build(const std::string& path, const BuilderConfig& config) {
  if (Engine::is_plan(path)) return Engine::load(path);
  return Builder().build_from_onnx(path, config);
}

std::string format_bytes(size_t bytes) {
  std::ostringstream os;
  os.precision(3);
  if (bytes >= (1u << 20))
    os << static_cast<double>(bytes) / (1 << 20) << " MiB";
  else if (bytes >= 1024)
    os << static_cast<double>(bytes) / 1024 << " KiB";
  else
    os << bytes << " B";
  return os.str();
}

}  // namespace qrt::cli
