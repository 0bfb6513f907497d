// The cpu backend's build-time layouts (src/backends/cpu/cpu_build.cpp): blocked activations
// between cpu nodes with qrt.Reorder at the borders (QRT_CPU_LAYOUT chooses: plain, forced
// layouts, the default), and convolution weights stored in oneDNN's layout in the plan. Every
// engine is checked against the plain cpu engine and the reference backend on a network with
// odd spatial sizes, channels that are not multiples of the block, a residual, a pooling, a
// cpu -> reference -> cpu border and an intermediate graph output.
#include <gtest/gtest.h>
#include <oneapi/dnnl/dnnl_types.h>  // dnnl_memory_desc_t, a plain C struct
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "backends/kernel_registry.h"
#include "io/tensor_file.h"
#include "onnx_test_util.h"
#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace qrt::cpu {
uint64_t weight_reorders();  // src/backends/cpu/dnnl_util.h (not included: oneDNN headers)
}  // namespace qrt::cpu

namespace qrt::test {
namespace {

Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed, float scale) {
  Tensor t(DataType::kFloat32, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = dist(gen);
  return t;
}

// x [N, 16, 9, 11] -> conv 3x3 (32) -> relu = "a" (also a graph output)
//   -> conv 3x3 (32) + a -> relu -> maxpool 3x3 s2 -> conv 1x1 (24) -> conv 3x3 (32)
//   -> softsign (reference only) -> conv 1x1 (48) -> global average pool = "y"
ir::Graph test_network() {
  TestNet m;
  ir::Value* x = m.input(16);
  ir::Value* a = m.op("Relu", {m.conv(x, 16, 32, 3, "c1")}, "a");
  ir::Value* r = m.op("Relu", {m.op("Add", {m.conv(a, 32, 32, 3, "c2"), a}, "sum")}, "r");
  ir::Value* p = m.max_pool(r, 2, 1, "pool");
  ir::Value* s = m.op("Softsign", {m.conv(m.conv(p, 32, 24, 1, "c3"), 24, 32, 3, "c4")}, "sig");
  m.g.outputs = {m.op("GlobalAveragePool", {m.conv(s, 32, 48, 1, "c5")}, "y"), a};
  return std::move(m.g);
}

BuilderConfig config_for(const std::string& precision, std::vector<std::string> backends) {
  BuilderConfig c;
  c.precision = precision;
  c.backends = std::move(backends);
  c.batch = BatchProfile{1, 3, 4};
  c.min_subgraph_size = 1;
  if (precision == "int8") {
    c.calibration.num_batches = 2;
    c.calibration.batch = [](int64_t i) {
      return std::map<std::string, Tensor>{
          {"x", random_tensor({3, 16, 9, 11}, 100 + static_cast<uint32_t>(i), 1.f)}};
    };
  }
  return c;
}

// Builds with QRT_CPU_LAYOUT set to `layout` ("" leaves it unset).
std::shared_ptr<Engine> build(const std::string& precision, std::vector<std::string> backends,
                              const std::string& layout = "") {
  if (layout.empty())
    unsetenv("QRT_CPU_LAYOUT");
  else
    setenv("QRT_CPU_LAYOUT", layout.c_str(), 1);
  auto engine = std::make_shared<Engine>(
      build_engine(test_network(), config_for(precision, std::move(backends)), "net.onnx"));
  unsetenv("QRT_CPU_LAYOUT");
  return engine;
}

std::map<std::string, Tensor> run(const Engine& e, int64_t batch = 3) {
  return e.create_context()->run({{"x", random_tensor({batch, 16, 9, 11}, 7, 1.f)}});
}

size_t count_ops(const Engine& e, const std::string& op) {
  size_t n = 0;
  for (const ir::Node* node : e.impl().nodes) n += node->op_type == op;
  return n;
}
size_t count_attr(const Engine& e, const std::string& attr) {
  size_t n = 0;
  for (const ir::Node* node : e.impl().nodes) n += node->has_attr(attr);
  return n;
}

void expect_close(const std::map<std::string, Tensor>& got,
                  const std::map<std::string, Tensor>& want, float tolerance) {
  for (const char* name : {"y", "a"}) {
    SCOPED_TRACE(name);
    EXPECT_LT(max_rel_diff(got.at(name), want.at(name)), tolerance);
  }
}

TEST(CpuLayout, BlockedActivationsMatchPlainAndReferenceF32) {
  const auto reference = run(*build("fp32", {"reference"}));
  const auto plain_engine = build("fp32", {"cpu", "reference"}, "plain");
  EXPECT_EQ(count_ops(*plain_engine, "Reorder"), 0u);
  EXPECT_EQ(count_attr(*plain_engine, "cpu_layout"), 0u);
  const auto plain = run(*plain_engine);
  expect_close(plain, reference, 1e-4f);
  // The default (auto) blocks f32 convolutions in the ISA's vector width.
  const auto auto_engine = build("fp32", {"cpu", "reference"});
  EXPECT_GT(count_attr(*auto_engine, "cpu_layout"), 0u);
  expect_close(run(*auto_engine), reference, 1e-4f);
  for (const std::string layout : {"nChw16c", "nChw8c"}) {
    SCOPED_TRACE(layout);
    const auto engine = build("fp32", {"cpu", "reference"}, layout);
    // c1, c2 (residual), the pool, c3 (24 channels out: padded to 32 in nChw16c), c4 and c5.
    // Reorders at the input, before "a" (graph output), around the softsign.
    EXPECT_GE(count_attr(*engine, "cpu_layout"), 5u);
    EXPECT_GE(count_ops(*engine, "Reorder"), 3u);
    const auto blocked = run(*engine);
    expect_close(blocked, plain, 1e-5f);
    expect_close(blocked, reference, 1e-4f);
    // Another batch than the opt one (new primitives, same layouts).
    expect_close(run(*engine, 1), run(*plain_engine, 1), 1e-5f);
  }
}

// Per-layer callbacks (qrt compare, calibration) see blocked values in NHWC like any other.
TEST(CpuLayout, PerLayerCallbackSeesPlainTensors) {
  const auto capture = [](const Engine& e) {
    std::map<std::string, Tensor> seen;
    e.create_context()->run(
        {{"x", random_tensor({3, 16, 9, 11}, 7, 1.f)}},
        [&](const std::string& name, const Tensor& t) { seen[name] = t.clone(); });
    return seen;
  };
  const auto blocked_engine = build("fp32", {"cpu", "reference"}, "nChw16c");
  const ir::Value* r = nullptr;
  for (const ir::Node* n : blocked_engine->impl().nodes)
    if (n->has_attr("cpu_layout") && n->outputs[0]->name == "r") r = n->outputs[0];
  ASSERT_NE(r, nullptr) << "the residual block's output is blocked";
  const auto blocked = capture(*blocked_engine);
  const auto plain = capture(*build("fp32", {"cpu", "reference"}, "plain"));
  ASSERT_TRUE(blocked.count("r") && plain.count("r"));
  EXPECT_LT(max_rel_diff(blocked.at("r"), plain.at("r")), 1e-5f);
}

TEST(CpuLayout, BlockedActivationsMatchPlainInt8) {
  const auto reference = run(*build("int8", {"reference"}));
  const auto plain = run(*build("int8", {"cpu", "reference"}, "plain"));
  const auto engine = build("int8", {"cpu", "reference"}, "nChw16c");
  EXPECT_GT(count_attr(*engine, "cpu_layout"), 0u);
  EXPECT_GT(count_ops(*engine, "Reorder"), 0u);
  const auto blocked = run(*engine);
  // Same primitives' arithmetic in another layout: equal up to the rare one-step rounding of
  // the folded bias; the reference within a few output steps.
  expect_close(blocked, plain, 0.02f);
  expect_close(blocked, reference, 0.05f);
}

// x [N, 24, 9, 11] -> conv 3x3 (24) -> relu -> conv 1x1 (20) = "b" -> conv 3x3 (20) + b
//   -> relu -> depthwise conv 3x3 (20, stride 2) -> maxpool 3x3 -> conv 1x1 (24) = "y":
// channels that are not a multiple of 16 (nor, for 20, of 8), which blocked layouts pad.
ir::Graph padded_network() {
  TestNet m(11);
  ir::Value* x = m.input(24);
  ir::Value* b = m.conv(m.op("Relu", {m.conv(x, 24, 24, 3, "p1")}, "p1_relu"), 24, 20, 1, "b");
  ir::Value* r = m.op("Relu", {m.op("Add", {m.conv(b, 20, 20, 3, "p2"), b}, "p2_sum")}, "p2_relu");
  ir::Value* d = m.conv(r, 20, 20, 3, "dw", 20, 2);
  m.g.outputs = {m.conv(m.max_pool(d, 1, 1, "pool"), 20, 24, 1, "y")};
  return std::move(m.g);
}

std::shared_ptr<Engine> build_padded(std::vector<std::string> backends, const std::string& layout) {
  if (layout.empty())
    unsetenv("QRT_CPU_LAYOUT");
  else
    setenv("QRT_CPU_LAYOUT", layout.c_str(), 1);
  auto engine = std::make_shared<Engine>(
      build_engine(padded_network(), config_for("fp32", std::move(backends)), "padded.onnx"));
  unsetenv("QRT_CPU_LAYOUT");
  return engine;
}

std::map<std::string, Tensor> run_padded(const Engine& e, int64_t batch = 3,
                                         const ExecutionContext::TensorCallback& each = nullptr) {
  return e.create_context()->run({{"x", random_tensor({batch, 24, 9, 11}, 17, 1.f)}}, each);
}

// The channels of a blocked value's buffer: padded up to its producer's block.
int64_t padded_channels(const ir::Value& v, int64_t channels) {
  std::string layout;
  if (v.producer && v.producer->op_type == "Reorder")
    layout = v.producer->attr_string("to", "");
  else if (v.producer && v.producer->outputs[0] == &v)
    layout = v.producer->attr_string("cpu_layout", "");
  const int64_t block = layout == "nChw16c" ? 16 : layout == "nChw8c" ? 8 : 1;
  return (channels + block - 1) / block * block;
}

// Channels that are not a multiple of the block (24 and 20 in nChw16c, 20 in nChw8c) join the
// blocked run in padded buffers: the whole chain runs blocked, with reorders only at the input
// and the output, and matches the plain cpu engine and the reference backend, at the opt batch
// and another one.
TEST(CpuLayout, PaddedChannelsRunBlockedWithoutInnerReorders) {
  const auto reference = run_padded(*build_padded({"reference"}, ""));
  const auto plain_engine = build_padded({"cpu", "reference"}, "plain");
  EXPECT_EQ(count_ops(*plain_engine, "Reorder"), 0u);
  const auto plain = run_padded(*plain_engine);
  EXPECT_LT(max_rel_diff(plain.at("y"), reference.at("y")), 1e-4f);
  for (const std::string layout : {"", "nChw16c", "nChw8c"}) {
    SCOPED_TRACE(layout.empty() ? "auto" : layout);
    const auto engine = build_padded({"cpu", "reference"}, layout);
    size_t convs = 0, blocked = 0;
    for (const ir::Node* n : engine->impl().nodes) {
      if (n->op_type == "Reorder") continue;
      EXPECT_EQ(n->backend, "cpu") << n->name;
      if (n->op_type == "Conv" || n->op_type == "FusedConv" || n->op_type == "MaxPool") {
        ++convs;
        blocked += n->has_attr("cpu_layout");
      }
    }
    EXPECT_EQ(convs, 6u);  // p1, b, p2 (+ b, + relu), dw, pool, y
    EXPECT_EQ(blocked, convs);
    EXPECT_EQ(count_ops(*engine, "Reorder"), 2u);
    const auto got = run_padded(*engine);
    EXPECT_LT(max_rel_diff(got.at("y"), plain.at("y")), 1e-5f);
    EXPECT_LT(max_rel_diff(got.at("y"), reference.at("y")), 1e-4f);
    EXPECT_LT(max_rel_diff(run_padded(*engine, 1).at("y"), run_padded(*plain_engine, 1).at("y")),
              1e-5f);
    // Per-layer callbacks see every value in NHWC, blocked ones converted.
    std::map<std::string, Tensor> seen_blocked, seen_plain;
    run_padded(*engine, 3,
               [&](const std::string& name, const Tensor& t) { seen_blocked[name] = t.clone(); });
    run_padded(*plain_engine, 3,
               [&](const std::string& name, const Tensor& t) { seen_plain[name] = t.clone(); });
    size_t compared = 0;
    for (const auto& [name, t] : seen_plain)
      if (seen_blocked.count(name)) {
        SCOPED_TRACE(name);
        EXPECT_LT(max_rel_diff(seen_blocked.at(name), t), 1e-5f);
        ++compared;
      }
    EXPECT_GE(compared, 5u);
  }
}

// The exec plan sizes blocked buffers with their padding (value_bytes) and the memory planner
// keeps every buffer apart from those alive at the same time (an unpadded size would let a
// kernel write over its neighbour in the arena).
TEST(CpuLayout, PaddedBlockedBuffersAreSizedWithTheirPadding) {
  for (const std::string layout : {"nChw16c", "nChw8c"}) {
    SCOPED_TRACE(layout);
    const auto engine = build_padded({"cpu", "reference"}, layout);
    const EngineImpl& impl = engine->impl();
    const ExecPlan plan = make_exec_plan(impl, impl.input_types_for_batch(4));
    std::map<const ir::Value*, std::pair<int, int>> lifetime;
    for (size_t i = 0; i < impl.nodes.size(); ++i) {
      const int step = static_cast<int>(i);
      for (const ir::Value* v : impl.nodes[i]->inputs)
        if (lifetime.count(v)) lifetime[v].second = step;
      for (const ir::Value* v : impl.nodes[i]->outputs) lifetime[v] = {step, step};
    }
    struct Buffer {
      const ir::Value* value;
      size_t begin, end;
    };
    std::vector<Buffer> buffers;
    size_t padded_values = 0;
    for (const auto& [v, offset] : plan.arena_offset) {
      const ir::TensorType& t = plan.inference.types.at(v);
      size_t bytes = 4;
      for (size_t d = 0; d < t.shape.size(); ++d)
        bytes *= static_cast<size_t>(d == 3 ? padded_channels(*v, t.shape[3]) : t.shape[d]);
      if (t.shape.size() == 4 && padded_channels(*v, t.shape[3]) != t.shape[3]) ++padded_values;
      EXPECT_EQ(value_bytes(*v, t), bytes) << v->name;
      EXPECT_LE(offset + bytes, plan.arena_bytes) << v->name;
      buffers.push_back({v, offset, offset + bytes});
    }
    EXPECT_GE(padded_values, layout == "nChw16c" ? 5u : 4u);
    for (size_t i = 0; i < buffers.size(); ++i)
      for (size_t j = i + 1; j < buffers.size(); ++j) {
        const auto [a0, a1] = lifetime.at(buffers[i].value);
        const auto [b0, b1] = lifetime.at(buffers[j].value);
        if (a1 < b0 || b1 < a0) continue;
        EXPECT_TRUE(buffers[i].end <= buffers[j].begin || buffers[j].end <= buffers[i].begin)
            << buffers[i].value->name << " and " << buffers[j].value->name << " overlap";
      }
  }
}

std::string temp_plan(const std::string& tag) {
  return (std::filesystem::temp_directory_path() /
          ("qrt_cpu_layout_" + tag + "_" + std::to_string(::getpid()) + ".plan"))
      .string();
}

// x [N, C, 17, 19] (an image: C = 3, or 1 for grey) -> conv 3x3 s2 (32) -> relu -> conv 3x3 (32)
//   -> maxpool 3x3 s2 -> conv 1x1 (48) = "y" -> global average pool = "g"
ir::Graph image_network(int64_t channels) {
  TestNet m(31);
  ir::Value* x = m.input(channels, 17, 19);
  ir::Value* r = m.op("Relu", {m.conv(x, channels, 32, 3, "first", 1, 2)}, "first_relu");
  ir::Value* y = m.conv(m.max_pool(m.conv(r, 32, 32, 3, "second"), 2, 0, "pool"), 32, 48, 1, "y");
  m.g.outputs = {y, m.op("GlobalAveragePool", {y}, "g")};
  return std::move(m.g);
}

// An image's first convolution reads the NCHW input itself and writes the blocked layout (no
// Transpose to NHWC, no reorder inside the run), and matches the plain cpu engine and the
// reference backend, at the opt batch and another one. The one Reorder makes the output "y"
// plain; the pooled "g" (48 channels at 1x1, the same bytes blocked or not) needs none.
TEST(CpuLayout, FirstConvolutionReadsTheNchwImage) {
  for (const int64_t channels : {3, 1}) {
    const auto make = [&](std::vector<std::string> backends, const std::string& layout) {
      setenv("QRT_CPU_LAYOUT", layout.c_str(), 1);
      auto e = std::make_shared<Engine>(build_engine(
          image_network(channels), config_for("fp32", std::move(backends)), "image.onnx"));
      unsetenv("QRT_CPU_LAYOUT");
      return e;
    };
    const auto run_image = [&](const Engine& e, int64_t batch) {
      return e.create_context()->run({{"x", random_tensor({batch, channels, 17, 19}, 41, 1.f)}});
    };
    const auto reference = make({"reference"}, "plain");
    const auto plain = make({"cpu", "reference"}, "plain");
    EXPECT_EQ(count_attr(*plain, "nchw_input"), 0u);
    for (const std::string layout : {"auto", "nChw16c", "nChw8c"}) {
      SCOPED_TRACE(std::to_string(channels) + " channels, " + layout);
      const auto engine = make({"cpu", "reference"}, layout);
      const ir::Node* first = engine->impl().nodes.at(0);
      EXPECT_EQ(first->name, "first");
      EXPECT_EQ(first->attr_int("nchw_input", 0), 1);
      EXPECT_TRUE(first->has_attr("cpu_layout"));
      EXPECT_EQ(first->inputs.at(0)->name, "x");
      EXPECT_EQ(count_ops(*engine, "Transpose"), count_ops(*plain, "Transpose") - 1);
      EXPECT_EQ(count_ops(*engine, "Reorder"), 1u);
      for (const ir::Node* n : engine->impl().nodes)
        if (n->op_type == "GlobalAveragePool") {
          EXPECT_TRUE(n->has_attr("cpu_layout"));
        }
      for (const int64_t batch : {3, 1})
        for (const char* name : {"y", "g"}) {
          SCOPED_TRACE(std::string(name) + " at batch " + std::to_string(batch));
          const Tensor got = run_image(*engine, batch).at(name);
          EXPECT_LT(max_rel_diff(got, run_image(*plain, batch).at(name)), 1e-5f);
          EXPECT_LT(max_rel_diff(got, run_image(*reference, batch).at(name)), 1e-4f);
        }
      const std::string path = temp_plan("image");
      engine->save(path);
      const auto loaded = Engine::load(path);
      std::filesystem::remove(path);
      EXPECT_EQ(loaded->impl().nodes.at(0)->attr_int("nchw_input", 0), 1);
      const auto before = run_image(*engine, 3), after = run_image(*loaded, 3);
      for (const char* name : {"y", "g"})
        EXPECT_EQ(
            std::memcmp(before.at(name).data(), after.at(name).data(), before.at(name).nbytes()),
            0);
    }
  }
}

TEST(CpuLayout, StoredWeightsRoundTripAndLoadWithoutReorder) {
  for (const std::string precision : {"fp32", "int8"}) {
    SCOPED_TRACE(precision);
    const auto engine = build(precision, {"cpu", "reference"});
    // Every cpu convolution whose oneDNN layout is not the plain one and needs no padding has
    // its weights stored reordered; here that is at least the 32-channel ones.
    EXPECT_GE(count_attr(*engine, "cpu_weights_md"), 2u);
    const std::string path = temp_plan(precision);
    engine->save(path);
    const auto loaded = Engine::load(path);
    EXPECT_EQ(count_attr(*loaded, "cpu_weights_md"), count_attr(*engine, "cpu_weights_md"));
    const auto before = run(*engine);
    // Loading and the first run (where primitives are made) reorder only the weights that
    // were not stored: the convolutions left plain.
    uint64_t plain_convs = 0;
    for (const ir::Node* n : loaded->impl().nodes)
      plain_convs +=
          (n->op_type == "Conv" || n->op_type == "FusedConv" || n->op_type == "ConvInt8") &&
          n->backend == "cpu" && !n->has_attr("cpu_weights_md");
    const uint64_t reorders = cpu::weight_reorders();
    const auto after = run(*loaded);
    EXPECT_LE(cpu::weight_reorders() - reorders, plain_convs);
    for (const char* name : {"y", "a"})
      EXPECT_EQ(
          std::memcmp(before.at(name).data(), after.at(name).data(), before.at(name).nbytes()), 0);
    std::filesystem::remove(path);
  }
}

// A plan with padded blocked activations (format 4) loads and runs as built.
TEST(CpuLayout, PaddedBlockedPlanRoundTrips) {
  const auto engine = build_padded({"cpu", "reference"}, "nChw16c");
  const std::string path = temp_plan("padded");
  engine->save(path);
  const auto loaded = Engine::load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(count_ops(*loaded, "Reorder"), 2u);
  const Tensor before = run_padded(*engine).at("y"), after = run_padded(*loaded).at("y");
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.nbytes()), 0);
}

