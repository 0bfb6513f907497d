#include "onnx/export_qdq.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "ir/shape_inference.h"
#include "onnx/importer.h"
#include "onnx/tensor_proto.h"
#include "quant/calibrate.h"
#include "quant/calibration_algorithms.h"

namespace qrt::onnx_export {

namespace {

namespace fs = std::filesystem;

// The first opset whose DequantizeLinear takes per-axis scales.
constexpr int64_t kMinQdqOpset = 13;

::onnx::TensorProto make_tensor(const std::string& name, int32_t onnx_type,
                                const std::vector<int64_t>& dims, const void* data, size_t nbytes) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx_type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(data, nbytes);
  return t;
}

// The float activations qrt calibrates (graph inputs and node outputs carrying data), by name,
// as the model's own importer and type inference see them; the batch (or any other symbolic
// dimension) is taken as 1. Values whose types are known only at run time are left out.
std::set<std::string> float_activations(const std::string& model_path) {
  ir::Graph graph = onnx_import::import_onnx(model_path);
  std::vector<ir::TensorType> input_types;
  for (const ir::Value* v : graph.inputs) {
    ir::TensorType t{v->dtype, {}};
    for (const ir::Dim& d : v->shape) t.shape.push_back(d.is_static() ? d.value : 1);
    input_types.push_back(std::move(t));
  }
  ir::InferOptions options;
  options.defer_unknown_values = true;
  ir::ConcreteInference inference;
  try {
    inference = ir::infer_concrete(graph, input_types, options);
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  for (ir::Value* v : graph.values()) {
    auto it = inference.types.find(v);
    v->dtype = it == inference.types.end() ? DataType::kUndefined : it->second.dtype;
  }
  const auto names = quant::tensors_to_calibrate(graph);
  return {names.begin(), names.end()};
}

// Symmetric int8 per output channel along `axis`: scale = amax / 127 (qrt's rule for weights).
struct ChannelQuantized {
  std::vector<int8_t> q;
  std::vector<float> scales;
};

ChannelQuantized quantize_per_channel(const Tensor& w, int64_t axis) {
  const int64_t channels = w.dim(static_cast<size_t>(axis));
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < w.rank(); ++d) inner *= w.dim(d);
  auto channel_of = [&](int64_t i) { return static_cast<size_t>((i / inner) % channels); };
  const float* src = w.data_as<float>();
  std::vector<float> amax(static_cast<size_t>(channels), 0.f);
  for (int64_t i = 0; i < w.numel(); ++i)
    amax[channel_of(i)] = std::max(amax[channel_of(i)], std::fabs(src[i]));
  ChannelQuantized out;
  for (float a : amax) out.scales.push_back(quant::scale_from_amax(a));
  out.q.resize(static_cast<size_t>(w.numel()));
  for (int64_t i = 0; i < w.numel(); ++i) {
    const float q = std::nearbyint(src[i] / out.scales[channel_of(i)]);
    out.q[static_cast<size_t>(i)] = static_cast<int8_t>(std::clamp(q, -127.f, 127.f));
  }
  return out;
}

class QdqExporter {
 public:
  QdqExporter(std::string model_path, const quant::CalibrationTable& table,
              const ExportQdqOptions& options)
      : path_(std::move(model_path)), table_(table), options_(options) {
    const std::string dir = fs::path(path_).parent_path().string();
    base_dir_ = dir.empty() ? "." : dir;
  }

  ExportQdqReport run(const std::string& out_path) {
    parse();
    check_scales();
    const std::set<std::string> activations = float_activations(path_);
    index_graph();
    choose_activations(activations);
    plan_weights();
    rebuild_nodes();
    drop_unused_initializers();
    write(out_path);
    return report_;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(io::printable(path_ + ": " + message));
  }

  void parse() {
    const std::string bytes = io::read_file_bytes(path_);
    if (bytes.size() > static_cast<size_t>(INT_MAX))
      fail("larger than 2 GiB; models this big must store their weights as external data");
    if (bytes.empty() || !model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
        !model_.has_graph())
      fail("not an ONNX model (protobuf parse failed)");
    int64_t opset = -1;
    for (const auto& op : model_.opset_import())
      if (op.domain().empty() || op.domain() == "ai.onnx") opset = op.version();
    if (opset < 0) fail("model imports no default-domain opset");
    if (opset < kMinQdqOpset)
      fail("opset " + std::to_string(opset) + " is older than 13, the first with per-axis " +
           "DequantizeLinear; convert the model to opset 13 or newer before exporting QDQ");
  }

