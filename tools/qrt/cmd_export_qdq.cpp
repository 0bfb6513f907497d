// qrt export-qdq MODEL.onnx --calib-table FILE -o OUT.onnx: the model with QuantizeLinear /
// DequantizeLinear pairs carrying the table's scales, for onnxruntime, TensorRT and others.
#include <iostream>

#include "commands.h"
#include "onnx/export_qdq.h"

namespace qrt::cli {

Command add_export_qdq_command(CLI::App& parent) {
  struct Args {
    std::string model, table, output;
    std::string placement = "layer-inputs";
    bool quantize_outputs = false, int32_bias = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand(
      "export-qdq", "Write an ONNX model with QDQ nodes carrying a calibration table's scales");
  app->add_option("model", args->model, "The float ONNX model the table was calibrated on")
      ->required();
  app->add_option("--calib-table", args->table, "Calibration table (TensorRT cache or JSON)")
      ->required();
  app->add_option("-o,--output", args->output, "QDQ ONNX model to write")->required();
  app->add_option("--placement", args->placement,
                  "layer-inputs (default): QDQ pairs on the inputs of layers with int8 weights, "
                  "the scales qrt's int8 layers use; all: on every table tensor")
      ->check(CLI::IsMember({"all", "layer-inputs"}));
  app->add_flag("--quantize-outputs", args->quantize_outputs,
                "Also put QDQ pairs on the graph's outputs (their names are kept)");
  app->add_flag("--int32-bias", args->int32_bias,
                "int32 biases at scale x_scale * w_scale, as onnxruntime needs to run the layers "
                "in int8 (default: float biases, as TensorRT takes them)");
  return {app, [args] {
            const auto table = quant::read_calibration_table(args->table);
            onnx_export::ExportQdqOptions options;
            options.quantize_graph_outputs = args->quantize_outputs;
            options.int32_bias = args->int32_bias;
            options.placement = args->placement == "all" ? onnx_export::QdqPlacement::kAllTensors
                                                         : onnx_export::QdqPlacement::kLayerInputs;
            const auto report = onnx_export::export_qdq(args->model, table, args->output, options);
            // Names the model lacks are worth a warning; outputs and placement are by design.
            std::string missing;
            int by_design = 0;
            for (const auto& s : report.skipped) {
              const bool intended =
                  s.reason.rfind("graph output", 0) == 0 || s.reason.rfind("not the input", 0) == 0;
              by_design += intended;
              if (!intended)
                missing += (missing.empty() ? "'" : "; '") + s.name + "' (" + s.reason + ")";
            }
            if (!missing.empty())
              std::cerr << "qrt: warning: table tensors without a QDQ pair: " << missing << "\n";
            for (const auto& w : report.float_weights)
              std::cerr << "qrt: warning: weights stay float: " << w << "\n";
            for (const auto& b : report.float_biases)
              std::cerr << "qrt: warning: bias stays float: " << b << "\n";
            for (const auto& u : report.uncorrected)
              std::cerr << "qrt: warning: bias correction not applied: " << u << "\n";
            std::cout << "wrote " << args->output << ": " << report.activations
                      << " QDQ pairs on activations (" << by_design
                      << " table tensors left float by placement or as graph outputs), "
                      << report.weights << " int8 weight tensors"
                      << (report.corrected_biases ? ", " + std::to_string(report.corrected_biases) +
                                                        " biases bias-corrected"
                                                  : std::string())
                      << "\n";
            return 0;
          }};
}

}  // namespace qrt::cli