// A "cpu_weights_md" attribute describing dense row-major f32 of `dims` (the plain layout), as
// a plan built where oneDNN wanted no other layout would hold it.
Tensor plain_f32_desc_attr(const std::vector<int64_t>& dims) {
  dnnl_memory_desc_t md;
  std::memset(&md, 0, sizeof md);
  md.ndims = static_cast<int>(dims.size());
  md.data_type = dnnl_f32;
  md.format_kind = dnnl_blocked;
  int64_t stride = 1;
  for (int i = md.ndims - 1; i >= 0; --i) {
    md.dims[i] = md.padded_dims[i] = dims[static_cast<size_t>(i)];
    md.format_desc.blocking.strides[i] = stride;
    stride *= dims[static_cast<size_t>(i)];
  }
  Tensor attr(DataType::kUInt8, {static_cast<int64_t>(sizeof md)});
  std::memcpy(attr.data(), &md, sizeof md);
  return attr;
}

// Replaces one convolution's stored weights by plain OIHW ones with a descriptor that says so:
// what a plan holds when built where oneDNN wanted another layout than it wants here. The
// primitive must reorder from the stored layout (one reorder more) and give the same result.
TEST(CpuLayout, StoredWeightsInAnotherLayoutAreReorderedFromIt) {
  const auto engine = build("fp32", {"cpu", "reference"});
  const ir::Graph original = test_network();
  std::map<std::string, Tensor> plain_weights;
  for (const ir::Node* n : original.nodes())
    if (n->op_type == "Conv") plain_weights[n->name] = *n->inputs[1]->constant;
  const auto reorders_of_run = [&](const std::shared_ptr<EngineImpl>& impl) {
    Engine e(impl);
    const uint64_t before = cpu::weight_reorders();
    const auto out = run(e);
    return std::make_pair(cpu::weight_reorders() - before, out);
  };
  const auto [unchanged_reorders, want] = reorders_of_run(clone_engine(engine->impl()));
  auto copy = clone_engine(engine->impl());
  ir::Node* target = nullptr;
  for (ir::Node* n : copy->graph.nodes())
    if (n->has_attr("cpu_weights_md") && plain_weights.count(n->name)) target = n;
  ASSERT_NE(target, nullptr);
  const Tensor& w = plain_weights.at(target->name);
  target->attrs["cpu_weights_md"] = plain_f32_desc_attr(w.shape());
  target->inputs[1]->constant = w.clone();
  // Through a plan file: the descriptor is checked on load.
  const std::string path = temp_plan("other_layout");
  save_plan(*copy, path);
  const auto [reorders, got] = reorders_of_run(load_plan(path));
  std::filesystem::remove(path);
  EXPECT_EQ(reorders, unchanged_reorders + 1);
  expect_close(got, want, 1e-6f);
}

