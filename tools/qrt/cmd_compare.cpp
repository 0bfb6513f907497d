// qrt compare MODEL.onnx --precision int8 ...: runs FP32 and the low-precision engine side by
// side on a few batches and ranks every tensor by how far it drifted (cosine similarity, SNR,
// max abs error), as Polygraphy's comparisons do for TensorRT; suggests --layer-precision
// overrides for the worst layers.
#include <algorithm>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "eval/metrics.h"
#include "runtime/engine_impl.h"

namespace qrt::cli {

namespace {

// A low-precision engine's tensor as float, under the FP32 graph's name: int8 tensors are
// dequantized with their scale, fp16 / bf16 ones widened; the "_int8"/"_fp16"/"_bf16" suffixes
// the lowering adds are dropped.
bool to_reference_form(const EngineImpl& engine, const std::string& name, const Tensor& t,
                       std::string* base, Tensor* out) {
  *base = name;
  // Drop a trailing "_N" (a uniquifier), then one "_int8"/"_fp16"/"_bf16"/"_fp32".
  const auto digits = base->find_last_not_of("0123456789");
  if (digits != std::string::npos && digits + 1 < base->size() && (*base)[digits] == '_')
    base->resize(digits);
  for (const char* suffix : {"_int8", "_fp16", "_bf16", "_fp32"}) {
    const std::string s = suffix;
    if (base->size() > s.size() && base->compare(base->size() - s.size(), s.size(), s) == 0) {
      base->resize(base->size() - s.size());
      break;
    }
  }
  if (t.dtype() == DataType::kFloat32) {
    *out = t.clone();
    return true;
  }
  Tensor f(DataType::kFloat32, t.shape());
  const auto values = t.to_float_vector();
  if (t.dtype() == DataType::kFloat16 || t.dtype() == DataType::kBFloat16) {
    std::copy(values.begin(), values.end(), f.data_as<float>());
  } else if (t.dtype() == DataType::kInt8) {
    const ir::Value* v = engine.graph.find_value(name);
    if (!v || !v->quant || v->quant->scales.size() != 1) return false;
    const float s = v->quant->scales[0];
    for (size_t i = 0; i < values.size(); ++i) f.data_as<float>()[i] = values[i] * s;
  } else {
    return false;
  }
  *out = f;
  return true;
}

struct Row {
  std::string tensor, layer, op;
  eval::Agreement a;
};

}  // namespace

Command add_compare_command(CLI::App& parent) {
  struct Args {
    std::string model;
    int64_t batches = 2;
    int top = 15, suggest = 3;
    DataFlags data;
    BuildFlags flags;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand(
      "compare", "Run FP32 and a low-precision engine side by side and rank layers by error");
  app->add_option("model", args->model, "ONNX model")->required();
  add_build_flags(app, args->flags);
  add_threads_flag(app);
  add_data_flags(app, args->data, "");
  app->add_option("--batches", args->batches,
                  "Batches of --data (or the calibration data) to compare")
      ->check(CLI::PositiveNumber);
  app->add_option("--top", args->top, "Rows to show")->check(CLI::PositiveNumber);
  app->add_option("--suggest", args->suggest, "Suggest fp32 overrides for this many worst layers")
      ->check(CLI::NonNegativeNumber);
  return {
      app, [args] {
        if (args->flags.precision == "fp32")
          throw Error("compare: give --precision int8, fp16, bf16 or best to compare with fp32");
        DataFlags data = args->data.spec.empty() ? args->flags.calib : args->data;
        if (data.spec.empty()) throw Error("compare: give --data (or --calib-data)");
        auto dataset = data::open_dataset(data.spec, args->flags.preprocess->get(), data.labels);
        const int64_t bs = data.batch_size;
        BuilderConfig low = args->flags.config();
        low.batch = BatchProfile{1, bs, bs};
        BuilderConfig ref = low;
        ref.precision = "fp32";
        ref.calibration = {};
        auto fp32 = Builder().build_from_onnx(args->model, ref);
        auto target = Builder().build_from_onnx(args->model, low);
        const std::string input = fp32->inputs().at(0).name;
        std::map<std::string, std::string> layer_of, op_of;
        for (const ir::Node* n : fp32->impl().nodes)
          for (const ir::Value* o : n->outputs)
            if (o) layer_of[o->name] = n->name, op_of[o->name] = n->op_type;
        std::map<std::string, eval::AgreementAccumulator> acc;
        auto ctx_ref = fp32->create_context();
        auto ctx_low = target->create_context();
        const int64_t n = std::min(args->batches, (dataset->size() + bs - 1) / bs);
        for (int64_t b = 0; b < n; ++b) {
          const Tensor x = dataset->get(b * bs, std::min(bs, dataset->size() - b * bs)).inputs;
          std::map<std::string, Tensor> reference;
          ctx_ref->run({{input, x}}, [&](const std::string& name, const Tensor& t) {
            if (t.dtype() == DataType::kFloat32) reference[name] = t.clone();
          });
          ctx_low->run({{input, x}}, [&](const std::string& name, const Tensor& t) {
            std::string base;
            Tensor f;
            if (!to_reference_form(target->impl(), name, t, &base, &f)) return;
            auto it = reference.find(base);
            if (it != reference.end() && it->second.shape() == f.shape())
              acc[base].add(it->second, f);
          });
        }
        std::vector<Row> rows;
        for (auto& [name, a] : acc) rows.push_back({name, layer_of[name], op_of[name], a.result()});
        std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
          return x.a.cosine_similarity < y.a.cosine_similarity;
        });
        std::cout << "compared " << rows.size() << " tensors over " << n << " batch(es) of " << bs
                  << ": fp32 vs " << args->flags.precision << ", worst first\n"
                  << std::left << std::setw(5) << "rank" << std::setw(36) << "tensor"
                  << std::setw(20) << "op" << std::setw(12) << "cosine" << std::setw(10) << "SNR dB"
                  << "max |err|\n";
        for (size_t i = 0; i < rows.size() && static_cast<int>(i) < args->top; ++i) {
          const Row& r = rows[i];
          std::cout << std::setw(5) << i + 1 << std::setw(36) << r.tensor << " " << std::setw(20)
                    << r.op << std::fixed << std::setprecision(6) << std::setw(12)
                    << r.a.cosine_similarity << std::setprecision(1) << std::setw(10) << r.a.snr_db
                    << std::setprecision(5) << r.a.max_abs_error << "\n";
        }
        // Suggest keeping the worst compute layers in fp32.
        std::vector<std::string> suggestions;
        for (const Row& r : rows) {
          if (static_cast<int>(suggestions.size()) >= args->suggest) break;
          if (r.op == "Conv" || r.op == "ConvTranspose" || r.op == "Gemm" || r.op == "MatMul")
            suggestions.push_back(r.layer + ":fp32");
        }
        if (!suggestions.empty()) {
          std::cout << "suggestion: --layer-precision ";
          for (size_t i = 0; i < suggestions.size(); ++i)
            std::cout << (i ? "," : "") << suggestions[i];
          std::cout << "\n";
        }
        return 0;
      }};
}

}  // namespace qrt::cli
