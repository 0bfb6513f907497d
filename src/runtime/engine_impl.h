// What an Engine holds: the optimised graph with each node's kernel chosen, and the batch
// profile. Built by the Builder or read from a plan; never changed afterwards.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/kernel_registry.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"
#include "qrt/engine.h"

namespace qrt {

struct EngineImpl {
  ir::Graph graph;                        // topologically sorted
  std::vector<ir::Node*> nodes;           // graph.nodes(), cached
  std::vector<const KernelDef*> kernels;  // one per node
  std::vector<bool> input_batched;        // per graph input: dim 0 follows the batch
  // Per graph input: its values decide shapes (an integer input feeding Reshape's shape, say),
  // so execution plans are made per value, not only per shape. Set only when some node's
  // shapes could not be known at build time ("deferred" nodes, kernel chosen per plan).
  std::vector<bool> input_values_matter;
  BatchProfile batch;
  bool has_batch = false;
  std::string precision = "fp32";
  std::string source;
  std::string qrt_version;

  // Resolves nodes/kernels from the node annotations (backend, kernel_dtype); throws if this
  // build of qrt lacks a kernel the graph names.
  void bind_kernels(const std::string& origin);
  std::vector<ir::TensorType> input_types_for_batch(int64_t batch_size) const;
};

// Concrete input types for a batch size: batched inputs get dim 0 = batch_size, the others keep
// their static shape.
std::vector<ir::TensorType> input_types_for_batch(const ir::Graph& graph,
                                                  const std::vector<bool>& batched,
                                                  int64_t batch_size);

// Infers concrete shapes at the profile's min/opt/max and writes dtype and symbolic shapes
// (dims that follow the batch become "N", "2N", ...) onto the graph's values.
// Returns true when some values' shapes depend on input values (they are left untyped).
bool annotate_symbolic_shapes(ir::Graph& graph, const std::vector<bool>& batched,
                              const BatchProfile& profile, bool has_batch);

// Marks nodes whose kernel can only be chosen once shapes are known at run time.
inline constexpr const char* kDeferredTactic = "deferred";

// Execution plan for one set of concrete input shapes: which values are known before running
// (shape computations), and where every other activation lives in the arena.
struct ExecPlan {
  ir::ConcreteInference inference;
  std::vector<const KernelDef*> kernels;  // the engine's, with deferred nodes' kernels chosen
  std::vector<bool> precomputed;          // per node: outputs already known
  std::map<const ir::Value*, size_t> arena_offset;
  size_t arena_bytes = 0;
  size_t unshared_bytes = 0;
};

// `input_values`: values of the inputs whose values matter (nullptr elsewhere). With
// `estimate_only`, nodes that need unknown values are left out instead of failing (for summaries).
ExecPlan make_exec_plan(const EngineImpl& engine, const std::vector<ir::TensorType>& inputs,
                        const std::vector<const Tensor*>& input_values = {},
                        bool estimate_only = false);

// Plan file I/O (plan_format.cpp).
void save_plan(const EngineImpl& engine, const std::string& path);
std::shared_ptr<EngineImpl> load_plan(const std::string& path);
// True when the file starts with the plan magic.
bool is_plan_file(const std::string& path);

// Builds an engine from an already imported graph (builder.cpp).
std::shared_ptr<EngineImpl> build_engine(ir::Graph graph, const BuilderConfig& config,
                                         const std::string& source);

}  // namespace qrt