struct CliResult {
  int exit_code;
  std::string output;
};

CliResult qrt_cli(const std::string& env, const std::string& args) {
  const std::string cmd = env + " " + std::string(QRT_BINARY_DIR) + "/qrt " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A plan built here (AVX-512) run where oneDNN may only use AVX2: its primitives want other
// weight layouts than the stored ones, so they reorder from the stored layout (more weight
// reorders in oneDNN's verbose log) and the logits stay those of the AVX-512 run. Direct
// convolutions throughout (QRT_CPU_CONV=direct): Winograd's weights are never stored, and would
// add reorders of their own to the AVX-512 run.
TEST(CpuLayout, PlanFromAnotherIsaReordersFromTheStoredLayout) {
  const std::string models = std::string(QRT_SOURCE_DIR) + "/models/";
  const std::string dir = temp_plan("isa");
  std::filesystem::create_directories(dir + "/here");
  std::filesystem::create_directories(dir + "/avx2");
  const std::string plan = dir + "/cnn.plan";
  const CliResult built =
      qrt_cli("QRT_CPU_CONV=direct",
              "build " + models + "fashion_cnn.onnx --backend cpu -o " + plan + " --batch 1:8:8");
  ASSERT_EQ(built.exit_code, 0) << built.output;
  const std::string run_args =
      "run " + plan + " -i image=" + models + "fashion_sample.npy -d " + dir + "/";
  const CliResult here = qrt_cli("QRT_CPU_CONV=direct DNNL_VERBOSE=1", run_args + "here");
  ASSERT_EQ(here.exit_code, 0) << here.output;
  const CliResult avx2 =
      qrt_cli("QRT_CPU_CONV=direct DNNL_VERBOSE=1 DNNL_MAX_CPU_ISA=AVX2", run_args + "avx2");
  ASSERT_EQ(avx2.exit_code, 0) << avx2.output;
  if (here.output.find("avx512") == std::string::npos)
    GTEST_SKIP() << "this CPU has no AVX-512: both runs use the same ISA";
  EXPECT_EQ(avx2.output.find("avx512"), std::string::npos);
  EXPECT_GT(count_of(avx2.output, ",exec,cpu,reorder,"),
            count_of(here.output, ",exec,cpu,reorder,"));
  const Tensor a = io::load_npy(dir + "/here/logits.npy");
  const Tensor b = io::load_npy(dir + "/avx2/logits.npy");
  EXPECT_LT(max_rel_diff(b, a), 1e-4f);
  std::filesystem::remove_all(dir);
}

// Corrupts the stored weight layout of the first node of `engine` with one that `pick` selects,
// in several ways: each is a one-line error naming the node, on load.
void expect_corrupt_layouts_fail(const Engine& engine,
                                 const std::function<bool(const ir::Node&)>& pick) {
  const auto expect_load_error = [&](const std::function<void(ir::Node&)>& corrupt,
                                     const std::string& want) {
    SCOPED_TRACE(want);
    auto copy = clone_engine(engine.impl());
    std::string node;
    for (ir::Node* n : copy->graph.nodes())
      if (n->has_attr("cpu_weights_md") && pick(*n)) {
        corrupt(*n);
        node = n->name;
        break;
      }
    ASSERT_FALSE(node.empty()) << "no node with a stored layout to corrupt";
    const std::string path = temp_plan("corrupt");
    save_plan(*copy, path);
    expect_error([&] { Engine::load(path); }, {"corrupt plan", node, want, "rebuild the plan"});
    std::filesystem::remove(path);
  };
  expect_load_error([](ir::Node& n) { n.attrs["cpu_weights_md"] = Tensor(DataType::kUInt8, {10}); },
                    "stored cpu weight layout is malformed");
  expect_load_error(
      [](ir::Node& n) {
        Tensor md = std::get<Tensor>(n.attrs.at("cpu_weights_md")).clone();
        int64_t dim0;
        std::memcpy(&dim0, md.data_as<uint8_t>() + offsetof(dnnl_memory_desc_t, dims), sizeof dim0);
        dim0 += 1;
        std::memcpy(md.data_as<uint8_t>() + offsetof(dnnl_memory_desc_t, dims), &dim0, sizeof dim0);
        n.attrs["cpu_weights_md"] = md;
      },
      "does not describe these weights");
  expect_load_error(
      [](ir::Node& n) {
        Tensor md = std::get<Tensor>(n.attrs.at("cpu_weights_md")).clone();
        std::memset(md.data_as<uint8_t>() + 8, 0xff, md.nbytes() - 8);  // garbage after ndims
        n.attrs["cpu_weights_md"] = md;
      },
      "stored cpu weight layout");
  // A stride of 0 (every element on the first one's bytes).
  expect_load_error(
      [](ir::Node& n) {
        Tensor md = std::get<Tensor>(n.attrs.at("cpu_weights_md")).clone();
        const size_t at =
            offsetof(dnnl_memory_desc_t, format_desc) + offsetof(dnnl_blocking_desc_t, strides);
        std::memset(md.data_as<uint8_t>() + at, 0, sizeof(dnnl_dim_t));
        n.attrs["cpu_weights_md"] = md;
      },
      "has bad padding or strides");
  // Bytes cut short of what the descriptor needs.
  expect_load_error(
      [](ir::Node& n) {
        const Tensor& w = *n.inputs[1]->constant;
        n.inputs[1]->constant = Tensor(w.dtype(), {w.numel() - 16});
      },
      "the weights have");
}

// Corrupted stored layouts of convolutions: a one-line error naming the node, on load.
TEST(CpuLayout, CorruptStoredLayoutIsAOneLineError) {
  const auto engine = build("fp32", {"cpu", "reference"});
  expect_corrupt_layouts_fail(*engine, [](const ir::Node&) { return true; });
}

// x [N, 64] -> Gemm transB (B [96, 64], C [96]) -> relu -> Gemm (B [96, 80]) -> MatMul
//   (B [80, 40]) = "y": B transposed and not, with and without a bias, Gemm and MatMul (and, in
//   int8, MatMulInt8 with oneDNN's s8s8 compensation after B's values).
ir::Graph matmul_network() {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{-1, "N"}, ir::Dim{64, {}}};
  g.inputs.push_back(x);
  const auto add = [&](const std::string& op, std::vector<ir::Value*> in, const std::string& name) {
    ir::Value* y = g.add_value(name);
    return std::make_pair(g.add_node(op, name, std::move(in), {y}), y);
  };
  ir::Value* b1 = g.add_constant("fc1_b", random_tensor({96, 64}, 51, 0.2f));
  ir::Value* c1 = g.add_constant("fc1_c", random_tensor({96}, 52, 0.1f));
  auto [fc1, h1] = add("Gemm", {x, b1, c1}, "fc1");
  fc1->attrs["transB"] = int64_t{1};
  ir::Value* r = add("Relu", {h1}, "relu").second;
  ir::Value* h2 =
      add("Gemm", {r, g.add_constant("fc2_b", random_tensor({96, 80}, 53, 0.15f))}, "fc2").second;
  ir::Value* y =
      add("MatMul", {h2, g.add_constant("fc3_b", random_tensor({80, 40}, 54, 0.15f))}, "y").second;
  g.outputs = {y};
  return g;
}