  void check_scales() const {
    for (const auto& [name, scale] : table_.scales)
      if (!(scale > 0) || !std::isfinite(scale))
        fail("calibration table: scale " + std::to_string(scale) + " of '" + name +
             "' is not positive and finite");
  }

  void index_graph() {
    const auto& g = model_.graph();
    auto take = [&](const std::string& name) {
      if (!name.empty()) taken_.insert(name);
    };
    for (const auto& t : g.initializer()) {
      take(t.name());
      initializers_[t.name()] = &t;
    }
    for (const auto& v : g.input()) {
      take(v.name());
      graph_inputs_.insert(v.name());
    }
    for (const auto& v : g.output()) {
      take(v.name());
      graph_outputs_.insert(v.name());
    }
    for (const auto& v : g.value_info()) take(v.name());
    for (const auto& n : g.node()) {
      take(n.name());
      for (const auto& out : n.output()) {
        take(out);
        node_outputs_.insert(out);
      }
      for (const auto& in : n.input()) take(in);
    }
  }

  std::string unique(const std::string& base) {
    std::string name = base;
    for (int k = 1; taken_.count(name); ++k) name = base + "_" + std::to_string(k);
    taken_.insert(name);
    return name;
  }

  void skip(const std::string& name, const std::string& reason) {
    report_.skipped.push_back({name, reason});
  }

  // Which table tensors get a QDQ pair, and the name their consumers read afterwards.
  void choose_activations(const std::set<std::string>& activations) {
    const std::set<std::string> layer_inputs = int8_layer_inputs();
    for (const auto& [name, scale] : table_.scales) {
      const bool produced = node_outputs_.count(name) != 0;
      const bool input = graph_inputs_.count(name) != 0 && !initializers_.count(name);
      if (!produced && !input) {
        skip(name, initializers_.count(name) ? "an initializer, not an activation"
                                             : "not a tensor of the model");
        continue;
      }
      if (!activations.count(name)) {
        skip(name,
             "not a float32 activation (shape arithmetic, another element type, or a "
             "type known only at run time)");
        continue;
      }
      if (options_.placement == QdqPlacement::kLayerInputs && !layer_inputs.count(name)) {
        skip(name, "not the input of a layer with int8 weights");
        continue;
      }
      if (graph_outputs_.count(name)) {
        if (!options_.quantize_graph_outputs) {
          skip(name, "graph output (kept float)");
          continue;
        }
        if (input) {
          skip(name, "graph input passed straight through to an output");
          continue;
        }
      }
      quantized_[name] = scale;
    }
  }

  // Why the weight of `node` cannot be stored in int8 (empty when it can), and its axis.
  std::string weight_axis(const ::onnx::NodeProto& node, int64_t* axis) const {
    if (node.input_size() < 2 || node.input(1).empty()) return "no weight input";
    const std::string& w = node.input(1);
    const std::string why = constant_float(w, "weight");
    if (!why.empty()) return why;
    const int rank = initializers_.at(w)->dims_size();
    const std::string& op = node.op_type();
    if (op == "Conv" || op == "ConvTranspose") {
      if (rank < 3) return "weight '" + w + "' has rank " + std::to_string(rank);
      *axis = op == "Conv" ? 0 : 1;
      return {};
    }
    if (rank != 2) return "weight '" + w + "' has rank " + std::to_string(rank) + ", not 2";
    *axis = op == "Gemm" && int_attr(node, "transB", 0) != 0 ? 0 : 1;
    return {};
  }

  // Why initializer `name` is no constant float32 tensor (empty when it is).
  std::string constant_float(const std::string& name, const std::string& role) const {
    auto it = initializers_.find(name);
    if (it == initializers_.end()) return role + " '" + name + "' is not an initializer";
    if (graph_inputs_.count(name)) return role + " '" + name + "' is also a graph input";
    if (it->second->data_type() != ::onnx::TensorProto::FLOAT)
      return role + " '" + name + "' is not float32";
    return {};
  }

