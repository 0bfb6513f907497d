// Builder: imported graph -> validated, optimised graph with a kernel chosen for every node.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "passes/channels_last.h"
#include "passes/fuse_conv_activation.h"
#include "passes/fuse_quantize_to_nhwc.h"
#include "quant/calibrate.h"
#include "quant/precision.h"
#include "runtime/engine_impl.h"
#include "runtime/optimize.h"
#include "runtime/partition.h"
#include "util/parse_list.h"

namespace qrt {

namespace {

// "weights-int8" is a baseline, not a deployment precision: fp32 compute with the weights of the
// int8-capable layers rounded through int8 (what INT8 costs before activations are calibrated).
const std::vector<std::string> kPrecisions = {"fp32", "fp16", "bf16",
                                              "int8", "best", "weights-int8"};

bool touches_bf16(const NodeTypes& types) {
  for (const auto* list : {&types.inputs, &types.outputs})
    for (const ir::TensorType& t : *list)
      if (t.dtype == DataType::kBFloat16) return true;
  return false;
}

// --shapes: fixes the named inputs' non-batch dims; returns the batch profile they give.
std::optional<BatchProfile> apply_input_shapes(ir::Graph& graph, const BuilderConfig& config,
                                               const std::string& source) {
  std::optional<BatchProfile> profile;
  std::string profile_from;
  for (const InputShapeProfile& p : config.input_shapes) {
    const std::string what = source + ": --shapes " + p.name;
    ir::Value* v = nullptr;
    std::string names;
    for (ir::Value* in : graph.inputs) {
      if (in->name == p.name) v = in;
      names += (names.empty() ? "'" : ", '") + in->name + "'";
    }
    if (!v) throw Error(what + ": the model has no input '" + p.name + "' (inputs: " + names + ")");
    if (p.min.size() != v->shape.size())
      throw Error(what + ": " + std::to_string(p.min.size()) + " dimensions given, the input has " +
                  std::to_string(v->shape.size()) + " (" + ir::sym_shape_to_string(v->shape) + ")");
    for (size_t d = 1; d < v->shape.size(); ++d) {
      if (v->shape[d].is_static() && v->shape[d].value != p.opt[d])
        throw Error(what + ": dimension " + std::to_string(d) + " is " +
                    std::to_string(v->shape[d].value) + " in the model, " +
                    std::to_string(p.opt[d]) + " given");
      v->shape[d] = ir::Dim{p.opt[d], {}};
    }
    const BatchProfile batch{p.min[0], p.opt[0], p.max[0]};
    if (profile &&
        (profile->min != batch.min || profile->opt != batch.opt || profile->max != batch.max))
      throw Error(what + ": batch " + std::to_string(batch.min) + ":" + std::to_string(batch.opt) +
                  ":" + std::to_string(batch.max) + " differs from input '" + profile_from +
                  "' (every input shares one batch profile)");
    if (config.batch && (config.batch->min != batch.min || config.batch->opt != batch.opt ||
                         config.batch->max != batch.max))
      throw Error(what + ": batch " + std::to_string(batch.min) + ":" + std::to_string(batch.opt) +
                  ":" + std::to_string(batch.max) + " differs from --batch " +
                  std::to_string(config.batch->min) + ":" + std::to_string(config.batch->opt) +
                  ":" + std::to_string(config.batch->max));
    profile = batch;
    profile_from = p.name;
  }
  return profile;
}

// Decides which inputs carry the batch in dim 0 and the profile they accept.
void resolve_batch(const ir::Graph& graph, const BuilderConfig& config, const std::string& source,
                   EngineImpl& engine) {
  bool any_symbolic = false;
  engine.input_batched.assign(graph.inputs.size(), false);
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ir::Value* v = graph.inputs[i];
    for (size_t d = 1; d < v->shape.size(); ++d)
      if (!v->shape[d].is_static())
        throw Error(source + ": input '" + v->name + "' dimension " + std::to_string(d) + " ('" +
                    v->shape[d].symbol +
                    "') is dynamic; qrt needs fixed sizes apart from the batch (dimension 0): "
                    "give them with --shapes");
    if (v->shape.empty()) continue;
    const bool symbolic = !v->shape[0].is_static();
    any_symbolic |= symbolic;
    // A static dim 0 becomes the batch only when the user asks for a batch profile.
    engine.input_batched[i] = symbolic || config.batch.has_value();
  }
  engine.has_batch = std::find(engine.input_batched.begin(), engine.input_batched.end(), true) !=
                     engine.input_batched.end();
  if (config.batch) {
    engine.batch = *config.batch;
  } else if (any_symbolic) {
    engine.batch = BatchProfile{1, 1, 64};
  } else {
    int64_t fixed = 1;
    for (const ir::Value* v : graph.inputs)
      if (!v->shape.empty()) fixed = v->shape[0].value;
    engine.batch = BatchProfile{fixed, fixed, fixed};
    engine.has_batch = false;
  }
}

// The user's backends, then "reference" as the last resort when absent: every model runs.
std::vector<std::string> effective_backends(const BuilderConfig& config) {
  std::vector<std::string> list = config.backends;
  if (std::find(list.begin(), list.end(), "reference") == list.end()) list.push_back("reference");
  return list;
}

// Chooses each node's backend (the partitioner, runtime/partition.h) and kernel, and puts the
// nodes in an order where each subgraph is contiguous.
void select_kernels(ir::Graph& graph, const EngineImpl& engine, const BuilderConfig& config,
                    const std::string& source) {
  ir::InferOptions options;
  options.defer_unknown_values = true;
  const auto inference =
      ir::infer_concrete(graph, engine.input_types_for_batch(engine.batch.opt), options);
  const std::vector<std::string> backends = effective_backends(config);
  const auto& registry = KernelRegistry::instance();
  const std::vector<ir::Node*> nodes = graph.nodes();
  std::vector<NodeSupport> support(nodes.size());
  std::vector<std::vector<const KernelDef*>> kernels(nodes.size());
  std::vector<bool> deferred(nodes.size(), false);
  std::vector<std::string> failures;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node* node = nodes[i];
    for (const ir::Value* out : node->outputs)
      deferred[i] = deferred[i] || (out && inference.deferred.count(out));
    NodeTypes types;
    if (!deferred[i]) {
      for (const ir::Value* in : node->inputs)
        types.inputs.push_back(in ? inference.types.at(in) : ir::TensorType{});
      for (const ir::Value* out : node->outputs)
        types.outputs.push_back(out ? inference.types.at(out) : ir::TensorType{});
    }
    std::string reasons;
    for (size_t b = 0; b < backends.size(); ++b) {
      const std::string& backend = backends[b];
      std::string why;
      const KernelDef* kernel = nullptr;
      bool ok = false;
      if (b == 0 && std::find(config.disabled_ops.begin(), config.disabled_ops.end(),
                              node->op_type) != config.disabled_ops.end()) {
        why = node->op_type + " disabled on " + backend + " by --disable-ops";
      } else if (backend == "cuda" && touches_bf16(types)) {
        // Data movement kernels there take any element type, but bf16 has no CUDA compute
        // kernels: the whole bf16 region goes to the next backend (cpu), none of it bounces.
        why = "cuda: no bf16 kernels (bf16 runs on the cpu backend)";
      } else if (deferred[i]) {
        // Shapes known only at run time: the backend with this op takes it; the kernel for
        // the dtype is chosen per execution plan.
        const auto ops = registry.supported_op_types(backend);
        ok = std::binary_search(ops.begin(), ops.end(), node->op_type);
        if (!ok) why = "no " + backend + " kernel for " + node->op_type;
      } else {
        kernel = registry.select(*node, backend, types, &why);
        ok = kernel != nullptr;
        // Predicates explain in their own words; say whose words they are.
        if (!ok && why.find(backend) == std::string::npos) why = backend + ": " + why;
      }
      support[i].supported.push_back(ok);
      support[i].why_not.push_back(ok ? "" : why);
      kernels[i].push_back(kernel);
      if (!ok) reasons += (reasons.empty() ? "" : "; ") + why;
    }
    if (std::find(support[i].supported.begin(), support[i].supported.end(), true) ==
        support[i].supported.end())
      failures.push_back(node->describe() + " (" + reasons + ")");
  }
  if (!failures.empty()) {
    std::ostringstream os;
    os << source << ": no kernel for " << failures.size() << " node(s): ";
    for (size_t i = 0; i < failures.size(); ++i) os << (i ? "; " : "") << failures[i];
    throw Error(os.str());
  }
  const Partition partition = partition_nodes(nodes, support, backends, config.min_subgraph_size);
  for (size_t i = 0; i < nodes.size(); ++i) {
    ir::Node* node = nodes[i];
    const size_t b = partition.backend[i];
    node->backend = backends[b];
    node->fallback_reason = partition.fallback_reason[i];
    if (deferred[i]) {
      node->kernel_dtype = DataType::kUndefined;
      node->tactic = kDeferredTactic;
    } else {
      node->kernel_dtype = kernels[i][b]->dtype;
    }
  }
  graph.set_node_order(partition.order);
}