Tensor matmul_input(int64_t batch) { return random_tensor({batch, 64}, 55, 1.f); }

std::shared_ptr<Engine> build_matmuls(const std::string& precision,
                                      std::vector<std::string> backends) {
  BuilderConfig c = config_for(precision, std::move(backends));
  if (precision == "int8")
    c.calibration.batch = [](int64_t i) {
      return std::map<std::string, Tensor>{
          {"x", random_tensor({3, 64}, 200 + static_cast<uint32_t>(i), 1.f)}};
    };
  return std::make_shared<Engine>(build_engine(matmul_network(), c, "matmuls.onnx"));
}

Tensor run_matmuls(const Engine& e, const Tensor& x) {
  return e.create_context()->run({{"x", x}}).at("y");
}

bool is_cpu_matmul(const ir::Node& n) {
  return n.backend == "cpu" &&
         (n.op_type == "Gemm" || n.op_type == "MatMul" || n.op_type == "MatMulInt8");
}

// Each cpu Gemm, MatMul and MatMulInt8 stores B in the layout its primitive wants at the opt
// batch (3); a loaded plan's first run at that batch reorders no weights and computes what the
// built engine computes, bit for bit; another batch (1, 4) reorders from the stored layout where
// oneDNN wants another and stays right (row for row the opt batch's output, and close to the
// reference backend's).
TEST(CpuLayout, StoredMatmulWeightsRoundTripAndLoadWithoutReorder) {
  for (const std::string precision : {"fp32", "bf16", "int8"}) {
    SCOPED_TRACE(precision);
    const auto engine = build_matmuls(precision, {"cpu", "reference"});
    size_t matmuls = 0, stored = 0;
    for (const ir::Node* n : engine->impl().nodes)
      if (is_cpu_matmul(*n)) {
        ++matmuls;
        stored += n->has_attr("cpu_weights_md");
        // The logical shape of B stays known; its stored bytes are a flat tensor.
        if (n->has_attr("cpu_weights_md")) {
          EXPECT_EQ(n->attr_ints("weights_shape").size(), 2u) << n->name;
          EXPECT_EQ(n->inputs[1]->constant->rank(), 1u) << n->name;
        }
      }
    if (precision == "bf16" && matmuls == 0) {
      std::cout << "oneDNN has no bf16 here: the bf16 matmuls run on the reference backend\n";
      continue;
    }
    EXPECT_EQ(matmuls, 3u);
    // oneDNN's matmuls (brgemm) want B blocked for every type on AVX-512 and AVX2.
    EXPECT_EQ(stored, matmuls);
    const std::string path = temp_plan("matmul_" + precision);
    engine->save(path);
    const auto loaded = Engine::load(path);
    std::filesystem::remove(path);
    EXPECT_EQ(count_attr(*loaded, "cpu_weights_md"), count_attr(*engine, "cpu_weights_md"));
    const Tensor x = matmul_input(3);
    const Tensor before = run_matmuls(*engine, x);
    const uint64_t reorders = cpu::weight_reorders();
    const Tensor after = run_matmuls(*loaded, x);
    EXPECT_EQ(cpu::weight_reorders() - reorders, 0u);
    ASSERT_EQ(after.shape(), (std::vector<int64_t>{3, 40}));
    EXPECT_EQ(std::memcmp(before.data(), after.data(), before.nbytes()), 0);
    const auto reference = build_matmuls(precision, {"reference"});
    const float tolerance = precision == "fp32" ? 1e-5f : 2e-2f;
    EXPECT_LT(max_rel_diff(after, run_matmuls(*reference, x)), precision == "fp32" ? 1e-5f : 5e-2f);
    for (const int64_t batch : {1, 4}) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      const Tensor xb = matmul_input(batch);  // the same rows as x, as many as asked
      const Tensor got = run_matmuls(*loaded, xb);
      ASSERT_EQ(got.shape(), (std::vector<int64_t>{batch, 40}));
      const int64_t rows = std::min<int64_t>(batch, 3);
      const Tensor want_rows =
          Tensor::borrow(before.dtype(), {rows, 40}, const_cast<void*>(before.data()));
      const Tensor got_rows =
          Tensor::borrow(got.dtype(), {rows, 40}, const_cast<void*>(got.data()));
      EXPECT_LT(max_rel_diff(got_rows, want_rows), tolerance);
      EXPECT_LT(max_rel_diff(got, run_matmuls(*reference, xb)),
                precision == "fp32" ? 1e-5f : 5e-2f);
    }
  }
}

