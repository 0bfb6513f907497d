// qrt export-qdq MODEL.onnx --calib-table FILE -o OUT.onnx: the model with QuantizeLinear /
// DequantizeLinear pairs carrying the table's scales, for onnxruntime, TensorRT and others.
#include <iostream>

#include "commands.h"
#include "onnx/export_qdq.h"

namespace qrt::cli {

Command add_export_qdq_command(CLI::App& parent) {
  struct Args {
    std::string model, table, output;
    bool quantize_outputs = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand(
      "export-qdq", "Write an ONNX model with QDQ nodes carrying a calibration table's scales");
  app->add_option("model", args->model, "The float ONNX model the table was calibrated on")
      ->required();
  app->add_option("--calib-table", args->table, "Calibration table (TensorRT cache or JSON)")
      ->required();
  app->add_option("-o,--output", args->output, "QDQ ONNX model to write")->required();
  app->add_flag("--quantize-outputs", args->quantize_outputs,
                "Also put QDQ pairs on the graph's outputs (their names are kept)");
  return {app, [args] {
            const auto table = quant::read_calibration_table(args->table);
            onnx_export::ExportQdqOptions options;
            options.quantize_graph_outputs = args->quantize_outputs;
            const auto report = onnx_export::export_qdq(args->model, table, args->output, options);
            if (!report.skipped.empty()) {
              std::cerr << "qrt: warning: " << report.skipped.size()
                        << " table tensor(s) got no QDQ pair:";
              for (size_t i = 0; i < report.skipped.size(); ++i)
                std::cerr << (i ? "; '" : " '") << report.skipped[i].name << "' ("
                          << report.skipped[i].reason << ")";
              std::cerr << "\n";
            }
            for (const auto& w : report.float_weights)
              std::cerr << "qrt: warning: weights stay float: " << w << "\n";
            std::cout << "wrote " << args->output << ": " << report.activations
                      << " QDQ pairs on activations, " << report.weights
                      << " int8 weight tensors\n";
            return 0;
          }};
}

}  // namespace qrt::cli