void warn(const BuilderConfig& config, const std::string& message) {
  if (config.on_warning)
    config.on_warning(message);
  else
    std::cerr << "qrt: warning: " << message << "\n";
}

// Small fixed-size inputs may carry shapes, sizes or scales: when some shapes depend on values,
// execution plans are made per value of those inputs.
void mark_value_inputs(const ir::Graph& graph, bool deferred, EngineImpl& engine) {
  engine.input_values_matter.assign(graph.inputs.size(), false);
  for (size_t i = 0; deferred && i < graph.inputs.size(); ++i) {
    int64_t numel = 1;
    for (const ir::Dim& d : graph.inputs[i]->shape) numel *= d.is_static() ? d.value : -1;
    engine.input_values_matter[i] = numel >= 0 && numel <= ir::kMaxPropagatedElements;
  }
}

// INT8 activation scales from a saved table, or from calibration (then saved if asked). Returns
// the bias corrections (empty unless calibration.bias_correction).
quant::BiasCorrections resolve_int8_scales(ir::Graph& graph, const EngineImpl& engine,
                                           const BuilderConfig& config, const std::string& source) {
  const CalibrationConfig& cal = config.calibration;
  quant::CalibrationTable table;
  if (!cal.table_path.empty() && std::filesystem::exists(cal.table_path)) {
    table = quant::read_calibration_table(cal.table_path);
    if (cal.bias_correction && table.bias_corrections.empty())
      throw Error(cal.table_path +
                  ": holds no bias corrections (--calib-bias-correction needs a JSON table "
                  "written with it; remove the table to calibrate again)");
  } else if (cal.num_batches > 0) {
    if (cal.bias_correction && !cal.table_path.empty() &&
        std::filesystem::path(cal.table_path).extension() != ".json")
      throw Error(cal.table_path +
                  ": bias corrections are saved only in a JSON table; give --calib-table a "
                  ".json name");
    // A float engine over the same graph, for any batch size the calibration data has.
    auto calib = std::make_shared<EngineImpl>();
    calib->graph = std::move(graph);
    calib->input_batched = engine.input_batched;
    calib->input_values_matter = engine.input_values_matter;
    calib->has_batch = engine.has_batch;
    calib->batch =
        engine.has_batch ? BatchProfile{1, engine.batch.opt, int64_t{1} << 40} : engine.batch;
    BuilderConfig fp32 = config;
    fp32.precision = "fp32";
    try {
      select_kernels(calib->graph, *calib, fp32, source);
      calib->bind_kernels(source);
      table = quant::calibrate(calib, cal);
    } catch (...) {
      graph = std::move(calib->graph);
      throw;
    }
    graph = std::move(calib->graph);
    if (!cal.table_path.empty()) {
      const bool json = std::filesystem::path(cal.table_path).extension() == ".json";
      quant::write_calibration_table(
          cal.table_path, table, json ? quant::TableFormat::kJson : quant::TableFormat::kTensorRT);
    }
  } else {
    throw Error(source +
                ": int8 needs calibration data (--calib-data), a calibration table "
                "(--calib-table) or a model with QuantizeLinear/DequantizeLinear nodes");
  }
  const auto missing =
      quant::apply_table(graph, table, cal.table_path.empty() ? source : cal.table_path);
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 10) list += ", and " + std::to_string(missing.size() - 10) + " more";
    warn(config, (cal.table_path.empty() ? source : cal.table_path) + ": no scale for " +
                     std::to_string(missing.size()) + " tensor(s), kept in float: " + list);
  }
  // A table's corrections are used only when asked for, like the calibration that makes them.
  return cal.bias_correction ? table.bias_corrections : quant::BiasCorrections{};
}

