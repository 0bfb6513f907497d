// The qrt command-line tool end to end: the main job on the bundled model, and bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/tensor_file.h"

namespace qrt {
namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Result qrt_cli(const std::string& args) {
  const std::string cmd = std::string(QRT_BINARY_DIR) + "/qrt " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kModel = std::string(QRT_SOURCE_DIR) + "/models/fashion_cnn.onnx";
const std::string kSample = std::string(QRT_SOURCE_DIR) + "/models/fashion_sample.npy";

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    // The pid keeps concurrent runs of the suite (other checkouts on the machine) apart.
    dir_ =
        fs::temp_directory_path() /
        ("qrt_cli_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  std::string read_bytes(const std::string& file) const {
    std::ifstream f(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }
  // Runs a plan of the bundled model on the sample; returns its logits.
  Tensor run_sample(const std::string& plan) const {
    const Result run =
        qrt_cli("run " + plan + " --input " + kSample + " --output-dir " + path("out"));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return io::load_npy(path("out/logits.npy"));
  }
  static Tensor sample_logits() {
    return io::load_npy(std::string(QRT_SOURCE_DIR) + "/models/fashion_sample_logits.npy");
  }
  // A failure: non-zero exit, exactly one line, naming `needle`.
  void expect_one_line_error(const std::string& args, const std::string& needle) const {
    const Result r = qrt_cli(args);
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  }
  fs::path dir_;
};

TEST_F(Cli, BuildRunInspectBenchOnTheBundledModel) {
  const Result build = qrt_cli("build " + kModel + " -o " + path("m.plan") + " --batch 1:4:8");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  const Tensor logits = run_sample(path("m.plan")), want = sample_logits();
  ASSERT_EQ(logits.shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(logits.data_as<float>()[i], want.data_as<float>()[i], 1e-4f);
  const Result inspect = qrt_cli("inspect " + path("m.plan"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("image: f32 N x 1 x 28 x 28"), std::string::npos) << inspect.output;
  EXPECT_NE(inspect.output.find("activation memory at batch 8"), std::string::npos);
  const Result bench = qrt_cli("bench " + path("m.plan") +
                               " --batch 1,8 --iterations 3 --warmup 1 --json " + path("b.json"));
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_NE(read_bytes(path("b.json")).find("\"p99\""), std::string::npos);
}

// BF16 on the cpu backend, Casts at the borders included: close to the FP32 logits, and
// inspect says where each layer runs and in what.
TEST_F(Cli, Bf16BuildsRunsAndInspects) {
  const Result build = qrt_cli("build " + kModel + " -o " + path("bf16.plan") +
                               " --precision bf16 --backend cpu,reference --batch 1:8:8");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  const Tensor logits = run_sample(path("bf16.plan")), want = sample_logits();
  ASSERT_EQ(logits.dtype(), DataType::kFloat32);
  ASSERT_EQ(logits.shape(), want.shape());
  float largest = 1.f, worst = 0.f, any = 0.f;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const float w = want.data_as<float>()[i], d = std::fabs(logits.data_as<float>()[i] - w);
    largest = std::max(largest, std::fabs(w));
    worst = std::max(worst, d);
    any += d;
  }
  EXPECT_LT(worst, 0.05f * largest);
  EXPECT_GT(any, 0.f);  // bf16 rounding shows: this was no FP32 engine
  const Result inspect = qrt_cli("inspect " + path("bf16.plan"));
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("cpu         "), std::string::npos) << inspect.output;
  EXPECT_NE(inspect.output.find("bf16"), std::string::npos) << inspect.output;
  EXPECT_EQ(inspect.output.find("fallbacks"), std::string::npos) << inspect.output;
}

// Where oneDNN has no bf16 (no AVX-512; simulated by capping its instruction set), the cpu
// backend declines the bf16 nodes with the reason and the reference backend runs them.
TEST_F(Cli, Bf16WithoutOneDnnSupportFallsBackWithAReason) {
  ::setenv("ONEDNN_MAX_CPU_ISA", "AVX2", 1);
  const Result inspect = qrt_cli("inspect " + kModel + " --precision bf16 --backend cpu,reference");
  ::unsetenv("ONEDNN_MAX_CPU_ISA");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("FusedConv '/features/features.0/Conv' -> reference: cpu: oneDNN "
                                "has no bf16 implementation on this CPU (instruction set avx2"),
            std::string::npos)
      << inspect.output;
  EXPECT_NE(inspect.output.find("  0   reference   11      bf16\n"), std::string::npos)
      << inspect.output;
}

TEST_F(Cli, BadPrecisionName) {
  expect_one_line_error("build " + kModel + " -o " + path("x.plan") + " --precision bf32",
                        "--precision");
  expect_one_line_error(
      "build " + kModel + " -o " + path("x.plan") + " --precision bf16 --layer-precision conv1:bf8",
      "bf8");
}

TEST_F(Cli, RunTakesAnOnnxModelDirectly) {
  const Result run = qrt_cli("run " + kModel + " --input image=" + kSample);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("logits: f32 [8,10]"), std::string::npos) << run.output;
}

