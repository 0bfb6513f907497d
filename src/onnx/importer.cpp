#include "onnx/importer.h"

#include <onnx/onnx_pb.h>

#include <climits>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "ir/onnx_dtype.h"
#include "ir/op_schema.h"
#include "onnx/canonicalize.h"
#include "onnx/tensor_proto.h"

namespace qrt::onnx_import {

namespace {

using ir::Node;
using ir::Value;

std::string normalize_domain(const std::string& domain) {
  return domain == "ai.onnx" ? std::string() : domain;
}

// Converts one attribute; returns why it cannot be (empty on success).
std::string convert_attribute(const ::onnx::AttributeProto& a, const std::string& where,
                              const std::string& base_dir, ir::AttributeValue& out) {
  using A = ::onnx::AttributeProto;
  if (!a.ref_attr_name().empty())
    return "attribute '" + a.name() + "' refers to a function attribute";
  A::AttributeType type = a.type();
  if (type == A::UNDEFINED) {  // very old writers left the type out; infer it from the fields
    if (a.has_f())
      type = A::FLOAT;
    else if (a.has_i())
      type = A::INT;
    else if (a.has_s())
      type = A::STRING;
    else if (a.has_t())
      type = A::TENSOR;
    else if (a.has_g())
      type = A::GRAPH;
    else if (a.floats_size())
      type = A::FLOATS;
    else if (a.ints_size())
      type = A::INTS;
    else if (a.strings_size())
      type = A::STRINGS;
    else if (a.graphs_size())
      type = A::GRAPHS;
  }
  switch (type) {
    case A::FLOAT:
      out = a.f();
      return {};
    case A::INT:
      out = static_cast<int64_t>(a.i());
      return {};
    case A::STRING:
      out = a.s();
      return {};
    case A::TENSOR:
      out = tensor_from_proto(a.t(), where + ": attribute '" + a.name() + "'", base_dir);
      return {};
    case A::FLOATS:
      out = std::vector<float>(a.floats().begin(), a.floats().end());
      return {};
    case A::INTS:
      out = std::vector<int64_t>(a.ints().begin(), a.ints().end());
      return {};
    case A::STRINGS:
      out = std::vector<std::string>(a.strings().begin(), a.strings().end());
      return {};
    case A::GRAPH:
    case A::GRAPHS:
      return "has a subgraph";
    default:
      return "attribute '" + a.name() + "' has type " +
             (A::AttributeType_IsValid(type) ? A::AttributeType_Name(type)
                                             : std::to_string(static_cast<int>(type)));
  }
}

struct Unsupported {
  std::string op;  // "Foo" or "com.microsoft.Foo"
  std::string opset;
  std::string reason;  // empty: no schema for the op
  std::vector<std::string> nodes;
};

class Importer {
 public:
  Importer(std::string file, std::string base_dir, const ImportOptions& options)
      : file_(std::move(file)), base_dir_(std::move(base_dir)), options_(options) {}

  void parse(const std::string& bytes) {
    if (bytes.empty()) fail("empty file, not an ONNX model");
    if (bytes.size() > static_cast<size_t>(INT_MAX))
      fail("larger than 2 GiB; models this big must store their weights as external data");
    if (!model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      // Every ONNX writer puts ir_version (field 1, varint: tag 0x08) first.
      if (bytes[0] == '\x08') fail("truncated or corrupt ONNX model (protobuf parse failed)");
      fail("not an ONNX model (protobuf parse failed)");
    }
    if (!model_.has_ir_version()) fail("not an ONNX model (no IR version)");
    if (!model_.has_graph()) fail("ONNX model has no graph (truncated file?)");
  }