  static int64_t int_attr(const ::onnx::NodeProto& node, const std::string& name,
                          int64_t fallback) {
    for (const auto& a : node.attribute())
      if (a.name() == name) return a.i();
    return fallback;
  }

  static float float_attr(const ::onnx::NodeProto& node, const std::string& name, float fallback) {
    for (const auto& a : node.attribute())
      if (a.name() == name) return a.f();
    return fallback;
  }

  static std::string describe(const ::onnx::NodeProto& node) {
    return node.op_type() + " '" + (node.name().empty() ? node.output(0) : node.name()) + "'";
  }

  static bool is_int8_layer(const ::onnx::NodeProto& node) {
    static const std::set<std::string> kLayers = {"Conv", "ConvTranspose", "Gemm", "MatMul"};
    return (node.domain().empty() || node.domain() == "ai.onnx") && kLayers.count(node.op_type());
  }

  // The activations read by layers whose weights can be stored in int8.
  std::set<std::string> int8_layer_inputs() const {
    std::set<std::string> names;
    int64_t axis = 0;
    for (const auto& node : model_.graph().node())
      if (is_int8_layer(node) && node.input_size() > 0 && weight_axis(node, &axis).empty())
        names.insert(node.input(0));
    return names;
  }

  // A per-channel DequantizeLinear of constants, emitted before its first reader.
  struct ConstantDq {
    ::onnx::NodeProto node;
    std::vector<float> scales;
    bool emitted = false;
  };

  void add_initializer(const std::string& name, int32_t onnx_type, const std::vector<int64_t>& dims,
                       const void* data, size_t nbytes) {
    *model_.mutable_graph()->add_initializer() = make_tensor(name, onnx_type, dims, data, nbytes);
  }

  // `q` (int8 or int32 values) with per-channel `scales` and zero points along `axis`.
  template <typename T>
  ConstantDq constant_dq(const std::string& base, const std::vector<T>& q,
                         const std::vector<int64_t>& dims, std::vector<float> scales,
                         int64_t axis) {
    constexpr int32_t type =
        sizeof(T) == 1 ? ::onnx::TensorProto::INT8 : ::onnx::TensorProto::INT32;
    const std::string q_name = unique(base + "_quantized");
    const std::string s_name = unique(base + "_scale");
    const std::string z_name = unique(base + "_zero_point");
    const int64_t channels = static_cast<int64_t>(scales.size());
    const std::vector<T> zeros(scales.size(), 0);
    add_initializer(q_name, type, dims, q.data(), q.size() * sizeof(T));
    add_initializer(s_name, ::onnx::TensorProto::FLOAT, {channels}, scales.data(),
                    scales.size() * sizeof(float));
    add_initializer(z_name, type, {channels}, zeros.data(), zeros.size() * sizeof(T));
    ConstantDq dq{make_node("DequantizeLinear", unique(base + "_DequantizeLinear"),
                            {q_name, s_name, z_name}, unique(base + "_DequantizeLinear_Output")),
                  std::move(scales)};
    auto* attr = dq.node.add_attribute();
    attr->set_name("axis");
    attr->set_type(::onnx::AttributeProto::INT);
    attr->set_i(axis);
    return dq;
  }

  Tensor read_initializer(const std::string& name) const {
    return onnx_import::tensor_from_proto(*initializers_.at(name),
                                          path_ + ": initializer '" + name + "'", base_dir_);
  }

