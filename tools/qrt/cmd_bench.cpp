// qrt bench PLAN|MODEL: throughput and latency percentiles per batch size, as trtexec reports.
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "commands.h"
#include "qrt/bench.h"
#include "runtime/engine_impl.h"
#include "util/parse_list.h"

namespace qrt::cli {

namespace {
std::vector<int64_t> parse_batches(const std::string& text) {
  const std::vector<int64_t> out = util::parse_int_list(text, ',', "--batch");
  for (int64_t b : out)
    if (b < 1)
      throw Error("--batch '" + text + "': " + std::to_string(b) + " is not a positive batch size");
  if (out.empty()) throw Error("--batch '" + text + "': no batch sizes");
  return out;
}
// Per-layer device times at one batch size: prints the slowest layers and the time per op type;
// returns every layer as JSON.
nlohmann::json profile_table(const Engine& engine, int64_t batch, int top) {
  auto ctx = engine.create_context();
  const auto layers = ctx->profile_layers(random_inputs(engine, batch, 1), 10);
  double total = 0;
  std::map<std::string, double> by_op;
  nlohmann::json all = nlohmann::json::array();
  for (const auto& l : layers) {
    total += l.ms;
    by_op[l.op_type] += l.ms;
    all.push_back({{"name", l.name}, {"op", l.op_type}, {"tactic", l.tactic}, {"ms", l.ms}});
  }
  auto sorted = layers;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
  std::cout << "  layers at batch " << batch << ": " << std::setprecision(3) << total
            << " ms of device time in " << layers.size() << " layers; slowest:\n";
  for (size_t i = 0; i < sorted.size() && static_cast<int>(i) < top; ++i)
    std::cout << "    " << std::setw(9) << sorted[i].ms << " ms  " << std::setw(5)
              << std::setprecision(1) << 100.0 * sorted[i].ms / total << "%  " << sorted[i].op_type
              << " '" << sorted[i].name << "' " << sorted[i].tactic << std::setprecision(3) << "\n";
  std::vector<std::pair<double, std::string>> ops;
  for (const auto& [op, ms] : by_op) ops.emplace_back(ms, op);
  std::sort(ops.rbegin(), ops.rend());
  std::cout << "  by op type:";
  for (const auto& [ms, op] : ops) std::cout << " " << op << " " << ms << " ms;";
  std::cout << "\n";
  return all;
}
}  // namespace

Command add_bench_command(CLI::App& parent) {
  struct Args {
    std::string path, batches, json_path;
    int iterations = 50, warmup = 5;
    double duration = 0;
    bool no_transfers = false, no_cuda_graph = false;
    int profile = 0;
    BuildFlags flags;
    bool rebuild = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand(
      "bench",
      "Measure throughput and latency per batch size. End to end, as trtexec: random inputs "
      "written once into the context's input buffers (pinned host memory on a GPU), copied to "
      "the device on every run, outputs copied back");
  app->add_option("engine", args->path, "Plan file or ONNX model")->required();
  app->add_option("--batch", args->batches,
                  "Batch sizes, comma-separated (default: the profile's opt)");
  app->add_option("--iterations", args->iterations, "Timed runs per batch size (at least)")
      ->check(CLI::PositiveNumber);
  app->add_option("--warmup", args->warmup, "Untimed runs first")->check(CLI::NonNegativeNumber);
  app->add_option("--duration", args->duration,
                  "Run each batch size for at least this many seconds")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--json", args->json_path, "Write the results as JSON");
  app->add_flag("--no-data-transfers", args->no_transfers,
                "GPU: time the compute alone, inputs already on the device (trtexec's "
                "--noDataTransfers)");
  app->add_option("--profile", args->profile,
                  "GPU: print the N slowest layers (device time per layer) at each batch size")
      ->check(CLI::NonNegativeNumber);
  app->add_flag("--no-cuda-graph", args->no_cuda_graph,
                "GPU: launch kernels one by one instead of replaying a CUDA graph");
  app->add_option("--precision", args->flags.precision, "Precision when building an ONNX model")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  app->add_option("--backend", args->flags.backends, "Backends when building an ONNX model");
  app->add_flag("--tf32", args->flags.tf32, "cuda: allow TF32 when building an ONNX model");
  add_rebuild_flag(app, args->rebuild);
  add_threads_flag(app);
  return {app, [args] {
            std::vector<int64_t> batches;
            if (!args->batches.empty()) batches = parse_batches(args->batches);
            BuilderConfig config = args->flags.config();
            if (!batches.empty() && !Engine::is_plan(args->path)) {
              const auto [lo, hi] = std::minmax_element(batches.begin(), batches.end());
              config.batch = BatchProfile{*lo, batches.front(), *hi};
            }
            auto engine = load_or_build(args->path, config);
            if (batches.empty()) batches = {engine->batch_profile().opt};
            std::cout << std::left << std::setw(7) << "batch" << std::setw(7) << "iters"
                      << std::setw(14) << "samples/s" << std::setw(10) << "min ms" << std::setw(10)
                      << "mean ms" << std::setw(10) << "median" << std::setw(10) << "p90"
                      << std::setw(10) << "p95" << std::setw(10) << "p99";
            if (engine->create_context()->on_gpu())
              std::cout << std::setw(12) << "gpu median" << std::setw(10) << "gpu p99"
                        << std::setw(10) << "h2d ms" << std::setw(10) << "d2h ms";
            std::cout << "\n";
            nlohmann::json results = nlohmann::json::array();
            for (int64_t b : batches) {
              if (args->rebuild && b > engine->batch_profile().max) {
                std::cerr << "qrt: " << rebuild_notice(engine->impl(), b) << "\n";
                engine = engine->rebuild_for_batch(b);
              }
              BenchOptions opt;
              opt.batch = b;
              opt.iterations = args->iterations;
              opt.warmup = args->warmup;
              opt.min_seconds = args->duration;
              opt.transfers = !args->no_transfers;
              opt.cuda_graph = !args->no_cuda_graph;
              const BenchResult r = benchmark(*engine, opt);
              const auto& l = r.latency;
              std::cout << std::fixed << std::setprecision(3) << std::setw(7) << b << std::setw(7)
                        << r.iterations << std::setw(14) << std::setprecision(1) << r.throughput
                        << std::setprecision(3) << std::setw(10) << l.min_ms << std::setw(10)
                        << l.mean_ms << std::setw(10) << l.median_ms << std::setw(10) << l.p90_ms
                        << std::setw(10) << l.p95_ms << std::setw(10) << l.p99_ms;
              nlohmann::json gpu = nullptr;
              if (r.on_gpu) {
                const auto& g = r.gpu;
                std::cout << std::setw(12) << g.compute.median_ms << std::setw(10)
                          << g.compute.p99_ms << std::setw(10) << g.upload_ms << std::setw(10)
                          << g.download_ms;
                gpu = {{"compute_ms",
                        {{"min", g.compute.min_ms},
                         {"mean", g.compute.mean_ms},
                         {"median", g.compute.median_ms},
                         {"p90", g.compute.p90_ms},
                         {"p99", g.compute.p99_ms},
                         {"max", g.compute.max_ms}}},
                       {"h2d_ms_mean", g.upload_ms},
                       {"d2h_ms_mean", g.download_ms},
                       {"data_transfers", opt.transfers},
                       {"cuda_graph", opt.cuda_graph},
                       {"throughput_from_gpu_compute",
                        static_cast<double>(b) * 1000.0 / g.compute.median_ms}};
              }
              std::cout << "\n";
              nlohmann::json layers = nullptr;
              if (args->profile > 0 && r.on_gpu) {
                layers = profile_table(*engine, b, args->profile);
              }
              results.push_back({{"batch", b},
                                 {"layers", layers},
                                 {"gpu", gpu},
                                 {"iterations", r.iterations},
                                 {"seconds", r.total_seconds},
                                 {"throughput", r.throughput},
                                 {"latency_ms",
                                  {{"min", l.min_ms},
                                   {"mean", l.mean_ms},
                                   {"median", l.median_ms},
                                   {"p90", l.p90_ms},
                                   {"p95", l.p95_ms},
                                   {"p99", l.p99_ms},
                                   {"max", l.max_ms}}}});
            }
            if (!args->json_path.empty()) {
              std::ofstream f(args->json_path);
              if (!f) throw Error(args->json_path + ": cannot open for writing");
              const EngineSummary s = engine->summary();
              std::set<std::string> backends;
              for (const auto& layer : s.layers) backends.insert(layer.backend);
              f << nlohmann::json{{"engine", args->path},
                                  {"precision", s.precision},
                                  {"backends", backends},
                                  {"qrt_version", s.qrt_version},
                                  {"reference_threads", reference_threads()},
                                  {"results", results}}
                       .dump(2)
                << "\n";
            }
            return 0;
          }};
}

}  // namespace qrt::cli
