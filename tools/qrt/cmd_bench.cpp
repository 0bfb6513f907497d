// qrt bench PLAN|MODEL: throughput and latency percentiles per batch size, as trtexec reports.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "commands.h"
#include "qrt/bench.h"
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
}  // namespace

Command add_bench_command(CLI::App& parent) {
  struct Args {
    std::string path, batches, json_path;
    int iterations = 50, warmup = 5;
    double duration = 0;
    BuildFlags flags;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand("bench", "Measure throughput and latency per batch size");
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
  app->add_option("--precision", args->flags.precision, "Precision when building an ONNX model")
      ->check(CLI::IsMember({"fp32"}));
  app->add_option("--backend", args->flags.backends, "Backends when building an ONNX model");
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
                      << std::setw(10) << "p95" << std::setw(10) << "p99"
                      << "\n";
            nlohmann::json results = nlohmann::json::array();
            for (int64_t b : batches) {
              BenchOptions opt;
              opt.batch = b;
              opt.iterations = args->iterations;
              opt.warmup = args->warmup;
              opt.min_seconds = args->duration;
              const BenchResult r = benchmark(*engine, opt);
              const auto& l = r.latency;
              std::cout << std::fixed << std::setprecision(3) << std::setw(7) << b << std::setw(7)
                        << r.iterations << std::setw(14) << std::setprecision(1) << r.throughput
                        << std::setprecision(3) << std::setw(10) << l.min_ms << std::setw(10)
                        << l.mean_ms << std::setw(10) << l.median_ms << std::setw(10) << l.p90_ms
                        << std::setw(10) << l.p95_ms << std::setw(10) << l.p99_ms << "\n";
              results.push_back({{"batch", b},
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
