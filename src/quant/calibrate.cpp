#include "quant/calibrate.h"

#include <algorithm>
#include <set>

#include "quant/bias_correction.h"
#include "quant/calibrator.h"
#include "quant/device_calibration_stats.h"
#include "quant/precision.h"
#include "runtime/engine_impl.h"

namespace qrt::quant {

std::vector<std::string> tensors_to_calibrate(const ir::Graph& graph) {
  const auto activations = activation_values(graph);
  std::vector<std::string> names;
  for (const ir::Value* v : graph.values())
    if (activations.count(v) && v->dtype == DataType::kFloat32 && !v->is_constant())
      names.push_back(v->name);
  std::sort(names.begin(), names.end());
  return names;
}

CalibrationTable calibrate(const std::shared_ptr<const EngineImpl>& engine,
                           const CalibrationConfig& config, StatisticsOn where) {
  const auto algorithm = algorithm_from_name(config.algorithm);
  if (!algorithm)
    throw Error("unknown calibration algorithm '" + config.algorithm +
                "' (minmax, entropy, percentile, mse)");
  if (config.num_batches < 1 || !config.batch) throw Error("calibration needs at least one batch");
  if (*algorithm == Algorithm::kPercentile && !(config.percentile > 0 && config.percentile <= 100))
    throw Error("--calib-percentile " + std::to_string(config.percentile) + " must be in (0, 100]");
  const auto names = tensors_to_calibrate(engine->graph);
  const std::set<std::string> wanted(names.begin(), names.end());
  // Bias correction: the means of the int8 layers' inputs, gathered on the host in pass 1.
  std::map<std::string, std::vector<MeanOver>> mean_inputs;
  if (config.bias_correction) {
    for (const auto& [name, over] : bias_correction_inputs(engine->graph))
      mean_inputs[name].push_back(over);
    where = StatisticsOn::kHost;
  }
  InputMeans means;
  Calibrator calibrator;
  ExecutionContext context(engine);
  // GPU engines: tensors computed on the device are summarised there (the host sees the rest).
  std::unique_ptr<DeviceCalibrationStats> on_device;
  if (where == StatisticsOn::kWhereTensorsLive && engine->uses_device()) {
    on_device = make_cuda_calibration_stats();
    observe_device_tensors(context, [&](const std::string& name, const Tensor& t, void* stream) {
      if (wanted.count(name)) on_device->observe(name, t, stream);
    });
  }
  const int passes = Calibrator::needs_histograms(*algorithm) ? 2 : 1;
  const int64_t total = passes * config.num_batches;
  int64_t done = 0;
  for (int pass = 0; pass < passes; ++pass) {
    if (on_device && pass == 1) {
      std::map<std::string, float> amax;
      for (const auto& [name, stats] : calibrator.stats()) amax[name] = stats.amax();
      on_device->begin_histograms(amax);
    }
    auto observe = [&](const std::string& name, const Tensor& t) {
      if (pass == 0)
        if (auto it = mean_inputs.find(name); it != mean_inputs.end())
          for (MeanOver over : it->second) means.observe(name, t, over);
      if (!wanted.count(name)) return;
      if (pass == 0)
        calibrator.observe_range(name, t);
      else
        calibrator.observe_histogram(name, t);
    };
    for (int64_t i = 0; i < config.num_batches; ++i) {
      auto inputs = config.batch(i);
      // "" names the model's only input (the CLI's datasets do not know input names).
      if (inputs.count("") && engine->graph.inputs.size() == 1) {
        inputs[engine->graph.inputs[0]->name] = inputs.at("");
        inputs.erase("");
      }
      try {
        for (const auto& [name, t] : inputs) observe(name, t);
        context.run(inputs, observe);
      } catch (const Error& e) {
        throw Error(config.data_name + ": batch " + std::to_string(i) + ": " + e.what());
      }
      if (config.progress) config.progress(++done, total);
    }
    if (on_device)
      for (const auto& [name, stats] :
           pass == 0 ? on_device->take_ranges() : on_device->take_histograms())
        calibrator.merge(name, stats);
  }
  AlgorithmOptions options;
  options.algorithm = *algorithm;
  options.percentile = config.percentile;
  CalibrationTable table = table_from_amax(calibrator.compute_amax(options), *algorithm);
  if (config.bias_correction)
    table.bias_corrections = compute_bias_corrections(engine->graph, means);
  return table;
}

std::vector<std::string> apply_table(ir::Graph& graph, const CalibrationTable& table,
                                     const std::string& source) {
  const auto names = tensors_to_calibrate(graph);
  auto missing = check_table_against(table, names, source);
  for (const std::string& name : names) {
    auto it = table.scales.find(name);
    if (it != table.scales.end()) graph.find_value(name)->quant = ir::QuantParams{{it->second}, -1};
  }
  return missing;
}

}  // namespace qrt::quant