// A matmul's stored B replaced by the plain row-major B with a descriptor that says so (what a
// plan holds when built where oneDNN wanted another layout than here): one reorder more, from
// the stored layout, and the same result.
TEST(CpuLayout, StoredMatmulWeightsInAnotherLayoutAreReorderedFromIt) {
  const auto engine = build_matmuls("fp32", {"cpu", "reference"});
  const Tensor plain_b = random_tensor({80, 40}, 54, 0.15f);  // fc3's B ("y", a MatMul)
  const auto reorders_of_run = [&](const std::shared_ptr<EngineImpl>& impl) {
    Engine e(impl);
    const uint64_t before = cpu::weight_reorders();
    const Tensor out = run_matmuls(e, matmul_input(3));
    return std::make_pair(cpu::weight_reorders() - before, out);
  };
  const auto [unchanged_reorders, want] = reorders_of_run(clone_engine(engine->impl()));
  auto copy = clone_engine(engine->impl());
  ir::Node* target = nullptr;
  for (ir::Node* n : copy->graph.nodes())
    if (n->op_type == "MatMul" && n->has_attr("cpu_weights_md")) target = n;
  ASSERT_NE(target, nullptr);
  target->attrs["cpu_weights_md"] = plain_f32_desc_attr(plain_b.shape());
  target->inputs[1]->constant = plain_b.clone();
  const std::string path = temp_plan("matmul_other_layout");
  save_plan(*copy, path);
  const auto [reorders, got] = reorders_of_run(load_plan(path));
  std::filesystem::remove(path);
  EXPECT_EQ(reorders, unchanged_reorders + 1);
  EXPECT_LT(max_rel_diff(got, want), 1e-6f);
}

// Corrupted stored layouts of matmuls (f32, and int8 with its compensation): a one-line error
// naming the node, on load; so is a stored B whose logical shape is not 2-D.
TEST(CpuLayout, CorruptStoredMatmulLayoutIsAOneLineError) {
  for (const std::string precision : {"fp32", "int8"}) {
    SCOPED_TRACE(precision);
    const auto engine = build_matmuls(precision, {"cpu", "reference"});
    expect_corrupt_layouts_fail(*engine, is_cpu_matmul);
    auto copy = clone_engine(engine->impl());
    std::string node;
    for (ir::Node* n : copy->graph.nodes())
      if (n->has_attr("cpu_weights_md") && node.empty()) {
        n->attrs["weights_shape"] = std::vector<int64_t>{80};
        node = n->name;
      }
    ASSERT_FALSE(node.empty());
    const std::string path = temp_plan("corrupt_matmul_shape");
    save_plan(*copy, path);
    expect_error([&] { Engine::load(path); },
                 {"corrupt plan", node, "cpu matmul weights must be 2-D"});
    std::filesystem::remove(path);
  }
}