// Every --layer-precision name must name a node or a value of the optimised graph.
void check_layer_names(const ir::Graph& graph, const quant::LayerPrecisions& overrides,
                       const std::string& source) {
  for (const auto& [name, precision] : overrides) {
    bool found = graph.find_value(name) != nullptr;
    for (const ir::Node* n : graph.nodes()) found |= n->name == name;
    if (!found)
      throw Error(source + ": --layer-precision names '" + name +
                  "', which is neither a layer nor a tensor of the model");
  }
}

}  // namespace

InputShapeProfile parse_shape_profile(const std::string& text) {
  const std::string what = "--shapes '" + text + "'";
  // The three shapes are the last three fields: input names may hold ':' themselves.
  std::vector<std::string> fields;
  size_t end = text.size();
  for (int i = 0; i < 3; ++i) {
    const size_t colon = end == 0 ? std::string::npos : text.rfind(':', end - 1);
    if (colon == std::string::npos || colon == 0)
      throw Error(what + ": expected NAME:MINxCxHxW:OPTxCxHxW:MAXxCxHxW");
    fields.insert(fields.begin(), text.substr(colon + 1, end - colon - 1));
    end = colon;
  }
  InputShapeProfile p;
  p.name = text.substr(0, end);
  std::vector<int64_t>* shapes[] = {&p.min, &p.opt, &p.max};
  const char* labels[] = {"MIN", "OPT", "MAX"};
  for (size_t i = 0; i < 3; ++i) {
    *shapes[i] = util::parse_int_list(fields[i], 'x', "--shapes " + p.name);
    for (int64_t d : *shapes[i])
      if (d < 1)
        throw Error(what + ": " + labels[i] + " shape " + fields[i] + " has a dimension below 1");
  }
  if (p.min.size() != p.opt.size() || p.opt.size() != p.max.size())
    throw Error(what + ": MIN, OPT and MAX have different ranks");
  for (size_t d = 1; d < p.min.size(); ++d)
    if (p.min[d] != p.opt[d] || p.opt[d] != p.max[d])
      throw Error(what + ": only dimension 0 (the batch) may differ between MIN, OPT and MAX; " +
                  "dimension " + std::to_string(d) + " does");
  if (!(p.min[0] <= p.opt[0] && p.opt[0] <= p.max[0]))
    throw Error(what + ": needs MIN <= OPT <= MAX in dimension 0");
  return p;
}