  // Weights of the layers reading a quantized activation become int8 per output channel; with
  // int32_bias, their biases become int32 at scale x_scale * w_scale[c].
  void plan_weights() {
    std::map<std::string, int64_t> axes;
    for (const auto& node : model_.graph().node()) {
      if (!is_int8_layer(node) || node.input_size() == 0 || !quantized_.count(node.input(0)))
        continue;
      int64_t axis = 0;
      const std::string why = weight_axis(node, &axis);
      if (!why.empty()) {
        report_.float_weights.push_back(describe(node) + ": " + why);
        continue;
      }
      const std::string& w = node.input(1);
      if (axes.count(w) && axes.at(w) != axis) {
        report_.float_weights.push_back(describe(node) + ": weight '" + w +
                                        "' is shared with a layer quantized along another axis");
        continue;
      }
      if (!axes.count(w)) {
        axes[w] = axis;
        const ChannelQuantized cq = quantize_per_channel(read_initializer(w), axis);
        const auto& dims = initializers_.at(w)->dims();
        weight_dq_[w] = constant_dq(w, cq.q, {dims.begin(), dims.end()}, cq.scales, axis);
        replaced_.insert(w);
        ++report_.weights;
      }
      weight_readers_.insert(&node);
      const std::string bias = correct_bias(node);
      if (options_.int32_bias) plan_bias(node, bias);
    }
    for (const auto& [layer, values] : table_.bias_corrections)
      if (!corrected_layers_.count(layer))
        report_.uncorrected.push_back(
            "'" + layer + "': not the output of a Conv, ConvTranspose or Gemm with int8 weights");
  }

  // The table's bias correction of `node` (keyed by its output), if any: a new float initializer
  // bias - correction (a bias of zeros where the node had none), which the node reads from then
  // on. Returns the name of the bias the node reads ("" for none).
  std::string correct_bias(const ::onnx::NodeProto& node) {
    const std::string bias = node.input_size() > 2 ? node.input(2) : std::string();
    if (node.output_size() < 1) return bias;
    auto it = table_.bias_corrections.find(node.output(0));
    if (it == table_.bias_corrections.end()) return bias;
    corrected_layers_.insert(node.output(0));
    const std::vector<float>& correction = it->second;
    const int64_t channels = static_cast<int64_t>(weight_dq_.at(node.input(1)).scales.size());
    std::string why;
    if (node.op_type() == "MatMul") why = "MatMul has no bias input";
    if (why.empty() && static_cast<int64_t>(correction.size()) != channels)
      why = std::to_string(correction.size()) + " values for " + std::to_string(channels) +
            " output channels";
    float beta = 1.f;
    if (why.empty() && node.op_type() == "Gemm") {
      beta = float_attr(node, "beta", 1.f);
      if (beta == 0.f && !bias.empty()) why = "beta is 0";
      if (beta == 0.f) beta = 1.f;  // no C read: the new bias is the correction alone
    }
    std::vector<float> values(correction.size(), 0.f);
    if (why.empty() && !bias.empty()) {
      why = constant_float(bias, "bias");
      if (why.empty() &&
          (initializers_.at(bias)->dims_size() != 1 || initializers_.at(bias)->dims(0) != channels))
        why = "bias '" + bias + "' is not 1-D with one value per output channel";
      if (why.empty()) values = read_initializer(bias).to_float_vector();
    }
    if (!why.empty()) {
      report_.uncorrected.push_back(describe(node) + ": " + why);
      return bias;
    }
    // The layer adds beta * C (Gemm) or B: the float value of bias - correction / beta.
    for (size_t c = 0; c < values.size(); ++c)
      values[c] = static_cast<float>(static_cast<double>(values[c]) -
                                     static_cast<double>(correction[c]) / beta);
    const std::string name =
        unique((bias.empty() ? node.output(0) + "_bias" : bias) + "_corrected");
    add_initializer(name, ::onnx::TensorProto::FLOAT, {channels}, values.data(),
                    values.size() * sizeof(float));
    const auto& inits = model_.graph().initializer();
    initializers_[name] = &inits.Get(inits.size() - 1);
    corrected_bias_[&node] = name;
    if (!bias.empty()) replaced_.insert(bias);
    ++report_.corrected_biases;
    return name;
  }

