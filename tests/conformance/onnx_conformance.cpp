// Runs ONNX's own backend tests (model.onnx + test_data_set_*/input_*.pb, output_*.pb) through
// qrt's reference backend and reports passed / failed / skipped, with the reason for each.
//
//   qrt_conformance [--min-pass-rate 0.95] [--report FILE.md] [--verbose] DIR...
//
// A test is skipped when one of its ops (or element types) has no kernel; every other failure to
// build, run or match the stored outputs is a failure. Tolerances are the ONNX backend runner's:
// rtol 1e-3, atol 1e-7.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "backends/kernel_registry.h"
#include "io/tensor_file.h"
#include "onnx/importer.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace fs = std::filesystem;
using namespace qrt;

namespace {

constexpr double kRtol = 1e-3;
constexpr double kAtol = 1e-7;

struct Outcome {
  enum Kind { kPass, kFail, kSkip } kind;
  std::string reason;
};

std::string compare(const Tensor& want, const Tensor& got) {
  if (want.dtype() != got.dtype())
    return "element type " + std::string(dtype_name(got.dtype())) + ", expected " +
           std::string(dtype_name(want.dtype()));
  if (want.shape() != got.shape())
    return "shape " + shape_to_string(got.shape()) + ", expected " + shape_to_string(want.shape());
  if (is_floating(want.dtype())) {
    const auto a = want.to_float_vector(), b = got.to_float_vector();
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::isnan(a[i]) && std::isnan(b[i])) continue;
      if (std::isinf(a[i]) && a[i] == b[i]) continue;
      if (!(std::fabs(double(a[i]) - b[i]) <= kAtol + kRtol * std::fabs(double(a[i]))))
        return "element " + std::to_string(i) + " is " + std::to_string(b[i]) + ", expected " +
               std::to_string(a[i]);
    }
    return "";
  }
  if (std::memcmp(want.data(), got.data(), want.nbytes()) != 0) return "values differ";
  return "";
}

// The ops of a model that the reference backend has no kernel for.
std::vector<std::string> missing_ops(const ir::Graph& graph) {
  const auto supported = KernelRegistry::instance().supported_op_types("reference");
  std::set<std::string> missing;
  for (const ir::Node* n : graph.nodes()) {
    const std::string op =
        (n->domain.empty() || n->domain == "ai.onnx" ? "" : n->domain + ".") + n->op_type;
    if (!n->domain.empty() && n->domain != "ai.onnx")
      missing.insert(op);
    else if (!std::binary_search(supported.begin(), supported.end(), n->op_type))
      missing.insert(op);
  }
  return {missing.begin(), missing.end()};
}

Outcome run_test(const fs::path& dir) {
  const fs::path model = dir / "model.onnx";
  ir::Graph graph;
  try {
    onnx_import::ImportOptions options;
    options.check_supported = false;
    graph = onnx_import::import_onnx(model.string(), options);
  } catch (const Error& e) {
    // Features qrt does not have (sequence/map values, training mode, other opsets) are skips;
    // anything else going wrong while importing is a failure.
    const std::string msg = e.what();
    for (const char* unsupported :
         {"unsupported", "opset", "not a tensor", "training_mode", "inference only"})
      if (msg.find(unsupported) != std::string::npos)
        return {Outcome::kSkip, msg.substr(msg.find(": ") + 2)};
    return {Outcome::kFail, "import: " + msg};
  }
  const auto missing = missing_ops(graph);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return {Outcome::kSkip, "missing op: " + list};
  }
  std::shared_ptr<Engine> engine;
  try {
    const BuilderConfig config;
    engine = std::make_shared<Engine>(build_engine(std::move(graph), config, model.string()));
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find("no kernel for") != std::string::npos)
      return {Outcome::kSkip, "unsupported types: " + msg.substr(msg.find("no kernel for"))};
    return {Outcome::kFail, "build: " + msg};
  }
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return {Outcome::kSkip, "no test data"};
  const auto inputs = engine->inputs();
  const auto outputs = engine->outputs();
  auto ctx = engine->create_context();
  for (const fs::path& set : sets) {
    std::map<std::string, Tensor> feed;
    try {
      for (size_t i = 0; i < inputs.size(); ++i)
        feed[inputs[i].name] =
            io::load_tensor_file((set / ("input_" + std::to_string(i) + ".pb")).string());
      const auto got = ctx->run(feed);
      for (size_t i = 0; i < outputs.size(); ++i) {
        const Tensor want =
            io::load_tensor_file((set / ("output_" + std::to_string(i) + ".pb")).string());
        const std::string diff = compare(want, got.at(outputs[i].name));
        if (!diff.empty())
          return {Outcome::kFail,
                  set.filename().string() + " output '" + outputs[i].name + "': " + diff};
      }
    } catch (const Error& e) {
      const std::string msg = e.what();
      // Test data in an element type qrt has no tensors for (bfloat16 stored as UINT16, ...).
      if (msg.find("unsupported element type") != std::string::npos)
        return {Outcome::kSkip, "test data: " + msg.substr(msg.find("unsupported element type"))};
      return {Outcome::kFail, "run: " + msg};
    }
  }
  return {Outcome::kPass, ""};
}

}  // namespace

