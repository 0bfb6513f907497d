// qrt eval ENGINE... --data SPEC: accuracy (top-1/top-5) or Dice/IoU, runtime and samples/s of
// one or more engines on one dataset; with several, deviation from (and agreement with) the
// first.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "eval/metrics.h"

namespace qrt::cli {

namespace {

struct Scheme {
  std::string name;
  std::shared_ptr<Engine> engine;
  std::unique_ptr<ExecutionContext> context;
  std::string input, output;
  double seconds = 0;
  eval::TopKAccuracy topk{{1, 5}};
  eval::SegmentationMetrics segmentation;
  eval::AgreementAccumulator agreement;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

Command add_eval_command(CLI::App& parent) {
  struct Args {
    std::vector<std::string> engines;
    std::string names, metric, json_path;
    int64_t limit = 0;
    bool compare = false;
    DataFlags data;
    BuildFlags flags;
    bool rebuild = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* app = parent.add_subcommand(
      "eval",
      "Accuracy, runtime and samples/s of engines on a dataset (the first is the reference)");
  app->add_option("engines", args->engines, "Plan files or ONNX models")->required();
  add_data_flags(app, args->data, "");
  add_threads_flag(app);
  app->get_option("--data")->required();
  app->add_option("--metric", args->metric, "top1,top5 or dice,iou (default: from the labels)");
  app->add_option("--limit", args->limit, "Evaluate only the first N samples")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--names", args->names, "Names of the engines in the table, comma-separated");
  app->add_flag("--compare", args->compare,
                "Add agreement with the first engine: top-1 agreement, max/mean abs error, cosine");
  app->add_option("--json", args->json_path, "Write the results as JSON");
  add_preprocess_flags(app, *args->flags.preprocess);
  add_rebuild_flag(app, args->rebuild);
  return {
      app, [args] {
        auto dataset =
            data::open_dataset(args->data.spec, args->flags.preprocess->get(), args->data.labels);
        const int64_t total =
            args->limit > 0 ? std::min(args->limit, dataset->size()) : dataset->size();
        const int64_t bs = args->data.batch_size;
        const bool segmentation = dataset->label_kind() == data::LabelKind::kMask;
        if (dataset->label_kind() == data::LabelKind::kNone && args->engines.size() < 2)
          throw Error(args->data.spec +
                      ": no labels to score against (give --labels, or two "
                      "engines to compare)");
        std::string metric =
            args->metric.empty() ? (segmentation ? "dice,iou" : "top1,top5") : args->metric;
        if (metric != "top1,top5" && metric != "top1" && metric != "dice,iou" && metric != "dice")
          throw Error("--metric '" + metric + "': expected top1,top5 or dice,iou");
        if ((metric.rfind("dice", 0) == 0) != segmentation)
          throw Error("--metric " + metric + " does not fit " + args->data.spec +
                      (segmentation ? " (segmentation masks)" : " (class labels)"));
        auto names = split(args->names);
        std::vector<Scheme> schemes(args->engines.size());
        for (size_t i = 0; i < schemes.size(); ++i) {
          Scheme& s = schemes[i];
          BuilderConfig config = args->flags.config();
          config.batch = BatchProfile{1, bs, bs};
          s.engine = load_or_build(args->engines[i], config);
          s.context = s.engine->create_context();
          s.context->set_rebuild_on_overflow(args->rebuild);
          if (s.engine->inputs().size() != 1)
            throw Error(args->engines[i] + ": eval needs a model with one input");
          s.input = s.engine->inputs()[0].name;
          s.output = s.engine->outputs().at(0).name;
          s.name =
              i < names.size() ? names[i] : std::filesystem::path(args->engines[i]).stem().string();
        }
        for (int64_t begin = 0; begin < total; begin += bs) {
          const auto batch = dataset->get(begin, std::min(bs, total - begin));
          Tensor reference;
          for (size_t i = 0; i < schemes.size(); ++i) {
            Scheme& s = schemes[i];
            const auto t0 = std::chrono::steady_clock::now();
            Tensor out = s.context->run({{s.input, batch.inputs}}).at(s.output);
            s.seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (batch.labels.defined()) {
              if (segmentation)
                s.segmentation.add(out, batch.labels);
              else
                s.topk.add(out, batch.labels);
            }
            if (i == 0)
              reference = out;
            else
              s.agreement.add(reference, out);
          }
        }
        // The summary table.
        const bool labels = dataset->label_kind() != data::LabelKind::kNone;
        auto value = [&](const Scheme& s, int which) {
          if (segmentation) return which == 0 ? s.segmentation.dice() : s.segmentation.iou();
          return 100.0 * s.topk.accuracy(which == 0 ? 1 : 5);
        };
        const std::string m0 = segmentation ? "dice" : "top-1 %",
                          m1 = segmentation ? "iou" : "top-5 %";
        std::cout << std::left << std::setw(24) << "scheme" << std::setw(7) << "batch"
                  << std::setw(9) << "samples" << std::setw(13) << "runtime (s)" << std::setw(11)
                  << "samples/s";
        if (labels)
          std::cout << std::setw(10) << m0 << std::setw(10) << m1 << std::setw(12) << "vs first";
        if (args->compare)
          std::cout << std::setw(11) << "agreement" << std::setw(12) << "max |err|" << std::setw(12)
                    << "mean |err|" << std::setw(10) << "cosine";
        std::cout << "\n";
        nlohmann::json results = nlohmann::json::array();
        for (size_t i = 0; i < schemes.size(); ++i) {
          const Scheme& s = schemes[i];
          const double rate = static_cast<double>(total) / s.seconds;
          std::cout << std::setw(24) << s.name << std::setw(7) << bs << std::setw(9) << total
                    << std::fixed << std::setprecision(2) << std::setw(13) << s.seconds
                    << std::setprecision(1) << std::setw(11) << rate;
          nlohmann::json r = {{"scheme", s.name},     {"engine", args->engines[i]},
                              {"batch", bs},          {"samples", total},
                              {"seconds", s.seconds}, {"samples_per_s", rate}};
          if (labels) {
            const int prec = segmentation ? 4 : 2;
            const double dev = value(s, 0) - value(schemes[0], 0);
            std::cout << std::setprecision(prec) << std::setw(10) << value(s, 0) << std::setw(10)
                      << value(s, 1) << std::showpos << std::setw(12) << dev << std::noshowpos;
            r[segmentation ? "dice" : "top1"] = value(s, 0);
            r[segmentation ? "iou" : "top5"] = value(s, 1);
            r["deviation"] = dev;
          }
          if (args->compare && i > 0) {
            const auto a = s.agreement.result();
            std::cout << std::setprecision(4) << std::setw(11) << a.top1_agreement
                      << std::setprecision(5) << std::setw(12) << a.max_abs_error << std::setw(12)
                      << a.mean_abs_error << std::setprecision(6) << std::setw(10)
                      << a.cosine_similarity;
            r["agreement"] = {{"top1", a.top1_agreement},
                              {"max_abs_error", a.max_abs_error},
                              {"mean_abs_error", a.mean_abs_error},
                              {"cosine", a.cosine_similarity},
                              {"snr_db", a.snr_db}};
          }
          std::cout << "\n";
          results.push_back(r);
        }
        if (!args->json_path.empty()) {
          std::ofstream f(args->json_path);
          if (!f) throw Error(args->json_path + ": cannot open for writing");
          f << nlohmann::json{{"data", args->data.spec},
                              {"reference_threads", reference_threads()},
                              {"results", results}}
                   .dump(2)
            << "\n";
        }
        return 0;
      }};
}

}  // namespace qrt::cli
