#include "ir/graph.h"

#include <algorithm>
#include <sstream>
#include <unordered_set>

namespace qrt::ir {

std::string sym_shape_to_string(const SymShape& s) {
  std::ostringstream os;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) os << " x ";
    if (!s[i].symbol.empty())
      os << s[i].symbol;
    else if (s[i].value >= 0)
      os << s[i].value;
    else
      os << '?';
  }
  return s.empty() ? "scalar" : os.str();
}

namespace {
template <typename T>
const T* get_attr(const Node& n, const std::string& key) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end()) return nullptr;
  const T* v = std::get_if<T>(&it->second);
  if (!v) throw Error(n.describe() + ": attribute '" + key + "' has the wrong type");
  return v;
}
}  // namespace

int64_t Node::attr_int(const std::string& key, int64_t fallback) const {
  const auto* v = get_attr<int64_t>(*this, key);
  return v ? *v : fallback;
}
float Node::attr_float(const std::string& key, float fallback) const {
  auto it = attrs.find(key);
  if (it != attrs.end())
    if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<float>(*i);
  const auto* v = get_attr<float>(*this, key);
  return v ? *v : fallback;
}
std::string Node::attr_string(const std::string& key, const std::string& fallback) const {
  const auto* v = get_attr<std::string>(*this, key);
  return v ? *v : fallback;
}
std::vector<int64_t> Node::attr_ints(const std::string& key,
                                     const std::vector<int64_t>& fallback) const {
  const auto* v = get_attr<std::vector<int64_t>>(*this, key);
  return v ? *v : fallback;
}
std::vector<float> Node::attr_floats(const std::string& key,
                                     const std::vector<float>& fallback) const {
  const auto* v = get_attr<std::vector<float>>(*this, key);
  return v ? *v : fallback;
}
const Tensor* Node::attr_tensor(const std::string& key) const {
  return get_attr<Tensor>(*this, key);
}

std::string Node::describe() const { return op_type + " '" + name + "'"; }

Value* Graph::add_value(const std::string& value_name) {
  if (by_name_.count(value_name)) throw Error("duplicate value name '" + value_name + "'");
  values_.push_back(std::make_unique<Value>());
  Value* v = values_.back().get();
  v->name = value_name;
  by_name_[value_name] = v;
  return v;
}

Value* Graph::add_constant(const std::string& value_name, Tensor tensor) {
  Value* v = add_value(value_name);
  v->dtype = tensor.dtype();
  for (int64_t d : tensor.shape()) v->shape.push_back(Dim{d, {}});
  v->constant = std::move(tensor);
  return v;
}

Node* Graph::add_node(const std::string& op_type, const std::string& node_name,
                      std::vector<Value*> node_inputs, std::vector<Value*> node_outputs) {
  nodes_.push_back(std::make_unique<Node>());
  Node* n = nodes_.back().get();
  n->op_type = op_type;
  n->name = node_name;
  n->inputs = std::move(node_inputs);
  n->outputs = std::move(node_outputs);
  for (Value* o : n->outputs)
    if (o) o->producer = n;
  return n;
}

Value* Graph::find_value(const std::string& value_name) const {
  auto it = by_name_.find(value_name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::string Graph::unique_name(const std::string& base) const {
  // Unique among values and nodes alike: passes name new nodes after the values they make.
  std::unordered_set<std::string> node_names;
  for (const auto& n : nodes_) node_names.insert(n->name);
  auto taken = [&](const std::string& candidate_name) {
    return by_name_.count(candidate_name) != 0 || node_names.count(candidate_name) != 0;
  };
  if (!taken(base)) return base;
  for (int i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!taken(candidate)) return candidate;
  }
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

std::vector<Value*> Graph::values() const {
  std::vector<Value*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v.get());
  return out;
}

void Graph::remove_node(Node* node) {
  for (Value* o : node->outputs)
    if (o && o->producer == node) o->producer = nullptr;
  auto it =
      std::find_if(nodes_.begin(), nodes_.end(), [&](const auto& p) { return p.get() == node; });
  if (it != nodes_.end()) nodes_.erase(it);
}

void Graph::replace_all_uses(Value* from, Value* to) {
  for (auto& n : nodes_)
    for (Value*& in : n->inputs)
      if (in == from) in = to;
  for (Value*& o : outputs)
    if (o == from) o = to;
}

void Graph::remove_unused_values() {
  std::unordered_set<const Value*> used(inputs.begin(), inputs.end());
  used.insert(outputs.begin(), outputs.end());
  for (const auto& n : nodes_) {
    used.insert(n->inputs.begin(), n->inputs.end());
    used.insert(n->outputs.begin(), n->outputs.end());
  }
  std::vector<std::unique_ptr<Value>> kept;
  for (auto& v : values_) {
    if (used.count(v.get()))
      kept.push_back(std::move(v));
    else
      by_name_.erase(v->name);
  }
  values_ = std::move(kept);
}

void Graph::set_node_order(const std::vector<Node*>& order) {
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < nodes_.size(); ++i) index[nodes_[i].get()] = i;
  if (order.size() != nodes_.size())
    throw Error("set_node_order: " + std::to_string(order.size()) + " nodes given, the graph has " +
                std::to_string(nodes_.size()));
  std::vector<std::unique_ptr<Node>> reordered;
  for (Node* n : order) {
    auto it = index.find(n);
    if (it == index.end() || !nodes_[it->second])
      throw Error("set_node_order: a node is missing or repeated");
    reordered.push_back(std::move(nodes_[it->second]));
  }
  nodes_ = std::move(reordered);
}

