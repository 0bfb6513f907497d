// Where INT8 scales come from: calibration over data, a saved table, or (QDQ models) the model.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "qrt/engine.h"
#include "quant/calibration_table.h"

namespace qrt {
struct EngineImpl;
}

namespace qrt::quant {

// The float activations INT8 needs scales for: graph inputs and node outputs carrying data.
std::vector<std::string> tensors_to_calibrate(const ir::Graph& graph);

// Where the statistics of a GPU engine's tensors are gathered: on the GPU (the default), or on
// the host from copies (what a TensorCallback sees; for tests comparing the two).
enum class StatisticsOn { kWhereTensorsLive, kHost };

// Runs the float engine over the calibration batches (twice for histogram algorithms) and
// returns the table of scales.
CalibrationTable calibrate(const std::shared_ptr<const EngineImpl>& engine,
                           const CalibrationConfig& config,
                           StatisticsOn where = StatisticsOn::kWhereTensorsLive);

// Writes the table's scales onto the graph's values (per tensor). Returns the names the table
// lacks (left in float); throws when the table is for another model.
std::vector<std::string> apply_table(ir::Graph& graph, const CalibrationTable& table,
                                     const std::string& source);

}  // namespace qrt::quant
