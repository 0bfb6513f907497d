// Build-time work of the cuda backend: its graph passes (weights packed once, kept in the
// plan), tactic selection by timing on this GPU, the timing cache, the GPU's signature.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "backends/cuda/int8_gemm.h"
#include "runtime/engine_impl.h"

namespace qrt {

std::string current_gpu_signature(const std::string& what) {
  cuda::require_gpu(what);
  return cuda::current_device_info().describe();
}

namespace {

std::string attribute_text(const ir::AttributeValue& value) {
  std::ostringstream os;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          os << "tensor:" << dtype_name(v.dtype()) << shape_to_string(v.shape());
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<float>> ||
                             std::is_same_v<T, std::vector<std::string>>) {
          os << "[";
          for (const auto& x : v) os << x << ",";
          os << "]";
        } else {
          os << v;
        }
      },
      value);
  return os.str();
}

// What decides a tactic: the kernel, its attributes, the concrete types and shapes.
std::string tactic_key(const ir::Node& node, const NodeTypes& types) {
  std::ostringstream os;
  os << node.op_type << "|" << dtype_name(node.kernel_dtype) << "|";
  for (const auto& [name, value] : node.attrs) os << name << "=" << attribute_text(value) << ";";
  os << "|";
  for (const auto& t : types.inputs) os << dtype_name(t.dtype) << shape_to_string(t.shape) << ",";
  os << "->";
  for (const auto& t : types.outputs) os << dtype_name(t.dtype) << shape_to_string(t.shape) << ",";
  return os.str();
}

class TimingCache {
 public:
  TimingCache(std::string path, std::string gpu,
              const std::function<void(const std::string&)>& warn)
      : path_(std::move(path)), gpu_(std::move(gpu)), catalog_(cuda::int8_tactic_catalog()) {
    if (path_.empty() || !std::filesystem::exists(path_)) return;
    std::ifstream f(path_);
    try {
      const auto j = nlohmann::json::parse(f);
      if (j.at("gpu").get<std::string>() != gpu_) {
        warn(path_ + ": timing cache made on " + j.at("gpu").get<std::string>() +
             ", not this GPU: tactics are timed again");
        return;
      }
      // A cache from a build with other tactics would pin choices made without the new ones.
      if (j.value("tactic_catalog", std::string()) != catalog_) {
        warn(path_ + ": timing cache made by a qrt with other tactics: tactics are timed again");
        dirty_ = true;  // rewritten with this build's catalog
        return;
      }
      tactics_ = j.at("tactics").get<std::map<std::string, std::string>>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(path_ + ": not a qrt timing cache (" + std::string(e.what()) + ")");
    }
  }
  const std::string* find(const std::string& key) const {
    auto it = tactics_.find(key);
    return it == tactics_.end() ? nullptr : &it->second;
  }
  void put(const std::string& key, const std::string& tactic) {
    tactics_[key] = tactic;
    dirty_ = true;
  }
  void save() const {
    if (path_.empty() || !dirty_) return;
    std::ofstream f(path_, std::ios::trunc);
    if (!f) throw Error(path_ + ": cannot write the timing cache");
    f << nlohmann::json{{"gpu", gpu_}, {"tactic_catalog", catalog_}, {"tactics", tactics_}}.dump(1)
      << "\n";
  }
  size_t hits = 0, timed = 0;

 private:
  std::string path_, gpu_, catalog_;
  std::map<std::string, std::string> tactics_;
  bool dirty_ = false;
};

}  // namespace

void prepare_device_engine(EngineImpl& engine, const BuilderConfig& config,
                           const std::function<void(const std::string&)>& warn) {
  auto& graph = engine.graph;
  std::vector<BackendPass> passes;
  for (const BackendPass& p : backend_passes())
    if (p.backend == "cuda") passes.push_back(p);
  std::sort(passes.begin(), passes.end(),
            [](const BackendPass& a, const BackendPass& b) { return a.name < b.name; });
  for (const BackendPass& p : passes) p.run(graph);
  if (!passes.empty()) {
    graph.topological_sort();
    annotate_symbolic_shapes(graph, engine.input_batched, engine.batch, engine.has_batch);
    engine.bind_kernels(engine.source);
  }
  engine.allow_tf32 = config.allow_tf32;
  engine.gpu_signature = current_gpu_signature(engine.source + ": --backend cuda");

  // Tactics: timed at the profile's opt batch.
  ir::InferOptions options;
  options.defer_unknown_values = true;
  const auto inference =
      ir::infer_concrete(graph, engine.input_types_for_batch(engine.batch.opt), options);
  TimingCache cache(config.timing_cache, engine.gpu_signature, warn);
  std::unique_ptr<cuda::StreamResources> resources;
  for (size_t i = 0; i < engine.nodes.size(); ++i) {
    ir::Node& node = *engine.nodes[i];
    const KernelDef* kernel = engine.kernels[i];
    if (!kernel || !kernel->tune || node.backend != "cuda") continue;
    NodeTypes types;
    bool complete = true;
    for (const ir::Value* in : node.inputs) {
      auto it = in ? inference.types.find(in) : inference.types.end();
      if (in && it == inference.types.end()) complete = false;
      types.inputs.push_back(it != inference.types.end() ? it->second : ir::TensorType{});
    }
    for (const ir::Value* out : node.outputs) {
      auto it = out ? inference.types.find(out) : inference.types.end();
      if (out && it == inference.types.end()) complete = false;
      types.outputs.push_back(it != inference.types.end() ? it->second : ir::TensorType{});
    }
    if (!complete) continue;  // shapes known only at run time: the kernel's default
    const std::string key = tactic_key(node, types);
    if (const std::string* cached = cache.find(key)) {
      node.tactic = *cached;
      ++cache.hits;
      continue;
    }
    if (!resources)
      resources = std::make_unique<cuda::StreamResources>(nullptr, cuda::kDefaultWorkspaceBytes,
                                                          config.allow_tf32);
    try {
      node.tactic = kernel->tune(node, types, &resources->get());
    } catch (const Error& e) {
      throw Error(node.describe() + ": tactic selection failed: " + e.what());
    }
    cache.put(key, node.tactic);
    ++cache.timed;
  }
  cache.save();
}

}  // namespace qrt