  // After parse(): the graph, canonicalized and checked.
  ir::Graph build() {
    read_opsets();
    const auto& g = model_.graph();
    graph_.name = g.name();
    graph_.opset = opsets_.at("");
    read_declared_types(g);
    read_initializers(g);
    read_inputs(g);
    read_nodes(g);
    read_outputs(g);
    canonicalize();
    report_unsupported();
    try {
      graph_.topological_sort();
      graph_.remove_unused_values();
      ir::validate(graph_);
    } catch (const Error& e) {
      fail(e.what());
    }
    return std::move(graph_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(io::printable(file_ + ": " + message));
  }

  static std::string opset_range() {
    std::string range = "(";
    range += std::to_string(kMinOpset);
    range += "..";
    range += std::to_string(kMaxOpset);
    return range + ")";
  }

  void read_opsets() {
    const int64_t ir = model_.ir_version();
    if (ir < kMinIrVersion || ir > kMaxIrVersion)
      fail("IR version " + std::to_string(ir) + " is not supported (" +
           std::to_string(kMinIrVersion) + ".." + std::to_string(kMaxIrVersion) + ")");
    for (const auto& op : model_.opset_import()) {
      const std::string domain = normalize_domain(op.domain());
      if (!opsets_.emplace(domain, op.version()).second)
        fail("opset of domain '" + domain + "' is imported twice");
    }
    auto it = opsets_.find("");
    if (it == opsets_.end()) {
      if (opsets_.empty()) fail("model imports no opset (truncated file?)");
      std::string others;
      for (const auto& [domain, version] : opsets_)
        others += (others.empty() ? "" : ", ") + domain + " " + std::to_string(version);
      fail("model imports no default-domain opset (only " + others + ")");
    }
    const int64_t opset = it->second;
    if (opset > kMaxOpset)
      fail("opset " + std::to_string(opset) + " is newer than qrt supports " + opset_range());
    if (opset < kMinOpset)
      fail("opset " + std::to_string(opset) + " is older than qrt supports " + opset_range());
  }

  void read_declared_types(const ::onnx::GraphProto& g) {
    auto note = [&](const ::onnx::ValueInfoProto& info) {
      if (!info.type().has_tensor_type()) return;
      if (auto dt = ir::dtype_from_onnx(info.type().tensor_type().elem_type()))
        declared_types_[info.name()] = *dt;
    };
    for (const auto& v : g.input()) note(v);
    for (const auto& v : g.output()) note(v);
    for (const auto& v : g.value_info()) note(v);
  }

  void read_initializers(const ::onnx::GraphProto& g) {
    if (g.sparse_initializer_size() > 0)
      fail("sparse initializer '" + g.sparse_initializer(0).values().name() + "' is not supported");
    for (int i = 0; i < g.initializer_size(); ++i) {
      const auto& t = g.initializer(i);
      if (t.name().empty()) fail("an initializer has no name");
      if (graph_.find_value(t.name())) fail("duplicate initializer name '" + t.name() + "'");
      graph_.add_constant(
          t.name(), tensor_from_proto(t, file_ + ": initializer '" + t.name() + "'", base_dir_));
      // The weights now live in the graph; free the protobuf's copy to bound peak memory.
      std::string().swap(*model_.mutable_graph()->mutable_initializer(i)->mutable_raw_data());
    }
  }

  // dtype of a graph input or output's tensor type; fails for non-tensor or unsupported types.
  DataType tensor_elem_type(const ::onnx::ValueInfoProto& info, const char* role) const {
    const std::string what = std::string(role) + " '" + info.name() + "'";
    if (!info.type().has_tensor_type())
      fail(what + " is not a tensor (sequence, map and optional values are not supported)");
    const int32_t elem = info.type().tensor_type().elem_type();
    if (elem == ::onnx::TensorProto::UNDEFINED) return DataType::kUndefined;
    auto dt = ir::dtype_from_onnx(elem);
    if (!dt) fail(what + " has unsupported element type " + elem_type_text(elem));
    return *dt;
  }

  void read_inputs(const ::onnx::GraphProto& g) {
    std::unordered_set<std::string> seen;
    for (const auto& in : g.input()) {
      if (in.name().empty()) fail("a graph input has no name");
      if (!seen.insert(in.name()).second) fail("graph input '" + in.name() + "' is listed twice");
      // An input that is also an initializer (required before IR 4) is a constant.
      if (graph_.find_value(in.name())) continue;
      const DataType dtype = tensor_elem_type(in, "graph input");
      if (dtype == DataType::kUndefined)
        fail("graph input '" + in.name() + "' has no element type");
      const auto& tt = in.type().tensor_type();
      if (!tt.has_shape())
        fail("graph input '" + in.name() + "' has no shape (its rank must be known)");
      Value* v = graph_.add_value(in.name());
      v->dtype = dtype;
      for (const auto& d : tt.shape().dim()) {
        if (d.has_dim_value() && d.dim_value() >= 0)
          v->shape.push_back(ir::Dim{d.dim_value(), {}});
        else if (d.has_dim_param() && !d.dim_param().empty())
          v->shape.push_back(ir::Dim{-1, d.dim_param()});
        else
          v->shape.push_back(ir::Dim{-1, "?"});
      }
      graph_.inputs.push_back(v);
    }
  }

  std::string describe_owner(const Value* v) const {
    if (v->is_constant()) return "an initializer";
    if (v->producer) return "an output of " + v->producer->describe();
    return "a graph input";
  }

  std::vector<std::string> node_names(const ::onnx::GraphProto& g) const {
    std::unordered_set<std::string> taken;
    for (const auto& n : g.node())
      if (!n.name().empty() && !taken.insert(n.name()).second)
        fail("two nodes are named '" + n.name() + "'");
    std::vector<std::string> names;
    for (int i = 0; i < g.node_size(); ++i) {
      const auto& n = g.node(i);
      if (!n.name().empty()) {
        names.push_back(n.name());
        continue;
      }
      std::string name = n.op_type() + "_" + std::to_string(i);
      for (int k = 1; taken.count(name); ++k)
        name = n.op_type() + "_" + std::to_string(i) + "_" + std::to_string(k);
      taken.insert(name);
      names.push_back(name);
    }
    return names;
  }

  std::string opset_text(const std::string& domain) const {
    auto it = opsets_.find(domain);
    return it == opsets_.end() ? std::string("domain not imported")
                               : "opset " + std::to_string(it->second);
  }

  void add_unsupported(const Node& node, const std::string& op, const std::string& reason) {
    const std::string display = node.domain.empty() ? op : node.domain + "." + op;
    const std::string opset = opset_text(node.domain);
    for (auto& u : unsupported_)
      if (u.op == display && u.opset == opset && u.reason == reason) {
        u.nodes.push_back(node.name);
        return;
      }
    unsupported_.push_back({display, opset, reason, {node.name}});
  }

  void read_nodes(const ::onnx::GraphProto& g) {
    const std::vector<std::string> names = node_names(g);
    std::vector<Node*> nodes;
    // Outputs first, inputs in a second pass: readers tolerate graphs that are not sorted.
    for (int i = 0; i < g.node_size(); ++i) {
      const auto& np = g.node(i);
      if (np.op_type().empty()) fail("node '" + names[i] + "' has no op_type");
      std::vector<Value*> outputs;
      for (const auto& out : np.output()) {
        if (out.empty()) {
          outputs.push_back(nullptr);
          continue;
        }
        if (const Value* existing = graph_.find_value(out))
          fail(np.op_type() + " '" + names[i] + "': output '" + out + "' is already " +
               describe_owner(existing));
        outputs.push_back(graph_.add_value(out));
      }
      Node* node = graph_.add_node(np.op_type(), names[i], {}, std::move(outputs));
      node->domain = normalize_domain(np.domain());
      original_ops_[node] = np.op_type();
      for (const auto& a : np.attribute()) {
        ir::AttributeValue value;
        const std::string why =
            convert_attribute(a, file_ + ": " + node->describe(), base_dir_, value);
        if (!why.empty()) {
          add_unsupported(*node, np.op_type(), why);
          flagged_.insert(node);
          break;
        }
        node->attrs[a.name()] = std::move(value);
      }
      nodes.push_back(node);
    }
    for (int i = 0; i < g.node_size(); ++i) {
      Node* node = nodes[i];
      for (const auto& in : g.node(i).input()) {
        if (in.empty()) {
          node->inputs.push_back(nullptr);
          continue;
        }
        Value* v = graph_.find_value(in);
        if (!v)
          fail(node->describe() + ": input '" + in +
               "' is neither a graph input, an initializer nor a node output");
        node->inputs.push_back(v);
      }
    }
  }

  void read_outputs(const ::onnx::GraphProto& g) {
    for (const auto& out : g.output()) {
      Value* v = graph_.find_value(out.name());
      if (!v) fail("graph output '" + out.name() + "' is never produced");
      if (graph_.is_graph_output(v)) fail("graph output '" + out.name() + "' is listed twice");
      const DataType declared = tensor_elem_type(out, "graph output");
      if (v->dtype == DataType::kUndefined) v->dtype = declared;
      graph_.outputs.push_back(v);
    }
    if (graph_.outputs.empty()) fail("graph has no outputs");
  }

  void canonicalize() {
    std::unordered_set<const Value*> used(graph_.outputs.begin(), graph_.outputs.end());
    for (const Node* n : graph_.nodes()) used.insert(n->inputs.begin(), n->inputs.end());
    const CanonicalizeContext ctx{graph_, graph_.opset, declared_types_, used};
    for (bool constants : {true, false}) {
      for (Node* n : graph_.nodes()) {
        if (!n->domain.empty() || flagged_.count(n) || (n->op_type == "Constant") != constants)
          continue;
        try {
          canonicalize_node(ctx, *n);
        } catch (const Error& e) {
          fail(e.what());
        }
      }
    }
    remove_orphaned_constants();
  }

  // Drops Constant nodes nothing reads, such as those canonicalization disconnected (an empty
  // Resize roi placeholder, a Dropout training flag).
  void remove_orphaned_constants() {
    std::unordered_set<const Value*> read(graph_.outputs.begin(), graph_.outputs.end());
    for (const Node* n : graph_.nodes()) read.insert(n->inputs.begin(), n->inputs.end());
    for (Node* n : graph_.nodes())
      if (n->op_type == "Constant" && n->domain.empty() && n->outputs.size() == 1 &&
          !read.count(n->outputs[0]))
        graph_.remove_node(n);
  }

  void report_unsupported() {
    if (options_.check_supported) {
      for (const Node* n : graph_.nodes()) {
        if (flagged_.count(n)) continue;
        if (!n->domain.empty() || !ir::OpRegistry::instance().find(n->op_type))
          add_unsupported(*n, original_ops_.at(n), {});
      }
    }
    if (unsupported_.empty()) return;
    std::string message = "unsupported ops: ";
    for (size_t i = 0; i < unsupported_.size(); ++i) {
      const Unsupported& u = unsupported_[i];
      if (i) message += "; ";
      message += u.op + (u.nodes.size() == 1 ? " (node " : " (nodes ");
      constexpr size_t kShown = 3;
      for (size_t k = 0; k < u.nodes.size() && k < kShown; ++k)
        message += (k ? ", '" : "'") + u.nodes[k] + "'";
      if (u.nodes.size() > kShown)
        message += " and " + std::to_string(u.nodes.size() - kShown) + " more";
      message += ", " + u.opset + (u.reason.empty() ? "" : ", " + u.reason) + ")";
    }
    fail(message);
  }

  std::string file_;
  std::string base_dir_;
  ImportOptions options_;
  ::onnx::ModelProto model_;
  ir::Graph graph_;
  std::map<std::string, int64_t> opsets_;  // domain ("" = default) -> version
  std::unordered_map<std::string, DataType> declared_types_;
  std::unordered_map<const Node*, std::string> original_ops_;  // op_type before canonicalization
  std::unordered_set<const Node*> flagged_;  // nodes that cannot be imported whatever the registry
  std::vector<Unsupported> unsupported_;
};

}  // namespace

ir::Graph import_onnx_bytes(const std::string& bytes, const std::string& display_name,
                            const std::string& base_dir, const ImportOptions& options) {
  Importer importer(display_name, base_dir, options);
  importer.parse(bytes);
  return importer.build();
}

ir::Graph import_onnx(const std::string& path, const ImportOptions& options) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  Importer importer(path, dir.empty() ? "." : dir, options);
  {
    // Freed once parsed, so the file's bytes, the protobuf and the graph never all coexist.
    const std::string bytes = io::read_file_bytes(path);
    importer.parse(bytes);
  }
  return importer.build();
}

}  // namespace qrt::onnx_import