// x [N, 64, 56, 56] -> conv 3x3 (64) -> relu -> conv 3x3 (64) = "y": 3x3 stride-1 layers that
// oneDNN runs with Winograd (jit_wino_4x3 on AVX-512) at batch 8, and with a direct kernel at
// batch 1.
std::string winograd_model(const TempDir& dir) {
  OnnxModel m;
  m.input("x", ::onnx::TensorProto::FLOAT, {"N", 64, 56, 56});
  uint32_t seed = 31;
  for (const std::string name : {"w1", "w2"}) {
    const Tensor w = random_tensor({64, 64, 3, 3}, seed++, 1.5f / 24.f);
    const Tensor b = random_tensor({64}, seed++, 0.1f);
    m.initializer(float_tensor(name, {64, 64, 3, 3}, w.to_float_vector()));
    m.initializer(float_tensor(name + "_b", {64}, b.to_float_vector()));
  }
  for (auto [x, w, y] : {std::array<const char*, 3>{"x", "w1", "c1"}, {"r1", "w2", "y"}}) {
    auto& conv = m.node("Conv", {x, w, std::string(w) + "_b"}, {y}, y);
    attr_ints(conv, "kernel_shape", {3, 3});
    attr_ints(conv, "pads", {1, 1, 1, 1});
  }
  m.node("Relu", {"c1"}, {"r1"}, "relu");
  m.output("y");
  return dir.write("wino.onnx", m.bytes());
}

// The Winograd plan (oneDNN's choice at the opt batch 8) and the same model built and run with
// direct convolutions, through the CLI (QRT_CPU_CONV is read once per process).
struct WinogradPlans {
  TempDir dir;
  std::string wino_plan = dir.file("wino.plan"), direct_plan = dir.file("direct.plan");
  std::shared_ptr<Engine> wino;  // loaded from wino_plan
  WinogradPlans() {
    const std::string model = winograd_model(dir);
    for (const auto& [env, plan] : {std::pair{std::string(""), wino_plan},
                                    std::pair{std::string("QRT_CPU_CONV=direct"), direct_plan}}) {
      const CliResult built = qrt_cli(env, "build " + model + " --backend cpu --precision fp32 " +
                                               "--batch 1:8:8 --threads 2 -o " + plan);
      EXPECT_EQ(built.exit_code, 0) << built.output;
    }
    wino = Engine::load(wino_plan);
  }
  // The direct plan's output for x, run by the CLI with direct convolutions.
  Tensor direct_output(const Tensor& x) const {
    const std::string in = dir.file("x.npy"), out = dir.file("direct_out");
    io::save_npy(in, x);
    const CliResult ran = qrt_cli("QRT_CPU_CONV=direct", "run " + direct_plan + " -i x=" + in +
                                                             " -d " + out + " --threads 2");
    EXPECT_EQ(ran.exit_code, 0) << ran.output;
    return io::load_npy(out + "/y.npy");
  }
  size_t stored() const { return count_attr(*wino, "cpu_wino_md"); }
  // Whether oneDNN runs Winograd here (it has kernels for AVX-512); a failure where it does and
  // the plan stores no Winograd weights.
  bool winograd_here() const {
    if (stored() > 0) return true;
    const std::string probe = dir.file("probe.npy");
    io::save_npy(probe, random_tensor({8, 64, 56, 56}, 40, 1.f));
    const CliResult verbose = qrt_cli("ONEDNN_VERBOSE=1", "run " + wino_plan + " -i x=" + probe);
    EXPECT_EQ(verbose.output.find("wino"), std::string::npos)
        << "oneDNN runs Winograd, but the plan stores no Winograd weights";
    return false;
  }
};

constexpr const char* kNoWinograd =
    "oneDNN picks no Winograd kernel on this CPU (it has them for AVX-512)";

std::pair<Tensor, uint64_t> run_counting_reorders(const Engine& e, const Tensor& x) {
  const uint64_t before = cpu::weight_reorders();
  Tensor y = e.create_context()->run({{"x", x}}).at("y");
  return {y, cpu::weight_reorders() - before};
}

// The build stores Winograd-transformed weights next to the plain ones; the loaded plan runs at
// the opt batch with no weight reorder at all, and computes what direct convolutions compute.
TEST(CpuWinograd, StoredWeightsRunWithoutReorderAndMatchDirect) {
  WinogradPlans plans;
  if (!plans.winograd_here()) GTEST_SKIP() << kNoWinograd;
  EXPECT_EQ(plans.stored(), 2u);
  for (const ir::Node* n : plans.wino->impl().nodes)
    if (n->has_attr("cpu_wino_md")) {
      // The plain weights stay (other batches, other CPUs); the transformed ones are 36/9 of them
      // (6x6 tiles for 3x3) plus block padding.
      EXPECT_FALSE(n->has_attr("cpu_weights_md")) << n->name;
      EXPECT_EQ(n->inputs[1]->constant->shape(), (std::vector<int64_t>{64, 64, 3, 3}));
      EXPECT_GE(std::get<Tensor>(n->attrs.at("cpu_wino_weights")).nbytes(),
                4 * n->inputs[1]->constant->nbytes());
    }
  const Tensor x = random_tensor({8, 64, 56, 56}, 41, 1.f);
  const auto [y, reorders] = run_counting_reorders(*plans.wino, x);
  EXPECT_EQ(reorders, 0u);
  EXPECT_LT(max_rel_diff(y, plans.direct_output(x)), 1e-4f);
  // Without the stored bytes the primitive transforms the plain weights itself, to the same
  // bytes: the same output, bit for bit, and one counted reorder per layer.
  auto stripped = clone_engine(plans.wino->impl());
  for (ir::Node* n : stripped->graph.nodes()) {
    n->attrs.erase("cpu_wino_md");
    n->attrs.erase("cpu_wino_weights");
  }
  const auto [y_plain, plain_reorders] = run_counting_reorders(Engine(stripped), x);
  EXPECT_EQ(plain_reorders, 2u);
  EXPECT_EQ(std::memcmp(y.data(), y_plain.data(), y.nbytes()), 0);
}

// At another batch of the profile oneDNN wants other weights (a direct kernel at batch 1, other
// Winograd blocks at others): the plain weights are reordered (counted) and the outputs stay
// right.
TEST(CpuWinograd, OtherBatchFallsBackToThePlainWeights) {
  WinogradPlans plans;
  if (!plans.winograd_here()) GTEST_SKIP() << kNoWinograd;
  const Tensor x = random_tensor({1, 64, 56, 56}, 42, 1.f);
  const auto [y, reorders] = run_counting_reorders(*plans.wino, x);
  EXPECT_EQ(reorders, plans.stored());
  EXPECT_LT(max_rel_diff(y, plans.direct_output(x)), 1e-4f);
}

