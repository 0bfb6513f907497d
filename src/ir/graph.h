// The intermediate representation: a Graph of Nodes connected by Values.
//
// Canonical forms: the importer turns every supported op into its newest ONNX form (axes,
// pads, split sizes, clip bounds ... as inputs, not attributes), so kernels and shape
// inference only ever see one form.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "qrt/tensor.h"
#include "qrt/types.h"

namespace qrt::ir {

// A dimension: a known size, or one that follows the batch (symbol "N", "2N", ...) or is
// unknown (value -1, symbol empty).
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool is_static() const { return value >= 0 && symbol.empty(); }
  bool operator==(const Dim&) const = default;
};
using SymShape = std::vector<Dim>;
std::string sym_shape_to_string(const SymShape& s);

// Quantization parameters carried as data on a value (symmetric int8: zero point 0).
// axis < 0: per tensor (one scale); otherwise one scale per index along `axis`.
struct QuantParams {
  std::vector<float> scales;
  int64_t axis = -1;
  bool operator==(const QuantParams&) const = default;
};

class Node;

class Value {
 public:
  std::string name;
  DataType dtype = DataType::kUndefined;
  SymShape shape;                    // filled by shape inference
  std::optional<Tensor> constant;    // initializers and folded constants
  std::optional<QuantParams> quant;  // set by calibration / QDQ import
  Node* producer = nullptr;          // null for graph inputs and constants

  bool is_constant() const { return constant.has_value(); }
};

using AttributeValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                                    std::vector<float>, std::vector<std::string>, Tensor>;

class Node {
 public:
  std::string name;
  std::string op_type;
  std::string domain;           // "" for the default ONNX domain
  std::vector<Value*> inputs;   // nullptr marks an omitted optional input
  std::vector<Value*> outputs;  // nullptr marks an omitted optional output
  std::map<std::string, AttributeValue> attrs;
  // Filled by the builder and stored in the plan.
  std::string backend;                           // e.g. "reference"
  DataType kernel_dtype = DataType::kUndefined;  // the registry key the kernel was found by
  std::string tactic;                            // backend-specific kernel choice
  std::string fallback_reason;  // why not the preferred backend (partitioner); "" if it is

  Value* input(size_t i) const { return i < inputs.size() ? inputs[i] : nullptr; }
  Value* output(size_t i) const { return i < outputs.size() ? outputs[i] : nullptr; }
  bool has_attr(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t attr_int(const std::string& key, int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& key,
                                 const std::vector<int64_t>& fallback = {}) const;
  std::vector<float> attr_floats(const std::string& key,
                                 const std::vector<float>& fallback = {}) const;
  const Tensor* attr_tensor(const std::string& key) const;
  // "Conv 'conv1'" — for error messages.
  std::string describe() const;
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;

  std::string name;
  int64_t opset = 0;  // default-domain opset the model was imported from
  std::vector<Value*> inputs;
  std::vector<Value*> outputs;

  // Creates a value; the name must be unique (use unique_name()).
  Value* add_value(const std::string& name);
  Value* add_constant(const std::string& name, Tensor tensor);
  Node* add_node(const std::string& op_type, const std::string& name, std::vector<Value*> inputs,
                 std::vector<Value*> outputs);
  Value* find_value(const std::string& name) const;
  // `base`, or `base_N`: a name no value and no node has yet.
  std::string unique_name(const std::string& base) const;

  // Nodes in their current order (topological after topological_sort()).
  std::vector<Node*> nodes() const;
  std::vector<Value*> values() const;
  size_t node_count() const { return nodes_.size(); }

  // Removes a node; its outputs stay (as values without a producer) until remove_unused_values.
  void remove_node(Node* node);
  // Points every use of `from` (node inputs and graph outputs) at `to`.
  void replace_all_uses(Value* from, Value* to);
  // Drops values that nothing produces, consumes or exposes (and are not graph inputs).
  void remove_unused_values();
  // Orders nodes so each comes after the producers of its inputs; throws on a cycle.
  void topological_sort();
  // Puts the nodes in `order` (a permutation of nodes(), topological: the partitioner's).
  void set_node_order(const std::vector<Node*>& order);
  std::unordered_map<const Value*, std::vector<Node*>> consumers() const;
  bool is_graph_output(const Value* v) const;
  bool is_graph_input(const Value* v) const;

 private:
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<std::string, Value*> by_name_;
};

// Structural checks: every input is a graph input, a constant or some node's output; names
// unique; each value produced once; no cycles. Throws qrt::Error naming the node.
void validate(const Graph& graph);

}  // namespace qrt::ir