int main(int argc, char** argv) {
  double min_pass_rate = 0;
  std::string report_path;
  bool verbose = false;
  std::vector<fs::path> roots;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--min-pass-rate" && i + 1 < argc)
      min_pass_rate = std::stod(argv[++i]);
    else if (a == "--report" && i + 1 < argc)
      report_path = argv[++i];
    else if (a == "--verbose")
      verbose = true;
    else
      roots.emplace_back(a);
  }
  std::ostringstream report;
  report
      << "| suite | passed | failed | skipped | pass rate of runnable |\n|---|---|---|---|---|\n";
  std::ostringstream details;
  std::map<std::string, int> skip_reasons;
  bool ok = true;
  int total_pass = 0, total_fail = 0, total_skip = 0;
  for (const fs::path& root : roots) {
    if (!fs::is_directory(root)) {
      std::cerr << "qrt_conformance: " << root << " is not a directory\n";
      return 2;
    }
    std::vector<fs::path> tests;
    for (const auto& e : fs::directory_iterator(root))
      if (fs::exists(e.path() / "model.onnx")) tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());
    int pass = 0, fail = 0, skip = 0;
    for (const fs::path& t : tests) {
      const Outcome o = run_test(t);
      const std::string name = root.filename().string() + "/" + t.filename().string();
      if (o.kind == Outcome::kPass) ++pass;
      if (o.kind == Outcome::kFail) {
        ++fail;
        std::cout << "FAIL " << name << ": " << o.reason << "\n";
        details << "| " << name << " | " << o.reason << " |\n";
      }
      if (o.kind == Outcome::kSkip) {
        ++skip;
        ++skip_reasons[o.reason];
        if (verbose) std::cout << "SKIP " << name << ": " << o.reason << "\n";
      }
      if (verbose && o.kind == Outcome::kPass) std::cout << "PASS " << name << "\n";
    }
    const double rate = pass + fail ? double(pass) / (pass + fail) : 1.0;
    std::cout << root.filename().string() << ": " << pass << " passed, " << fail << " failed, "
              << skip << " skipped (" << rate * 100 << "% of runnable tests pass)\n";
    report << "| " << root.filename().string() << " | " << pass << " | " << fail << " | " << skip
           << " | " << rate * 100 << "% |\n";
    if (root.filename() == "node" && rate < min_pass_rate) ok = false;
    total_pass += pass;
    total_fail += fail;
    total_skip += skip;
  }
  if (!report_path.empty()) {
    std::ofstream f(report_path);
    f << report.str() << "\n### Failures\n\n| test | cause |\n|---|---|\n"
      << details.str() << "\n### Skip reasons\n\n| reason | tests |\n|---|---|\n";
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [r, n] : skip_reasons) sorted.emplace_back(-n, r);
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [n, r] : sorted) f << "| " << r << " | " << -n << " |\n";
  }
  std::cout << total_pass << " passed, " << total_fail << " failed, " << total_skip << " skipped\n";
  if (!ok) std::cout << "node pass rate below " << min_pass_rate * 100 << "%\n";
  return ok ? 0 : 1;
}