void Graph::topological_sort() {
  // Kahn's algorithm, stable: among ready nodes keep the original order.
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < nodes_.size(); ++i) index[nodes_[i].get()] = i;
  std::vector<size_t> pending(nodes_.size(), 0);
  std::vector<std::vector<size_t>> users(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (Value* in : nodes_[i]->inputs) {
      if (!in || !in->producer) continue;
      auto it = index.find(in->producer);
      if (it == index.end()) continue;
      ++pending[i];
      users[it->second].push_back(i);
    }
  }
  std::vector<size_t> order;
  std::vector<size_t> ready;
  for (size_t i = nodes_.size(); i-- > 0;)
    if (pending[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    size_t i = ready.back();
    ready.pop_back();
    order.push_back(i);
    std::vector<size_t> now_ready;
    for (size_t u : users[i])
      if (--pending[u] == 0) now_ready.push_back(u);
    std::sort(now_ready.rbegin(), now_ready.rend());
    // Keep the lowest original index on top of the stack.
    std::vector<size_t> merged = ready;
    merged.insert(merged.end(), now_ready.begin(), now_ready.end());
    std::sort(merged.rbegin(), merged.rend());
    ready = std::move(merged);
  }
  if (order.size() != nodes_.size()) {
    for (size_t i = 0; i < nodes_.size(); ++i)
      if (pending[i] != 0) throw Error("graph has a cycle through " + nodes_[i]->describe());
  }
  std::vector<std::unique_ptr<Node>> sorted;
  sorted.reserve(nodes_.size());
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
}

std::unordered_map<const Value*, std::vector<Node*>> Graph::consumers() const {
  std::unordered_map<const Value*, std::vector<Node*>> out;
  for (const auto& n : nodes_)
    for (Value* in : n->inputs)
      if (in) out[in].push_back(n.get());
  return out;
}

bool Graph::is_graph_output(const Value* v) const {
  return std::find(outputs.begin(), outputs.end(), v) != outputs.end();
}
bool Graph::is_graph_input(const Value* v) const {
  return std::find(inputs.begin(), inputs.end(), v) != inputs.end();
}

void validate(const Graph& graph) {
  std::unordered_set<const Value*> available(graph.inputs.begin(), graph.inputs.end());
  std::unordered_set<std::string> node_names;
  for (const Value* v : graph.values())
    if (v->is_constant()) available.insert(v);
  for (const Node* n : graph.nodes()) {
    if (!n->name.empty() && !node_names.insert(n->name).second)
      throw Error("graph: two nodes are named '" + n->name + "'");
    for (size_t i = 0; i < n->inputs.size(); ++i) {
      const Value* in = n->inputs[i];
      if (in && !available.count(in))
        throw Error(n->describe() + ": input " + std::to_string(i) + " '" + in->name +
                    "' is neither a graph input, an initializer nor an earlier node's output");
    }
    for (const Value* o : n->outputs) {
      if (!o) continue;
      if (available.count(o))
        throw Error(n->describe() + ": output '" + o->name + "' is produced more than once");
      available.insert(o);
    }
  }
  for (const Value* o : graph.outputs)
    if (!available.count(o)) throw Error("graph output '" + o->name + "' is never produced");
}

}  // namespace qrt::ir
