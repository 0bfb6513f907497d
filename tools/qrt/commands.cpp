#include "commands.h"

#include <sstream>

namespace qrt::cli {

BuilderConfig BuildFlags::config() const {
  BuilderConfig c;
  c.precision = precision;
  if (!batch.empty()) c.batch = parse_batch_profile(batch);
  c.backends.clear();
  std::stringstream ss(backends);
  std::string b;
  while (std::getline(ss, b, ','))
    if (!b.empty()) c.backends.push_back(b);
  c.optimize = !no_optimize;
  return c;
}

void add_build_flags(CLI::App* app, BuildFlags& flags) {
  app->add_option("--precision", flags.precision, "Engine precision: fp32")
      ->check(CLI::IsMember({"fp32"}));
  app->add_option("--batch", flags.batch,
                  "Batch profile MIN:OPT:MAX (or N); default: the model's own batch dimension");
  app->add_option("--backend", flags.backends, "Backends in order of preference, comma-separated");
  app->add_flag("--no-optimize", flags.no_optimize, "Skip graph passes (debugging)");
}

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
