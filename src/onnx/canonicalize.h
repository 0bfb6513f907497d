// Rewrites nodes imported from older opsets into the newest-opset forms that op schemas and
// kernels handle (see "Canonical forms" in ir/graph.h): attributes that later opsets turned
// into inputs become constant inputs, Upsample becomes Resize, Constant always carries one
// "value" tensor, BatchNormalization and Dropout lose their training-only parts.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

#include "ir/graph.h"

namespace qrt::onnx_import {

struct CanonicalizeContext {
  ir::Graph& graph;
  int64_t opset;  // the model's default-domain opset
  // Element types the model declares (inputs, outputs, value_info, initializers) by value name;
  // used to type the constants that replace attributes of Pad and Clip.
  const std::unordered_map<std::string, DataType>& declared_types;
  // Values read by some node or exposed as graph outputs; other outputs may be dropped.
  const std::unordered_set<const ir::Value*>& used_values;
};

// Canonicalizes one default-domain node in place (Constant nodes first: other rewrites read
// their values); throws qrt::Error naming the node when the
// node uses something qrt cannot express (training mode, string constants, ...).
void canonicalize_node(const CanonicalizeContext& ctx, ir::Node& node);

}  // namespace qrt::onnx_import
