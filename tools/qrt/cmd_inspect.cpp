// qrt inspect PLAN: what an engine holds — inputs, outputs, layers, memory.
#include <iomanip>
#include <iostream>

#include "commands.h"

namespace qrt::cli {

namespace {
void print_tensors(const char* title, const std::vector<TensorInfo>& list) {
  std::cout << title << ":\n";
  for (const auto& t : list)
    std::cout << "  " << t.name << ": " << dtype_name(t.dtype) << " " << t.shape_text << "\n";
}
}  // namespace

Command add_inspect_command(CLI::App& parent) {
  struct Args {
    std::string path;
    BuildFlags flags;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app =
      parent.add_subcommand("inspect", "Show an engine's inputs, outputs, layers and memory");
  app->add_option("plan", args->path, "Plan file (or an ONNX model, built first)")->required();
  add_build_flags(app, args->flags);
  return {app, [args] {
            auto engine = load_or_build(args->path, args->flags.config());
            const EngineSummary s = engine->summary();
            std::cout << "engine: " << args->path << " (from " << s.source << ", qrt "
                      << s.qrt_version << ")\n"
                      << "precision: " << s.precision << "\n"
                      << "batch profile: " << s.batch.min << ":" << s.batch.opt << ":"
                      << s.batch.max << "\n";
            print_tensors("inputs", s.inputs);
            print_tensors("outputs", s.outputs);
            std::cout << "subgraphs (" << s.subgraphs.size() << "):\n"
                      << "  id  backend     layers  precision\n";
            for (size_t k = 0; k < s.subgraphs.size(); ++k) {
              const SubgraphInfo& sub = s.subgraphs[k];
              std::cout << "  " << std::left << std::setw(4) << k << std::setw(12) << sub.backend
                        << std::setw(8) << sub.layers << sub.precision << std::right << "\n";
            }
            size_t fallbacks = 0;
            for (const auto& l : s.layers) fallbacks += l.fallback_reason.empty() ? 0 : 1;
            if (fallbacks > 0) {
              std::cout << "fallbacks (" << fallbacks << "):\n";
              for (const auto& l : s.layers)
                if (!l.fallback_reason.empty())
                  std::cout << "  " << l.op_type << " '" << l.name << "' -> " << l.backend << ": "
                            << l.fallback_reason << "\n";
            }
            std::cout << "layers (" << s.layers.size() << "):\n";
            size_t i = 0;
            for (const auto& l : s.layers) {
              std::cout << "  [" << std::setw(3) << i++ << "] " << l.op_type << " '" << l.name
                        << "' backend=" << l.backend << " subgraph=" << l.subgraph
                        << " precision=" << l.precision << "\n";
              for (const auto& in : l.inputs) std::cout << "        in  " << in << "\n";
              for (const auto& out : l.outputs) std::cout << "        out " << out << "\n";
            }
            std::cout << "weights: " << format_bytes(s.weight_bytes) << "\n"
                      << "activation memory at batch " << s.batch.max << ": "
                      << format_bytes(s.activation_bytes_at_max_batch)
                      << " (without reuse: " << format_bytes(s.activation_bytes_unshared) << ")\n";
            return 0;
          }};
}

}  // namespace qrt::cli