// Corrupt or hand-edited Winograd weights: a one-line error naming the node, on load.
TEST(CpuWinograd, CorruptStoredWeightsAreAOneLineError) {
  WinogradPlans plans;
  if (!plans.winograd_here()) GTEST_SKIP() << kNoWinograd;
  const auto expect_load_error = [&](const std::function<void(ir::Node&)>& corrupt,
                                     const std::string& want) {
    SCOPED_TRACE(want);
    auto copy = clone_engine(plans.wino->impl());
    std::string node;
    for (ir::Node* n : copy->graph.nodes())
      if (n->has_attr("cpu_wino_md")) {
        corrupt(*n);
        node = n->name;
        break;
      }
    const std::string path = plans.dir.file("corrupt.plan");
    save_plan(*copy, path);
    expect_error([&] { Engine::load(path); },
                 {"corrupt plan", node, "stored Winograd weights", want, "rebuild the plan"});
  };
  // Writes `value` over the descriptor's bytes at `offset`.
  const auto patch_md = [](int32_t value, size_t offset) {
    return [value, offset](ir::Node& n) {
      Tensor md = std::get<Tensor>(n.attrs.at("cpu_wino_md")).clone();
      std::memcpy(md.data_as<uint8_t>() + offset, &value, sizeof value);
      n.attrs["cpu_wino_md"] = md;
    };
  };
  const size_t wino_at = offsetof(dnnl_memory_desc_t, format_desc);
  expect_load_error(patch_md(77, wino_at + offsetof(dnnl_wino_desc_t, wino_format)),
                    "not a Winograd layout");
  expect_load_error(patch_md(dnnl_blocked, offsetof(dnnl_memory_desc_t, format_kind)),
                    "not a Winograd layout");
  expect_load_error(patch_md(-4, wino_at + offsetof(dnnl_wino_desc_t, ic2_block)), "not positive");
  expect_load_error(patch_md(32, wino_at + offsetof(dnnl_wino_desc_t, oc)),
                    "output x input channels (32x64) are not the weights' (64x64)");
  expect_load_error(
      [](ir::Node& n) {
        Tensor md = std::get<Tensor>(n.attrs.at("cpu_wino_md")).clone();
        std::memset(md.data_as<uint8_t>() + 8, 0xff, md.nbytes() - 8);  // garbage after ndims
        n.attrs["cpu_wino_md"] = md;
      },
      "descriptor does not describe these weights");
  expect_load_error([](ir::Node& n) { n.attrs["cpu_wino_md"] = Tensor(DataType::kUInt8, {10}); },
                    "descriptor is malformed");
  // A byte count that does not match the descriptor: bytes cut short, or one more.
  expect_load_error(
      [](ir::Node& n) {
        const Tensor& bytes = std::get<Tensor>(n.attrs.at("cpu_wino_weights"));
        n.attrs["cpu_wino_weights"] = Tensor(DataType::kUInt8, {bytes.numel() - 64});
      },
      "bytes, cpu_wino_weights has");
  expect_load_error(
      [](ir::Node& n) {
        const Tensor& bytes = std::get<Tensor>(n.attrs.at("cpu_wino_weights"));
        n.attrs["cpu_wino_weights"] = Tensor(DataType::kUInt8, {bytes.numel() + 1});
      },
      "bytes, cpu_wino_weights has");
  expect_load_error([](ir::Node& n) { n.attrs["cpu_wino_weights"] = int64_t{3}; }, "not 1-D u8");
  expect_load_error([](ir::Node& n) { n.attrs.erase("cpu_wino_weights"); }, "lack their bytes");
}

// Elementwise ops, BatchNormalization and Concat in blocked runs.

// MobileNetV3-like: x [N, 16] -> conv 1x1 (32) -> HardSwish -> depthwise 3x3 = d -> squeeze-
// excitation (GAP, conv 1x1 (16), Relu, conv 1x1 (32), HardSigmoid = s, d * s) -> conv 1x1 (16)
// + x = "y".
ir::Graph mobilenet_block() {
  TestNet m(51);
  ir::Value* x = m.input(16);
  ir::Value* d =
      m.conv(m.op("HardSwish", {m.conv(x, 16, 32, 1, "expand")}, "hswish"), 32, 32, 3, "dw", 32);
  ir::Value* gap = m.op("GlobalAveragePool", {d}, "gap");
  ir::Value* s =
      m.op("HardSigmoid",
           {m.conv(m.op("Relu", {m.conv(gap, 32, 16, 1, "se1")}, "se_relu"), 16, 32, 1, "se2")},
           "hsig", {{"alpha", 1.f / 6}});
  m.g.outputs = {
      m.op("Add", {m.conv(m.op("Mul", {d, s}, "scaled"), 32, 16, 1, "project"), x}, "y")};
  return std::move(m.g);
}

// DenseNet-like: x [N, 32] -> BN -> Relu -> conv 3x3 (16) -> Concat with x (48) = c -> BN ->
// Relu -> conv 1x1 (32) -> Concat with c = "y" (80): channels in whole blocks of 16.
ir::Graph densenet_block() {
  TestNet m(51);
  ir::Value* x = m.input(32);
  const std::map<std::string, ir::AttributeValue> axis1 = {{"axis", int64_t{1}}};
  ir::Value* c =
      m.op("Concat",
           {x, m.conv(m.op("Relu", {m.batch_norm(x, 32, "bn1")}, "relu1"), 32, 16, 3, "conv1")},
           "cat1", axis1);
  ir::Value* y =
      m.op("Concat",
           {c, m.conv(m.op("Relu", {m.batch_norm(c, 48, "bn2")}, "relu2"), 48, 32, 1, "conv2")},
           "y", axis1);
  m.g.outputs = {y};
  return std::move(m.g);
}

// Padded channels: x [N, 24] -> conv 3x3 (24) -> Sigmoid = a -> conv 3x3 (24) -> Sigmoid
// -> + a -> BN -> conv 1x1 (24) = "y" (24 channels: padded to 32 in nChw16c).
ir::Graph padded_sigmoid_network() {
  TestNet m(51);
  ir::Value* x = m.input(24);
  ir::Value* a = m.op("Sigmoid", {m.conv(x, 24, 24, 3, "c1")}, "sig1");
  ir::Value* b = m.op("Sigmoid", {m.conv(a, 24, 24, 3, "c2")}, "sig2");
  m.g.outputs = {m.conv(m.batch_norm(m.op("Add", {b, a}, "sum"), 24, "bn"), 24, 24, 1, "y")};
  return std::move(m.g);
}

// Every node of these networks is blocked, with one Reorder at the input and one at the output,
// and matches the plain cpu engine and the reference backend at the opt batch and another, also
// after a save and load.
TEST(CpuLayout, ElementwiseConcatAndBatchNormJoinBlockedRuns) {
  struct Case {
    std::string name;
    ir::Graph (*make)();
    int64_t channels;
  };
  for (const Case& c :
       {Case{"mobilenet", mobilenet_block, 16}, Case{"densenet", densenet_block, 32},
        Case{"padded", padded_sigmoid_network, 24}}) {
    const auto make = [&](std::vector<std::string> backends, const std::string& layout) {
      setenv("QRT_CPU_LAYOUT", layout.c_str(), 1);
      auto e = std::make_shared<Engine>(
          build_engine(c.make(), config_for("fp32", std::move(backends)), c.name + ".onnx"));
      unsetenv("QRT_CPU_LAYOUT");
      return e;
    };
    const auto run_net = [&](const Engine& e, int64_t batch) {
      return e.create_context()
          ->run({{"x", random_tensor({batch, c.channels, 9, 11}, 61, 1.f)}})
          .at("y");
    };
    const auto reference = make({"reference"}, "plain");
    const auto plain = make({"cpu"}, "plain");
    EXPECT_EQ(count_ops(*plain, "Reorder"), 0u);
    for (const std::string layout : {"auto", "nChw16c", "nChw8c"}) {
      SCOPED_TRACE(c.name + " " + layout);
      const auto engine = make({"cpu"}, layout);
      // The ISA's own block (auto) blocks every node. A forced other block may leave the
      // squeeze-excitation's Mul plain where oneDNN has only ref_binary for its broadcast
      // (nChw8c on AVX-512), and the convolution after it.
      const bool own_block = layout == "auto";
      size_t others = 0;
      for (const ir::Node* n : engine->impl().nodes) {
        if (n->op_type == "Reorder" || n->op_type == "Transpose") continue;
        ++others;
        if (own_block) {
          EXPECT_TRUE(n->has_attr("cpu_layout")) << n->op_type << " " << n->name;
        }
      }
      EXPECT_GE(others, 7u);
      if (own_block) {
        EXPECT_EQ(count_ops(*engine, "Reorder"), 2u);
      } else {
        EXPECT_LE(count_ops(*engine, "Reorder"), 4u);
      }
      for (const int64_t batch : {3, 1}) {
        SCOPED_TRACE(batch);
        const Tensor got = run_net(*engine, batch);
        EXPECT_LT(max_rel_diff(got, run_net(*plain, batch)), 1e-5f);
        EXPECT_LT(max_rel_diff(got, run_net(*reference, batch)), 1e-4f);
      }
      const std::string path = temp_plan(c.name);
      engine->save(path);
      const auto loaded = Engine::load(path);
      std::filesystem::remove(path);
      EXPECT_EQ(count_ops(*loaded, "Reorder"), count_ops(*engine, "Reorder"));
      const Tensor before = run_net(*engine, 3), after = run_net(*loaded, 3);
      EXPECT_EQ(std::memcmp(before.data(), after.data(), before.nbytes()), 0);
    }
  }
}

