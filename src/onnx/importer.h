// ONNX model import: ModelProto -> ir::Graph in the canonical (newest-opset) form.
//
// Supported: IR versions 3..10, default-domain opsets 7..18 (11..18 tested; older ones are
// converted on a best-effort basis). Nodes of other domains, and nodes with subgraphs, are
// reported as unsupported. Every failure is one qrt::Error line naming the file and the fault.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace qrt::onnx_import {

inline constexpr int64_t kMinOpset = 7;
inline constexpr int64_t kMaxOpset = 18;
inline constexpr int64_t kMinIrVersion = 3;
inline constexpr int64_t kMaxIrVersion = 10;

struct ImportOptions {
  // Fail when a node's op has no schema in ir::OpRegistry (listing every such op in one error).
  bool check_supported = true;
};

// Reads a model file; external data is looked up beside it.
ir::Graph import_onnx(const std::string& path, const ImportOptions& options = {});

// Imports serialized ModelProto bytes. `display_name` starts every error message; external
// data locations are relative to `base_dir` ("" = the current directory).
ir::Graph import_onnx_bytes(const std::string& bytes, const std::string& display_name,
                            const std::string& base_dir, const ImportOptions& options = {});

}  // namespace qrt::onnx_import
