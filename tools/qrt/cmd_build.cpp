// qrt build MODEL.onnx -o PLAN: import, optimise, choose kernels, write the plan.
#include <chrono>
#include <iostream>

#include "commands.h"

namespace qrt::cli {

Command add_build_command(CLI::App& parent) {
  struct Args {
    std::string model, output;
    BuildFlags flags;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app =
      parent.add_subcommand("build", "Build an engine from an ONNX model and save it as a plan");
  app->add_option("model", args->model, "ONNX model")->required();
  app->add_option("-o,--output", args->output, "Plan file to write")->required();
  add_build_flags(app, args->flags);
  add_threads_flag(app);
  return {app, [args] {
            const auto start = std::chrono::steady_clock::now();
            auto engine = Builder().build_from_onnx(args->model, args->flags.config());
            engine->save(args->output);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const EngineSummary s = engine->summary();
            std::cout << "built " << args->model << " -> " << args->output << " in " << seconds
                      << " s: " << s.layers.size() << " layers, " << s.precision << ", batch "
                      << s.batch.min << ":" << s.batch.opt << ":" << s.batch.max << ", weights "
                      << format_bytes(s.weight_bytes) << ", activations "
                      << format_bytes(s.activation_bytes_at_max_batch) << " at batch "
                      << s.batch.max << "\n";
            return 0;
          }};
}

}  // namespace qrt::cli