std::string rebuild_notice(const EngineImpl& engine, int64_t batch) {
  return "rebuilding engine: its maximum batch size " + std::to_string(engine.batch.max) +
         " is less than the input batch size " + std::to_string(batch);
}

std::shared_ptr<EngineImpl> rebuild_for_batch(const EngineImpl& engine, int64_t batch) {
  if (!engine.has_batch)
    throw Error(engine.source + ": the engine has a fixed batch of " +
                std::to_string(engine.batch.max) + " (no batch dimension to grow)");
  if (batch <= engine.batch.max)
    throw Error(engine.source + ": rebuild for batch " + std::to_string(batch) +
                ": the engine's maximum is already " + std::to_string(engine.batch.max));
  std::shared_ptr<EngineImpl> wider = clone_engine(engine);
  wider->batch.max = batch;
  annotate_symbolic_shapes(wider->graph, wider->input_batched, wider->batch, wider->has_batch);
  wider->bind_kernels(wider->source);
  return wider;
}

BatchProfile parse_batch_profile(const std::string& text) {
  const std::vector<int64_t> parts = util::parse_int_list(text, ':', "batch profile");
  if (parts.size() != 1 && parts.size() != 3)
    throw Error("batch profile '" + text + "': expected MIN:OPT:MAX or a single N");
  BatchProfile p = parts.size() == 1 ? BatchProfile{parts[0], parts[0], parts[0]}
                                     : BatchProfile{parts[0], parts[1], parts[2]};
  if (p.min < 1) throw Error("batch profile '" + text + "': batch sizes must be at least 1");
  if (!(p.min <= p.opt && p.opt <= p.max))
    throw Error("batch profile '" + text + "': needs MIN <= OPT <= MAX");
  return p;
}