// BF16 (forced blocked layout: auto keeps bf16 convolutions NHWC): the elementwise ops,
// BatchNormalization and Concat join the run as in f32 and match the plain bf16 engine.
TEST(CpuLayout, Bf16ElementwiseConcatAndBatchNormJoinBlockedRuns) {
  for (const auto& [name, make_graph] :
       {std::pair<std::string, ir::Graph (*)()>{"mobilenet", mobilenet_block},
        std::pair<std::string, ir::Graph (*)()>{"densenet", densenet_block}}) {
    SCOPED_TRACE(name);
    const auto make = [&](const std::string& layout) {
      setenv("QRT_CPU_LAYOUT", layout.c_str(), 1);
      auto e = std::make_shared<Engine>(
          build_engine(make_graph(), config_for("bf16", {"cpu", "reference"}), name + ".onnx"));
      unsetenv("QRT_CPU_LAYOUT");
      return e;
    };
    const auto plain = make("plain");
    size_t bf16_nodes = 0;
    for (const ir::Node* n : plain->impl().nodes)
      bf16_nodes += n->kernel_dtype == DataType::kBFloat16;
    if (bf16_nodes == 0) GTEST_SKIP() << "no bf16 kernels on this CPU";
    const auto engine = make("nChw16c");
    size_t blocked_others = 0;
    for (const ir::Node* n : engine->impl().nodes)
      blocked_others += n->has_attr("cpu_layout") && n->op_type != "Conv" &&
                        n->op_type != "FusedConv" && n->op_type != "GlobalAveragePool";
    EXPECT_GE(blocked_others, 3u);
    const int64_t channels = name == "mobilenet" ? 16 : 32;
    const auto run_net = [&](const Engine& e) {
      return e.create_context()->run({{"x", random_tensor({3, channels, 9, 11}, 61, 1.f)}}).at("y");
    };
    EXPECT_LT(max_rel_diff(run_net(*engine), run_net(*plain)), 2e-2f);
  }
}

// Concat with channels that are not whole blocks would put padding inside its output: it stays
// plain, with reorders around it, and is still right.
TEST(CpuLayout, ConcatOfPaddedChannelsStaysPlain) {
  const auto network = [] {
    TestNet m(51);
    ir::Value* x = m.input(16);
    ir::Value* a = m.conv(x, 16, 24, 3, "a");
    ir::Value* cat = m.op("Concat", {a, m.conv(a, 24, 24, 3, "b")}, "cat", {{"axis", int64_t{1}}});
    m.g.outputs = {m.conv(cat, 48, 16, 1, "y")};
    return std::move(m.g);
  };
  setenv("QRT_CPU_LAYOUT", "nChw16c", 1);
  const Engine engine(build_engine(network(), config_for("fp32", {"cpu"}), "cat.onnx"));
  unsetenv("QRT_CPU_LAYOUT");
  for (const ir::Node* n : engine.impl().nodes)
    if (n->op_type == "Concat") {
      EXPECT_FALSE(n->has_attr("cpu_layout"));
    }
  const Engine reference(build_engine(network(), config_for("fp32", {"reference"}), "cat.onnx"));
  const auto run_net = [](const Engine& e) {
    return e.create_context()->run({{"x", random_tensor({3, 16, 9, 11}, 71, 1.f)}}).at("y");
  };
  EXPECT_LT(max_rel_diff(run_net(engine), run_net(reference)), 1e-4f);
}

// oneDNN writes zeros into the channel padding of what a blocked primitive produces, also where
// f(0) != 0 (Sigmoid(0) = 0.5, HardSigmoid's beta, Exp(0) = 1, 0 / 0, a BN's shift): the raw
// output buffer of each kernel, its padding filled with garbage before the run, has zeros there.
TEST(CpuLayout, BlockedKernelsKeepChannelPaddingZero) {
  const std::vector<int64_t> nhwc = {2, 3, 5, 24};  // nChw16c: 2 blocks, channels 24..31 padding
  const int64_t padded = 32, spatial = 2 * 3 * 5;
  // A padded nChw16c buffer of random values, zeros in the padding.
  const auto blocked_buffer = [&](uint32_t seed, float fill_padding) {
    Tensor t = random_tensor({spatial * padded}, seed, 1.f);
    float* d = t.data_as<float>();
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t cb = 0; cb < 2; ++cb)
        for (int64_t hw = 0; hw < 15; ++hw)
          for (int64_t c = 0; c < 16; ++c) {
            if (cb * 16 + c < 24) continue;
            d[((n * 2 + cb) * 15 + hw) * 16 + c] = fill_padding;
          }
    return t;
  };
  const auto padding_values = [&](const Tensor& t) {
    std::vector<float> out;
    const float* d = t.data_as<float>();
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t hw = 0; hw < 15; ++hw)
        for (int64_t c = 8; c < 16; ++c) out.push_back(d[((n * 2 + 1) * 15 + hw) * 16 + c]);
    return out;
  };
  struct Case {
    std::string op;
    size_t inputs;
    std::map<std::string, ir::AttributeValue> attrs;
  };
  for (const Case& c :
       {Case{"Sigmoid", 1, {}}, Case{"HardSigmoid", 1, {}}, Case{"Exp", 1, {}}, Case{"Div", 2, {}},
        Case{"Add", 2, {}}, Case{"BatchNormalization", 5, {{"channels_last", int64_t{1}}}}}) {
    SCOPED_TRACE(c.op);
    std::vector<Tensor> storage, args_in;
    for (size_t i = 0; i < c.inputs; ++i) {
      if (i == 0 || c.op != "BatchNormalization") {
        storage.push_back(blocked_buffer(81 + static_cast<uint32_t>(i), 0.f));
        args_in.push_back(Tensor::borrow(DataType::kFloat32, nhwc, storage.back().data()));
      } else {
        Tensor p = random_tensor({24}, 90 + static_cast<uint32_t>(i), 0.5f);
        for (int64_t k = 0; k < 24; ++k) p.data_as<float>()[k] += 1.f;  // variance > 0
        args_in.push_back(p);
      }
    }
    const auto g = one_node_graph(c.op, args_in, c.attrs, 1);
    g->node->attrs["cpu_layout"] = std::string("nChw16c");
    g->node->backend = "cpu";
    std::vector<ir::TensorType> in_types = g->in_types;
    std::vector<ir::TensorType> out_types = {ir::TensorType{DataType::kFloat32, nhwc}};
    std::string why;
    const KernelDef* k =
        KernelRegistry::instance().select(*g->node, "cpu", {in_types, out_types}, &why);
    ASSERT_NE(k, nullptr) << why;
    Tensor out_buffer = blocked_buffer(99, 7.f);  // garbage in the padding
    std::vector<Tensor> outs = {Tensor::borrow(DataType::kFloat32, nhwc, out_buffer.data())};
    k->run(KernelArgs{*g->node, args_in, outs});
    for (float v : padding_values(out_buffer)) ASSERT_EQ(v, 0.f);
  }
}

}  // namespace
}  // namespace qrt::test
