// qrt run PLAN|MODEL --input NAME=FILE.npy ...: one inference on tensors from files.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "io/tensor_file.h"

namespace qrt::cli {

namespace {
// Output names may hold '/', ':' and the like; file names may not.
std::string file_name_for(const std::string& name) {
  std::string out = name;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  return out.empty() ? "output" : out;
}

void print_summary(const std::string& name, const Tensor& t) {
  std::cout << name << ": " << dtype_name(t.dtype()) << " " << shape_to_string(t.shape());
  if (t.numel() > 0 &&
      (is_floating(t.dtype()) || t.dtype() == DataType::kInt64 || t.dtype() == DataType::kInt32)) {
    const auto v = t.to_float_vector();
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    double sum = 0;
    for (float f : v) sum += f;
    std::cout << " min " << *lo << " max " << *hi << " mean " << sum / static_cast<double>(v.size())
              << " argmax " << (hi - v.begin());
  }
  std::cout << "\n";
}
}  // namespace

Command add_run_command(CLI::App& parent) {
  struct Args {
    std::string path, output_dir;
    std::vector<std::string> inputs;
    BuildFlags flags;
    bool rebuild = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app =
      parent.add_subcommand("run", "Run an engine on inputs from .npy (or ONNX .pb) files");
  app->add_option("engine", args->path, "Plan file or ONNX model")->required();
  app->add_option("-i,--input", args->inputs,
                  "NAME=FILE.npy per input; FILE alone when the engine has one input")
      ->required();
  app->add_option("-d,--output-dir", args->output_dir, "Write each output to DIR/<name>.npy");
  add_partition_flags(app, args->flags);
  add_rebuild_flag(app, args->rebuild);
  add_threads_flag(app);
  return {app, [args] {
            std::map<std::string, Tensor> inputs;
            std::vector<std::pair<std::string, std::string>> specs;
            for (const auto& spec : args->inputs) {
              const auto eq = spec.find('=');
              specs.emplace_back(eq == std::string::npos ? "" : spec.substr(0, eq),
                                 eq == std::string::npos ? spec : spec.substr(eq + 1));
            }
            // Load tensors first: an ONNX model is then built for exactly their batch.
            std::vector<Tensor> tensors;
            for (const auto& [name, file] : specs) tensors.push_back(io::load_tensor_file(file));
            BuilderConfig config = args->flags.config();
            if (!Engine::is_plan(args->path)) {
              for (const Tensor& t : tensors)
                if (t.rank() > 0) {
                  config.batch = BatchProfile{t.dim(0), t.dim(0), t.dim(0)};
                  break;
                }
            }
            auto engine = load_or_build(args->path, config);
            const auto engine_inputs = engine->inputs();
            for (size_t i = 0; i < specs.size(); ++i) {
              std::string name = specs[i].first;
              if (name.empty()) {
                if (engine_inputs.size() != 1 || specs.size() != 1)
                  throw Error("--input '" + specs[i].second + "': the engine has " +
                              std::to_string(engine_inputs.size()) +
                              " inputs, so each --input needs NAME=FILE");
                name = engine_inputs[0].name;
              }
              inputs[name] = tensors[i];
            }
            auto context = engine->create_context();
            context->set_rebuild_on_overflow(args->rebuild);
            auto outputs = context->run(inputs);
            if (!args->output_dir.empty()) std::filesystem::create_directories(args->output_dir);
            for (const auto& info : engine->outputs()) {
              const Tensor& t = outputs.at(info.name);
              print_summary(info.name, t);
              if (args->output_dir.empty()) continue;
              const auto path =
                  std::filesystem::path(args->output_dir) / (file_name_for(info.name) + ".npy");
              io::save_npy(path.string(), t);
              std::cout << "  wrote " << path.string() << "\n";
            }
            return 0;
          }};
}

}  // namespace qrt::cli