std::shared_ptr<EngineImpl> build_engine(ir::Graph graph, const BuilderConfig& config,
                                         const std::string& source) {
  BuilderConfig shaped;  // with the batch profile --shapes gives, when it gives one
  if (!config.input_shapes.empty()) {
    shaped = config;
    shaped.batch = apply_input_shapes(graph, config, source);
  }
  const BuilderConfig& effective = config.input_shapes.empty() ? config : shaped;
  if (std::find(kPrecisions.begin(), kPrecisions.end(), config.precision) == kPrecisions.end())
    throw Error(source + ": precision '" + config.precision +
                "' is not supported (supported: fp32, fp16, bf16, int8, best, weights-int8)");
  if (config.calibration.bias_correction && config.precision != "int8" &&
      config.precision != "best")
    throw Error(source +
                ": --calib-bias-correction needs --precision int8 or best (it corrects "
                "int8 weights), not " +
                config.precision);
  for (const auto& [layer, precision] : config.layer_precision)
    if (precision != "fp32" && precision != "fp16" && precision != "bf16" && precision != "int8")
      throw Error("--layer-precision " + layer + ":" + precision +
                  ": precision must be fp32, fp16, bf16 or int8");
  const auto known = KernelRegistry::instance().backends();
  if (config.backends.empty()) throw Error(source + ": no backend given");
  for (const auto& b : config.backends)
    if (std::find(known.begin(), known.end(), b) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw Error("unknown backend '" + b + "' (available: " + list + ")");
    }

  if (config.min_subgraph_size < 1)
    throw Error("--min-subgraph-size " + std::to_string(config.min_subgraph_size) +
                ": must be at least 1");
  const auto op_types = ir::OpRegistry::instance().op_types();
  for (const std::string& op : config.disabled_ops)
    if (std::find(op_types.begin(), op_types.end(), op) == op_types.end())
      throw Error("--disable-ops: '" + op + "' is not an op type qrt knows");

  const bool wants_gpu =
      std::find(config.backends.begin(), config.backends.end(), "cuda") != config.backends.end();
  // Tactics are timed on the GPU the engine is built for: no GPU, no cuda engine.
  if (wants_gpu) (void)current_gpu_signature(source + ": --backend cuda");

  auto engine = std::make_shared<EngineImpl>();
  engine->source = source;
  engine->precision = config.precision;
  engine->qrt_version = version();
  try {
    graph.topological_sort();
    ir::validate(graph);
    resolve_batch(graph, effective, source, *engine);
    // QDQ pairs fold before the passes: constant folding would turn a dequantized weight into
    // plain floats and lose its scales.
    const bool int8 = config.precision == "int8" || config.precision == "best";
    bool scales_from_model = false;
    if (int8) {
      std::vector<std::string> kept;
      scales_from_model = quant::fold_qdq(graph, &kept) > 0;
      for (const auto& k : kept) warn(config, source + ": QDQ pair kept in float: " + k);
    }
    bool deferred =
        annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    if (config.optimize) {
      optimize_graph(graph);
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    check_layer_names(graph, config.layer_precision, source);
    mark_value_inputs(graph, deferred, *engine);
    if (int8) {
      quant::BiasCorrections corrections;
      if (!scales_from_model)
        corrections = resolve_int8_scales(graph, *engine, config, source);
      else if (config.calibration.bias_correction)
        warn(config, source +
                         ": --calib-bias-correction ignored: the model's QuantizeLinear/"
                         "DequantizeLinear nodes give its quantization");
      const auto report = quant::lower_to_int8(graph, config.layer_precision, &corrections);
      if (report.int8_layers == 0) warn(config, source + ": no layer could run in int8");
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    if (config.precision == "weights-int8") {
      quant::fake_quantize_weights(graph, config.layer_precision);
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    if (config.precision == "fp16" || config.precision == "best") {
      quant::lower_to_fp16(graph, config.layer_precision);
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    if (config.precision == "bf16") {
      quant::lower_to_bf16(graph, config.layer_precision);
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    // oneDNN (the cpu backend) also fuses bias, residual and activation as post-ops, and runs
    // NHWC activations without reorders between its nodes (docs/architecture.md).
    const bool cpu_front = config.backends.front() == "cpu";
    if (config.backends.front() == "cuda" || cpu_front) {
      // cuDNN fuses bias + residual + ReLU into the convolution: one launch and one pass over
      // memory instead of three.
      if (passes::fuse_conv_activation(graph) > 0)
        deferred = annotate_symbolic_shapes(graph, engine->input_batched, engine->batch,
                                            engine->has_batch);
    }
    // NHWC feeds the tensor cores (FP16, INT8); cuDNN's FP32 kernels are fastest in NCHW
    // (measured: ResNet-50 FP32 NHWC ran 2.5x slower than PyTorch's NCHW, docs/benchmarks.md).
    const bool tensor_core_precision = config.precision != "fp32";
    if (config.channels_last || cpu_front ||
        (config.backends.front() == "cuda" && tensor_core_precision)) {
      passes::convert_to_channels_last(graph);
      // The INT8 input's QuantizeLinear and its "<input>_int8:nhwc" Transpose become one pass
      // over memory. Not with the cpu backend first: its oneDNN reorder runs that Transpose and
      // the fused node would run on the reference backend (not measured there).
      if (!cpu_front) passes::fuse_quantize_to_nhwc(graph);
      deferred =
          annotate_symbolic_shapes(graph, engine->input_batched, engine->batch, engine->has_batch);
    }
    mark_value_inputs(graph, deferred, *engine);
    for (const std::string& op : config.disabled_ops) {
      const auto nodes = graph.nodes();
      if (std::none_of(nodes.begin(), nodes.end(),
                       [&](const ir::Node* n) { return n->op_type == op; }))
        warn(config,
             source + ": --disable-ops " + op + ": the optimised model has no " + op + " node");
    }
    engine->graph = std::move(graph);
    select_kernels(engine->graph, *engine, config, source);
    engine->bind_kernels(source);
    prepare_cpu_engine(*engine);
    if (engine->uses_device())
      prepare_device_engine(*engine, config, [&](const std::string& m) { warn(config, m); });
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(source, 0) == 0) throw;
    throw Error(source + ": " + msg);
  }
  engine->bind_kernels(source);
  return engine;
}

void EngineImpl::bind_kernels(const std::string& origin) {
  nodes = graph.nodes();
  kernels.clear();
  for (const ir::Node* node : nodes) {
    if (node->tactic == kDeferredTactic) {
      kernels.push_back(nullptr);
      continue;
    }
    const KernelDef* k =
        KernelRegistry::instance().find(node->op_type, node->backend, node->kernel_dtype);
    if (!k)
      throw Error(origin + ": " + node->describe() + " needs a " + node->backend + " kernel for " +
                  std::string(dtype_name(node->kernel_dtype)) + " that this build of qrt lacks");
    kernels.push_back(k);
  }
}

}  // namespace qrt