  void plan_bias(const ::onnx::NodeProto& node, const std::string& b) {
    if (b.empty()) return;
    const std::vector<float>& w_scales = weight_dq_.at(node.input(1)).scales;
    std::string why = constant_float(b, "bias");
    if (why.empty() && initializers_.at(b)->dims_size() != 1) why = "bias '" + b + "' is not 1-D";
    if (why.empty() && initializers_.at(b)->dims(0) != static_cast<int64_t>(w_scales.size()))
      why = "bias '" + b + "' does not have one value per weight scale";
    if (why.empty() && node.op_type() == "Gemm" && float_attr(node, "beta", 1.f) != 1.f)
      why = "beta is not 1";
    if (!why.empty()) {
      report_.float_biases.push_back(describe(node) + ": " + why);
      return;
    }
    const float x_scale = quantized_.at(node.input(0));
    const auto bias = read_initializer(b).to_float_vector();
    std::vector<float> scales;
    std::vector<int32_t> q;
    for (size_t c = 0; c < bias.size(); ++c) {
      scales.push_back(x_scale * w_scales[c]);
      const double v = std::nearbyint(static_cast<double>(bias[c]) / scales.back());
      q.push_back(static_cast<int32_t>(std::clamp(v, double{INT32_MIN}, double{INT32_MAX})));
    }
    bias_dq_[&node] = constant_dq(b, q, {static_cast<int64_t>(q.size())}, scales, 0);
    replaced_.insert(b);
  }

  static ::onnx::NodeProto make_node(const std::string& op, const std::string& name,
                                     const std::vector<std::string>& inputs,
                                     const std::string& output) {
    ::onnx::NodeProto n;
    n.set_op_type(op);
    n.set_name(name);
    for (const auto& in : inputs) n.add_input(in);
    n.add_output(output);
    return n;
  }

  // QuantizeLinear -> DequantizeLinear on `name`: returns the two nodes; afterwards readers of
  // the activation read dequantized_[name] (a graph output's DequantizeLinear takes its name).
  std::vector<::onnx::NodeProto> activation_qdq(const std::string& name, float scale) {
    const bool output = graph_outputs_.count(name) != 0;
    const std::string source = output ? renamed_outputs_.at(name) : name;
    const std::string s_name = unique(name + "_scale");
    const std::string z_name = unique(name + "_zero_point");
    const int8_t zero = 0;
    auto* inits = model_.mutable_graph()->mutable_initializer();
    *inits->Add() = make_tensor(s_name, ::onnx::TensorProto::FLOAT, {}, &scale, sizeof scale);
    *inits->Add() = make_tensor(z_name, ::onnx::TensorProto::INT8, {}, &zero, 1);
    const std::string q_out = unique(name + "_QuantizeLinear_Output");
    const std::string dq_out = output ? name : dequantized_.at(name);
    ++report_.activations;
    return {make_node("QuantizeLinear", unique(name + "_QuantizeLinear"), {source, s_name, z_name},
                      q_out),
            make_node("DequantizeLinear", unique(name + "_DequantizeLinear"),
                      {q_out, s_name, z_name}, dq_out)};
  }

  void rebuild_nodes() {
    for (const auto& [name, scale] : quantized_) {
      if (graph_outputs_.count(name))
        renamed_outputs_[name] = unique(name + "_float");
      else
        dequantized_[name] = unique(name + "_DequantizeLinear_Output");
    }
    auto* graph = model_.mutable_graph();
    google::protobuf::RepeatedPtrField<::onnx::NodeProto> old_nodes;
    old_nodes.Swap(graph->mutable_node());
    auto emit = [&](::onnx::NodeProto n) { *graph->add_node() = std::move(n); };
    auto emit_qdq = [&](const std::string& name) {
      auto it = quantized_.find(name);
      if (it == quantized_.end()) return;
      for (auto& n : activation_qdq(name, it->second)) emit(std::move(n));
    };
    for (const auto& in : graph->input()) emit_qdq(in.name());
    for (auto& node : old_nodes) {
      if (weight_readers_.count(&node)) {
        ConstantDq& w = weight_dq_.at(node.input(1));
        if (!w.emitted) emit(w.node);
        w.emitted = true;
        node.set_input(1, w.node.output(0));
        if (auto corrected = corrected_bias_.find(&node); corrected != corrected_bias_.end()) {
          while (node.input_size() < 3) node.add_input("");
          node.set_input(2, corrected->second);
        }
        auto bias = bias_dq_.find(&node);
        if (bias != bias_dq_.end()) {
          emit(bias->second.node);
          node.set_input(2, bias->second.node.output(0));
        }
      }
      // A node reading a quantized activation twice (Mul(x, x)) has both inputs rewired.
      for (int i = 0; i < node.input_size(); ++i) {
        auto it = dequantized_.find(node.input(i));
        if (it != dequantized_.end()) node.set_input(i, it->second);
      }
      std::vector<std::string> produced(node.output().begin(), node.output().end());
      for (int i = 0; i < node.output_size(); ++i) {
        auto it = renamed_outputs_.find(node.output(i));
        if (it != renamed_outputs_.end()) node.set_output(i, it->second);
      }
      emit(std::move(node));
      for (const auto& out : produced) emit_qdq(out);
    }
  }