// bench fills the context's input buffers and runs on them: on a cpu plan (a host engine) that
// still times every batch asked for, and its help says how end to end is measured.
TEST_F(Cli, BenchRunsACpuPlanOnTheContextsInputBuffers) {
  const Result build = qrt_cli("build " + kModel + " -o " + path("cpu.plan") +
                               " --backend cpu,reference --batch 1:4:8");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  const Result bench = qrt_cli("bench " + path("cpu.plan") +
                               " --batch 1,8,3 --iterations 2 --warmup 1 --json " + path("b.json"));
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  const std::string json = read_bytes(path("b.json"));
  for (const char* batch : {"\"batch\": 1,", "\"batch\": 8,", "\"batch\": 3,"})
    EXPECT_NE(json.find(batch), std::string::npos) << batch << " in " << json;
  const Result help = qrt_cli("bench --help");
  EXPECT_NE(help.output.find("input buffers"), std::string::npos) << help.output;
}

TEST_F(Cli, HelpOnEverySubcommand) {
  for (const char* sub : {"build", "run", "bench", "inspect", "eval", "compare", "export-qdq"}) {
    const Result r = qrt_cli(std::string(sub) + " --help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << r.output;
  }
}

TEST_F(Cli, UnknownFlag) {
  expect_one_line_error("build " + kModel + " -o x.plan --frobnicate", "--frobnicate");
}

TEST_F(Cli, MissingModelFile) {
  expect_one_line_error("build " + path("nope.onnx") + " -o " + path("x.plan"), "nope.onnx");
}

TEST_F(Cli, GarbageModel) {
  write_bytes("garbage.onnx", std::string(3000, '\x07'));
  expect_one_line_error("build " + path("garbage.onnx") + " -o " + path("x.plan"), "garbage.onnx");
}

TEST_F(Cli, TruncatedModel) {
  const std::string bytes = read_bytes(kModel);
  write_bytes("truncated.onnx", bytes.substr(0, bytes.size() / 2));
  expect_one_line_error("build " + path("truncated.onnx") + " -o " + path("x.plan"),
                        "truncated.onnx");
}

TEST_F(Cli, TruncatedPlan) {
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan")).exit_code, 0);
  const std::string bytes = read_bytes(path("m.plan"));
  write_bytes("cut.plan", bytes.substr(0, bytes.size() - 100));
  expect_one_line_error("run " + path("cut.plan") + " --input " + kSample, "cut.plan");
}

TEST_F(Cli, BadBatchProfile) {
  expect_one_line_error("build " + kModel + " -o " + path("x.plan") + " --batch 8:1:4",
                        "MIN <= OPT <= MAX");
}

TEST_F(Cli, InputOfTheWrongShape) {
  io::save_npy(path("wrong.npy"), Tensor(DataType::kFloat32, {2, 1, 27, 28}));
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan") + " --batch 1:1:8").exit_code, 0);
  expect_one_line_error("run " + path("m.plan") + " --input " + path("wrong.npy"),
                        "input 'image': shape [2,1,27,28]");
}

TEST_F(Cli, InputOfTheWrongType) {
  io::save_npy(path("ints.npy"), Tensor(DataType::kInt64, {2, 1, 28, 28}));
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan") + " --batch 1:1:8").exit_code, 0);
  expect_one_line_error("run " + path("m.plan") + " --input " + path("ints.npy"),
                        "element type i64");
}

TEST_F(Cli, BatchOutsideTheProfile) {
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan") + " --batch 1:1:4").exit_code, 0);
  expect_one_line_error("run " + path("m.plan") + " --input " + kSample, "batch 8 is outside");
}

TEST_F(Cli, BrokenNpy) {
  write_bytes("broken.npy", "\x93NUMPY\x01\x00garbage");
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan")).exit_code, 0);
  expect_one_line_error("run " + path("m.plan") + " --input " + path("broken.npy"), "broken.npy");
}

TEST_F(Cli, ThreadsFlagSetsTheReferenceBackendThreads) {
  const std::string build = "build " + kModel + " -o " + path("m.plan") + " --batch 1:8:8";
  ASSERT_EQ(qrt_cli(build + " --threads 1").exit_code, 0);
  // The count is recorded with the timings, and any count computes the same outputs.
  for (const char* threads : {"1", "3"}) {
    const Result bench =
        qrt_cli("bench " + path("m.plan") + " --iterations 1 --warmup 0 --threads " + threads +
                " --json " + path("b.json"));
    ASSERT_EQ(bench.exit_code, 0) << bench.output;
    EXPECT_NE(read_bytes(path("b.json")).find("\"reference_threads\": " + std::string(threads)),
              std::string::npos)
        << read_bytes(path("b.json"));
    const Result run = qrt_cli("run " + path("m.plan") + " --input " + kSample + " --threads " +
                               threads + " --output-dir " + path(std::string("out") + threads));
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  EXPECT_EQ(read_bytes(path("out1/logits.npy")), read_bytes(path("out3/logits.npy")));
  const Result eval = qrt_cli("eval " + path("m.plan") +
                              " --data fashion-mnist:test --limit 16 --batch-size 8 --threads 2 "
                              "--json " +
                              path("e.json"));
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(read_bytes(path("e.json")).find("\"reference_threads\": 2"), std::string::npos);
  const Result compare = qrt_cli("compare " + kModel + " --precision fp16 --data " + kSample +
                                 " --batch-size 4 --batches 1 --threads 1");
  EXPECT_EQ(compare.exit_code, 0) << compare.output;
}

TEST_F(Cli, BadThreadCounts) {
  for (const std::string& sub :
       {"build " + kModel + " -o " + path("x.plan"), "run " + kModel + " --input " + kSample,
        "bench " + kModel, "eval " + kModel + " --data fashion-mnist:test",
        "compare " + kModel + " --precision int8"})
    for (const char* bad : {"0", "-2", "abc", "1.5"})
      expect_one_line_error(sub + " --threads " + bad, "--threads");
}

TEST_F(Cli, UnknownBackend) {
  expect_one_line_error("build " + kModel + " -o " + path("x.plan") + " --backend warp-drive",
                        "unknown backend 'warp-drive'");
}

TEST_F(Cli, InspectShowsSubgraphs) {
  const Result inspect = qrt_cli("inspect " + kModel + " --backend reference");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("subgraphs (1):\n  id  backend     layers  precision\n"
                                "  0   reference   11      fp32\n"),
            std::string::npos)
      << inspect.output;
  EXPECT_NE(inspect.output.find("backend=reference subgraph=0"), std::string::npos);
  EXPECT_EQ(inspect.output.find("fallbacks"), std::string::npos);  // nothing fell back
}

TEST_F(Cli, BadPartitionFlags) {
  const std::string build = "build " + kModel + " -o " + path("x.plan");
  expect_one_line_error(build + " --disable-ops Conv,Convolution",
                        "--disable-ops: 'Convolution' is not an op type qrt knows");
  expect_one_line_error(build + " --min-subgraph-size 0",
                        "--min-subgraph-size 0: must be at least 1");
  expect_one_line_error(build + " --min-subgraph-size x", "--min-subgraph-size");
  expect_one_line_error("run " + kModel + " --input " + kSample + " --backend reference,nope",
                        "unknown backend 'nope' (available: ");
  // Disabled on the only backend: nothing else can run it.
  expect_one_line_error(build + " --disable-ops MaxPool",
                        "MaxPool disabled on reference by --disable-ops");
}

TEST_F(Cli, DisablingAnOpTheModelLacksWarns) {
  const Result r = qrt_cli("build " + kModel + " -o " + path("x.plan") + " --disable-ops Softmax");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("qrt: warning: " + kModel +
                          ": --disable-ops Softmax: the optimised model has no Softmax node"),
            std::string::npos)
      << r.output;
}