  // Float weights and biases now read by no node stay out of the file.
  void drop_unused_initializers() {
    std::unordered_set<std::string> read(graph_outputs_.begin(), graph_outputs_.end());
    for (const auto& n : model_.graph().node()) read.insert(n.input().begin(), n.input().end());
    auto* inits = model_.mutable_graph()->mutable_initializer();
    for (int i = inits->size() - 1; i >= 0; --i) {
      const std::string& name = inits->Get(i).name();
      if (replaced_.count(name) && !read.count(name)) inits->DeleteSubrange(i, 1);
    }
  }

  // Initializers kept as external data by the source go to "<out name>.data" beside the output,
  // read in full first so that the source's data file may be the one overwritten.
  void write(const std::string& out_path) {
    auto* inits = model_.mutable_graph()->mutable_initializer();
    std::vector<std::pair<::onnx::TensorProto*, Tensor>> external;
    for (auto& t : *inits)
      if (t.data_location() == ::onnx::TensorProto::EXTERNAL)
        external.emplace_back(&t, onnx_import::tensor_from_proto(
                                      t, path_ + ": initializer '" + t.name() + "'", base_dir_));
    if (!external.empty()) {
      const std::string data_name = fs::path(out_path).filename().string() + ".data";
      const std::string data_path = (fs::path(out_path).parent_path() / data_name).string();
      std::ofstream data(data_path, std::ios::binary | std::ios::trunc);
      if (!data) throw Error(data_path + ": cannot write (" + std::strerror(errno) + ")");
      uint64_t offset = 0;
      for (auto& [proto, tensor] : external) {
        data.write(static_cast<const char*>(tensor.data()),
                   static_cast<std::streamsize>(tensor.nbytes()));
        proto->clear_external_data();
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", data_name},
                                         {"offset", std::to_string(offset)},
                                         {"length", std::to_string(tensor.nbytes())}}) {
          auto* entry = proto->add_external_data();
          entry->set_key(key);
          entry->set_value(value);
        }
        offset += tensor.nbytes();
      }
      if (!data.flush()) throw Error(data_path + ": write failed");
    }
    std::string bytes;
    if (!model_.SerializeToString(&bytes))
      throw Error(out_path + ": the QDQ model is over protobuf's 2 GiB limit");
    std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(out_path + ": cannot write (" + std::strerror(errno) + ")");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw Error(out_path + ": write failed");
  }

  std::string path_;
  std::string base_dir_;
  const quant::CalibrationTable& table_;
  ExportQdqOptions options_;
  ::onnx::ModelProto model_;
  ExportQdqReport report_;
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, const ::onnx::TensorProto*> initializers_;
  std::unordered_set<std::string> graph_inputs_, graph_outputs_, node_outputs_;
  std::map<std::string, float> quantized_;                       // activation -> scale
  std::map<std::string, std::string> dequantized_;               // activation -> DQ output
  std::map<std::string, std::string> renamed_outputs_;           // graph output -> "<name>_float"
  std::map<std::string, ConstantDq> weight_dq_;                  // weight -> its int8 form
  std::map<const ::onnx::NodeProto*, ConstantDq> bias_dq_;       // layer -> its int32 bias
  std::unordered_set<const ::onnx::NodeProto*> weight_readers_;  // layers reading int8 weights
  std::map<const ::onnx::NodeProto*, std::string> corrected_bias_;  // layer -> its new bias
  std::set<std::string> corrected_layers_;  // table bias corrections that found their layer
  std::set<std::string> replaced_;          // float initializers replaced
};

}  // namespace

ExportQdqReport export_qdq(const std::string& model_path, const quant::CalibrationTable& table,
                           const std::string& out_path, const ExportQdqOptions& options) {
  return QdqExporter(model_path, table, options).run(out_path);
}

}  // namespace qrt::onnx_export