TEST_F(Cli, RebuildOnOverflowSaysSoInOneLine) {
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("m.plan") + " --batch 1:1:2").exit_code, 0);
  expect_one_line_error("run " + path("m.plan") + " --input " + kSample,
                        "batch 8 is outside the engine's batch range [1, 2] (profile 1:1:2)");
  const Result run = qrt_cli("run " + path("m.plan") + " --input " + kSample +
                             " --rebuild-on-overflow --output-dir " + path("out"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string notice =
      "qrt: rebuilding engine: its maximum batch size 2 is less than the input batch size 8\n";
  EXPECT_NE(run.output.find(notice), std::string::npos) << run.output;
  const Tensor logits = io::load_npy(path("out/logits.npy"));
  const Tensor want =
      io::load_npy(std::string(QRT_SOURCE_DIR) + "/models/fashion_sample_logits.npy");
  ASSERT_EQ(logits.shape(), want.shape());
  for (int64_t i = 0; i < want.numel(); ++i)
    EXPECT_NEAR(logits.data_as<float>()[i], want.data_as<float>()[i], 1e-4f);
  const Result bench = qrt_cli("bench " + path("m.plan") +
                               " --batch 4 --iterations 1 --warmup 0 --rebuild-on-overflow");
  ASSERT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_NE(bench.output.find("maximum batch size 2 is less than the input batch size 4"),
            std::string::npos)
      << bench.output;
}

TEST_F(Cli, ShapesSetTheProfile) {
  const Result build = qrt_cli("build " + kModel + " -o " + path("m.plan") +
                               " --shapes image:2x1x28x28:4x1x28x28:16x1x28x28");
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(build.output.find("batch 2:4:16"), std::string::npos) << build.output;
}

TEST_F(Cli, BadProfiles) {
  const std::string build = "build " + kModel + " -o " + path("x.plan");
  expect_one_line_error(build + " --batch 0:1:2", "batch sizes must be at least 1");
  expect_one_line_error(build + " --batch 9:9:8", "MIN <= OPT <= MAX");
  expect_one_line_error(build + " --shapes image:0x1x28x28:1x1x28x28:2x1x28x28",
                        "MIN shape 0x1x28x28 has a dimension below 1");
  expect_one_line_error(build + " --shapes image:1x1x28x28:1x1x28x28:1x1x28x-2",
                        "has a dimension below 1");
  expect_one_line_error(build + " --shapes image:8x1x28x28:4x1x28x28:16x1x28x28",
                        "needs MIN <= OPT <= MAX in dimension 0");
  expect_one_line_error(build + " --shapes image:1x1x28x28:1x1x28x28:1x1x32x32",
                        "only dimension 0 (the batch) may differ");
  expect_one_line_error(build + " --shapes img:1x1x28x28:1x1x28x28:1x1x28x28",
                        "--shapes img: the model has no input 'img' (inputs: 'image')");
  expect_one_line_error(build + " --shapes image:1x28x28:1x28x28:1x28x28",
                        "--shapes image: 3 dimensions given, the input has 4");
  expect_one_line_error(build + " --shapes image:1x1x32x32:1x1x32x32:1x1x32x32",
                        "--shapes image: dimension 2 is 28 in the model, 32 given");
  expect_one_line_error(build + " --shapes image:1x1x28x28", "expected NAME:MINxCxHxW");
}

TEST_F(Cli, CalibBiasCorrection) {
  // Only int8 weights are corrected: other precisions are a one-line error.
  expect_one_line_error(
      "build " + kModel + " -o " + path("x.plan") + " --precision fp16 --calib-bias-correction",
      "--calib-bias-correction needs --precision int8 or best");
  const std::string calib = " --precision int8 --calib-data " + kSample +
                            " --calib-batch-size 4 --calib-algo minmax --calib-bias-correction";
  expect_one_line_error(
      "build " + kModel + " -o " + path("x.plan") + calib + " --calib-table " + path("t.cache"),
      "only in a JSON table");
  const Result build = qrt_cli("build " + kModel + " -o " + path("c.plan") + calib +
                               " --calib-table " + path("t.json"));
  ASSERT_EQ(build.exit_code, 0) << build.output;
  EXPECT_NE(read_bytes(path("t.json")).find("\"bias_corrections\""), std::string::npos);
  const Result qdq = qrt_cli("export-qdq " + kModel + " --calib-table " + path("t.json") + " -o " +
                             path("q.onnx"));
  EXPECT_EQ(qdq.exit_code, 0) << qdq.output;
  EXPECT_NE(qdq.output.find("4 biases bias-corrected"), std::string::npos) << qdq.output;
  const Result compare =
      qrt_cli("compare " + kModel + calib + " --data " + kSample + " --batch-size 4 --batches 1");
  EXPECT_EQ(compare.exit_code, 0) << compare.output;
}

TEST_F(Cli, ExportQdqFromACalibrationTable) {
  write_bytes("t.cache",
              "TRT-8601-MinMaxCalibration\nimage: 3c010204\nlogits: 3d800000\n"
              "/features/features.3/MaxPool_output_0: 3d000000\nnot_in_model: 3c000000\n");
  const Result r = qrt_cli("export-qdq " + kModel + " --calib-table " + path("t.cache") + " -o " +
                           path("q.onnx") + " --int32-bias");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 QDQ pairs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'not_in_model' (not a tensor of the model)"), std::string::npos)
      << r.output;
  EXPECT_EQ(
      qrt_cli("build " + path("q.onnx") + " -o " + path("q.plan") + " --precision int8").exit_code,
      0);
  expect_one_line_error(
      "export-qdq " + kModel + " --calib-table " + path("missing.cache") + " -o " + path("q.onnx"),
      "missing.cache");
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

TEST_F(Cli, EvalComparesEnginesOnFashionMnist) {
  ASSERT_EQ(qrt_cli("build " + kModel + " -o " + path("fp32.plan") + " --batch 1:50:50").exit_code,
            0);
  const Result int8 = qrt_cli("build " + kModel + " -o " + path("int8.plan") +
                              " --batch 1:50:50 --precision int8 --calib-data " + kSample +
                              " --calib-batch-size 4 --calib-table " + path("t.cache"));
  ASSERT_EQ(int8.exit_code, 0) << int8.output;
  EXPECT_NE(read_bytes(path("t.cache")).find("TRT-8601-EntropyCalibration2"), std::string::npos);
  const Result r = qrt_cli(
      "eval " + path("fp32.plan") + " " + path("int8.plan") +
      " --data fashion-mnist:test --limit 200 --batch-size 50 --compare --json " + path("e.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fp32"), std::string::npos);
  EXPECT_NE(r.output.find("agreement"), std::string::npos);
  const std::string json = read_bytes(path("e.json"));
  EXPECT_NE(json.find("\"top1\""), std::string::npos);
  EXPECT_NE(json.find("\"samples\": 200"), std::string::npos) << json;
}

TEST_F(Cli, CompareRanksLayersAndSuggestsOverrides) {
  const Result r =
      qrt_cli("compare " + kModel + " --precision int8 --calib-data " + kSample +
              " --calib-batch-size 4 --data " + kSample + " --batch-size 4 --batches 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("worst first"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("suggestion: --layer-precision"), std::string::npos) << r.output;
}

TEST_F(Cli, CalibrationDataOfTheWrongShape) {
  io::save_npy(path("wrong.npy"), Tensor(DataType::kFloat32, {4, 1, 27, 28}));
  const Result r = qrt_cli("build " + kModel + " -o " + path("x.plan") +
                           " --precision int8 --calib-data " + path("wrong.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("wrong.npy"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("shape [4,1,27,28]"), std::string::npos) << r.output;
}

TEST_F(Cli, CalibrationDataOfTheWrongType) {
  io::save_npy(path("ints.npy"), Tensor(DataType::kInt64, {4, 1, 28, 28}));
  const Result r = qrt_cli("build " + kModel + " -o " + path("x.plan") +
                           " --precision int8 --calib-data " + path("ints.npy"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("ints.npy"), std::string::npos) << r.output;
}

TEST_F(Cli, EvalMetricThatDoesNotFitTheData) {
  expect_one_line_error(
      "eval " + kModel + " --data fashion-mnist:test --metric dice,iou --limit 10", "does not fit");
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

const std::string kOnnxNodeTests = "/usr/share/libonnx-testdata/data/node/";

TEST_F(Cli, RunAcceptsTensorProtoInputs) {
  const std::string dir = kOnnxNodeTests + "test_relu/";
  const Result r = qrt_cli("run " + dir + "model.onnx --input " + dir +
                           "test_data_set_0/input_0.pb --output-dir " + path("out"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const Tensor y = io::load_npy(path("out/y.npy"));
  const Tensor want = io::load_tensor_file(dir + "test_data_set_0/output_0.pb");
  ASSERT_EQ(y.shape(), want.shape());
  EXPECT_EQ(0, std::memcmp(y.data(), want.data(), y.nbytes()));
}

TEST_F(Cli, UnsupportedOpsAreListedInOneLine) {
  // libonnx-testdata (installed by scripts/install_deps.sh) has models with ops qrt lacks.
  const std::string model = kOnnxNodeTests + "test_einsum_sum/model.onnx";
  expect_one_line_error("build " + model + " -o " + path("x.plan"),
                        "unsupported ops: Einsum (node");
}

}  // namespace
}  // namespace qrt
