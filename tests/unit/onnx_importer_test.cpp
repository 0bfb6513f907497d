// ONNX import: structure, initializers, attributes, canonical forms and one-line errors.
// Models are built in memory; most tests skip the op-registry check because ops are
// registered by other parts of qrt.
#include <gtest/gtest.h>

#include "ir/op_schema.h"
#include "onnx/importer.h"
#include "onnx_test_util.h"

namespace qrt::onnx_import {
namespace {

using qrt::test::attr_f;
using qrt::test::attr_floats;
using qrt::test::attr_i;
using qrt::test::attr_ints;
using qrt::test::attr_s;
using qrt::test::attr_t;
using qrt::test::bytes_of;
using qrt::test::expect_error;
using qrt::test::float_tensor;
using qrt::test::int64_tensor;
using qrt::test::OnnxModel;
using qrt::test::raw_tensor;
using qrt::test::TempDir;
using TP = ::onnx::TensorProto;

constexpr ImportOptions kNoRegistryCheck{false};

ir::Graph import(const OnnxModel& m, ImportOptions options = kNoRegistryCheck) {
  return import_onnx_bytes(m.bytes(), "test.onnx", "", options);
}

const ir::Node* find_node(const ir::Graph& g, const std::string& name) {
  for (const ir::Node* n : g.nodes())
    if (n->name == name) return n;
  ADD_FAILURE() << "no node named " << name;
  return nullptr;
}

std::vector<int64_t> const_ints(const ir::Value* v) {
  EXPECT_TRUE(v && v->is_constant());
  if (!v || !v->is_constant()) return {};
  EXPECT_EQ(v->constant->dtype(), DataType::kInt64);
  return v->constant->to_int64_vector();
}

std::vector<float> const_floats(const ir::Value* v) {
  EXPECT_TRUE(v && v->is_constant());
  if (!v || !v->is_constant()) return {};
  return v->constant->to_float_vector();
}

// A one-node model: x (f32 [2,3,4,5]) -> op -> y, plus extra outputs named y1, y2, ...
OnnxModel one_node(int64_t opset, const std::string& op, std::vector<std::string> inputs = {"x"},
                   size_t num_outputs = 1) {
  OnnxModel m(opset);
  m.input("x", TP::FLOAT, {2, 3, 4, 5});
  std::vector<std::string> outputs{"y"};
  for (size_t i = 1; i < num_outputs; ++i)
    outputs.push_back(std::string("y").append(std::to_string(i)));
  m.node(op, inputs, outputs, "n");
  m.output("y");
  return m;
}

// --- structure -------------------------------------------------------------------------------

TEST(OnnxImport, ReadsInputsNodesInitializersAndOutputs) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {"N", 3, {}});
  m.initializer(float_tensor("w", {2, 3, 1}, {1, 2, 3, 4, 5, 6}));
  auto& conv = m.node("Conv", {"x", "w"}, {"c"}, "conv1");
  attr_ints(conv, "kernel_shape", {1});
  m.node("Relu", {"c"}, {"y"}, "relu1");
  m.output("y");

  ir::Graph g = import(m);
  EXPECT_EQ(g.opset, 17);
  EXPECT_EQ(g.name, "test_graph");
  ASSERT_EQ(g.inputs.size(), 1u);
  const ir::Value* x = g.inputs[0];
  EXPECT_EQ(x->name, "x");
  EXPECT_EQ(x->dtype, DataType::kFloat32);
  ASSERT_EQ(x->shape.size(), 3u);
  EXPECT_EQ(x->shape[0], (ir::Dim{-1, "N"}));
  EXPECT_EQ(x->shape[1], (ir::Dim{3, ""}));
  EXPECT_EQ(x->shape[2], (ir::Dim{-1, "?"}));

  auto nodes = g.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]->op_type, "Conv");
  EXPECT_EQ(nodes[0]->domain, "");
  EXPECT_EQ(nodes[0]->attr_ints("kernel_shape"), (std::vector<int64_t>{1}));
  ASSERT_EQ(nodes[0]->inputs.size(), 2u);
  EXPECT_EQ(nodes[0]->inputs[0], x);
  EXPECT_EQ(const_floats(nodes[0]->inputs[1]), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(nodes[0]->inputs[1]->constant->shape(), (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(nodes[1]->op_type, "Relu");
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->name, "y");
  EXPECT_EQ(g.outputs[0]->producer, nodes[1]);
  EXPECT_EQ(g.outputs[0]->dtype, DataType::kFloat32);
}

TEST(OnnxImport, InitializerListedAsInputIsAConstant) {
  OnnxModel m(9, 3);  // IR 3 required initializers to be listed as inputs too
  m.input("x", TP::FLOAT, {1, 4});
  m.input("b", TP::FLOAT, {4});
  m.initializer(float_tensor("b", {4}, {1, 2, 3, 4}));
  m.node("Add", {"x", "b"}, {"y"}, "add");
  m.output("y");
  ir::Graph g = import(m);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.inputs[0]->name, "x");
  EXPECT_TRUE(g.find_value("b")->is_constant());
}

TEST(OnnxImport, SortsNodesAndSynthesizesMissingNames) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {4});
  m.node("Relu", {"a"}, {"y"});            // consumer listed first, no name
  m.node("Relu", {"x"}, {"a"}, "Relu_0");  // explicit name equal to the synthesized one
  m.output("y");
  ir::Graph g = import(m);
  auto nodes = g.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0]->name, "Relu_0");
  EXPECT_EQ(nodes[1]->name, "Relu_0_1");
}

TEST(OnnxImport, OmittedOptionalInputsAndOutputsAreNull) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {4});
  m.initializer(float_tensor("hi", {}, {6}));
  m.node("Clip", {"x", "", "hi"}, {"y"}, "clip");
  m.node("MaxPool", {"x"}, {"z", ""}, "pool");
  m.output("y");
  m.output("z");
  ir::Graph g = import(m);
  const ir::Node* clip = find_node(g, "clip");
  ASSERT_EQ(clip->inputs.size(), 3u);
  EXPECT_EQ(clip->inputs[1], nullptr);
  EXPECT_EQ(clip->inputs[2]->name, "hi");
  const ir::Node* pool = find_node(g, "pool");
  ASSERT_EQ(pool->outputs.size(), 2u);
  EXPECT_EQ(pool->outputs[1], nullptr);
}

TEST(OnnxImport, ConvertsAttributesOfEveryType) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {4});
  auto& n = m.node("Custom", {"x"}, {"y"}, "n");
  attr_i(n, "i", -7);
  attr_f(n, "f", 2.5f);
  attr_s(n, "s", "text");
  attr_ints(n, "is", {1, -2, 3});
  attr_floats(n, "fs", {0.5f, 1.5f});
  auto& strings = qrt::test::add_attr(n, "ss", ::onnx::AttributeProto::STRINGS);
  strings.add_strings("a");
  strings.add_strings("b");
  attr_t(n, "t", int64_tensor("", {2}, {10, 20}));
  m.output("y");
  ir::Graph g = import(m);
  const ir::Node* node = find_node(g, "n");
  EXPECT_EQ(node->attr_int("i", 0), -7);
  EXPECT_FLOAT_EQ(node->attr_float("f", 0), 2.5f);
  EXPECT_EQ(node->attr_string("s", ""), "text");
  EXPECT_EQ(node->attr_ints("is"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(node->attr_floats("fs"), (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ(std::get<std::vector<std::string>>(node->attrs.at("ss")),
            (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(node->attr_tensor("t"), nullptr);
  EXPECT_EQ(node->attr_tensor("t")->to_int64_vector(), (std::vector<int64_t>{10, 20}));
}

TEST(OnnxImport, AiOnnxDomainIsTheDefaultDomainAndOtherDomainsAreKept) {
  OnnxModel m(17);
  m.opset("com.microsoft", 1);
  m.input("x", TP::FLOAT, {4});
  m.node("Relu", {"x"}, {"a"}, "r").set_domain("ai.onnx");
  m.node("FusedGelu", {"a"}, {"y"}, "g").set_domain("com.microsoft");
  m.output("y");
  ir::Graph g = import(m);
  EXPECT_EQ(find_node(g, "r")->domain, "");
  EXPECT_EQ(find_node(g, "g")->domain, "com.microsoft");
}

TEST(OnnxImport, AcceptsIrAndOpsetRanges) {
  for (int64_t ir : {3, 10})
    for (int64_t opset : {7, 18}) {
      OnnxModel m(opset, ir);
      m.input("x", TP::FLOAT, {4});
      m.node("Relu", {"x"}, {"y"}, "r");
      m.output("y");
      EXPECT_EQ(import(m).opset, opset);
    }
}

TEST(OnnxImport, ImportsFromAFile) {
  TempDir dir;
  OnnxModel m(13);
  m.input("x", TP::FLOAT, {4});
  m.node("Relu", {"x"}, {"y"}, "r");
  m.output("y");
  const std::string path = dir.write("m.onnx", m.bytes());
  ir::Graph g = import_onnx(path, kNoRegistryCheck);
  EXPECT_EQ(g.node_count(), 1u);
}

// --- initializers ----------------------------------------------------------------------------

TEST(OnnxImport, InitializerDataInEveryStorageForm) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {1});
  m.initializer(raw_tensor("raw_f32", TP::FLOAT, {2}, bytes_of(std::vector<float>{1.5f, -2})));
  m.initializer(float_tensor("typed_f32", {2}, {3, 4}));
  auto f64 = raw_tensor("f64", TP::DOUBLE, {2}, "");
  f64.clear_raw_data();
  f64.add_double_data(0.25);
  f64.add_double_data(-8);
  m.initializer(f64);
  m.initializer(int64_tensor("i64", {3}, {-1, 0, 1LL << 40}));
  struct Int32Case {
    const char* name;
    int32_t type;
    std::vector<int32_t> values;
  };
  const std::vector<Int32Case> int32_cases = {
      {"i32", TP::INT32, {-5, 7}},
      {"i8", TP::INT8, {-128, 127}},
      {"u8", TP::UINT8, {0, 255}},
      {"b", TP::BOOL, {0, 1}},
      {"f16", TP::FLOAT16, {0x3c00, 0xc000}},    // 1.0, -2.0
      {"bf16", TP::BFLOAT16, {0x3f80, 0x4040}},  // 1.0, 3.0
  };
  for (const auto& c : int32_cases) {
    TP t;
    t.set_name(c.name);
    t.set_data_type(c.type);
    t.add_dims(2);
    for (int32_t v : c.values) t.add_int32_data(v);
    m.initializer(t);
  }
  m.initializer(raw_tensor("raw_bool", TP::BOOL, {2}, std::string("\x00\x01", 2)));
  m.initializer(raw_tensor("empty", TP::FLOAT, {0, 3}, ""));
  // One consumer keeps every initializer alive.
  std::vector<std::string> inputs{"x"};
  for (const char* name : {"raw_f32", "typed_f32", "f64", "i64", "i32", "i8", "u8", "b", "f16",
                           "bf16", "raw_bool", "empty"})
    inputs.push_back(name);
  m.node("Custom", inputs, {"y"}, "n");
  m.output("y");
  ir::Graph g = import(m);
  auto value = [&](const char* name) -> const Tensor& { return *g.find_value(name)->constant; };
  EXPECT_EQ(value("raw_f32").to_float_vector(), (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(value("typed_f32").to_float_vector(), (std::vector<float>{3, 4}));
  EXPECT_EQ(value("f64").dtype(), DataType::kFloat64);
  EXPECT_EQ(value("f64").to_float_vector(), (std::vector<float>{0.25f, -8}));
  EXPECT_EQ(value("i64").to_int64_vector(), (std::vector<int64_t>{-1, 0, 1LL << 40}));
  EXPECT_EQ(value("i32").dtype(), DataType::kInt32);
  EXPECT_EQ(value("i32").to_int64_vector(), (std::vector<int64_t>{-5, 7}));
  EXPECT_EQ(value("i8").to_int64_vector(), (std::vector<int64_t>{-128, 127}));
  EXPECT_EQ(value("u8").to_int64_vector(), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(value("b").dtype(), DataType::kBool);
  EXPECT_EQ(value("b").to_int64_vector(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(value("f16").dtype(), DataType::kFloat16);
  EXPECT_EQ(value("f16").to_float_vector(), (std::vector<float>{1, -2}));
  EXPECT_EQ(value("bf16").dtype(), DataType::kBFloat16);
  EXPECT_EQ(value("bf16").to_float_vector(), (std::vector<float>{1, 3}));
  EXPECT_EQ(value("raw_bool").to_int64_vector(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(value("empty").shape(), (std::vector<int64_t>{0, 3}));
}

TP external_tensor(const std::string& name, std::vector<int64_t> dims, const std::string& location,
                   std::optional<int64_t> offset, std::optional<int64_t> length) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_data_location(TP::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = t.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  if (offset) add("offset", std::to_string(*offset));
  if (length) add("length", std::to_string(*length));
  return t;
}

OnnxModel model_with_initializer(const TP& w) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {3});
  m.initializer(w);
  m.node("Add", {"x", w.name()}, {"y"}, "add");
  m.output("y");
  return m;
}

TEST(OnnxImport, ReadsExternalDataBesideTheModel) {
  TempDir dir;
  // Two tensors in one file, the second at an offset (as PyTorch writes model.onnx.data).
  const std::vector<float> data{1, 2, 3, 10, 20, 30};
  dir.write("model.onnx.data", bytes_of(data));
  OnnxModel m = model_with_initializer(external_tensor("w", {3}, "model.onnx.data", 12, 12));
  m.initializer(external_tensor("v", {3}, "model.onnx.data", std::nullopt, 12));
  m.node("Add", {"y", "v"}, {"z"}, "add2");
  m.output("z");
  const std::string path = dir.write("model.onnx", m.bytes());
  ir::Graph g = import_onnx(path, kNoRegistryCheck);
  EXPECT_EQ(g.find_value("w")->constant->to_float_vector(), (std::vector<float>{10, 20, 30}));
  EXPECT_EQ(g.find_value("v")->constant->to_float_vector(), (std::vector<float>{1, 2, 3}));
  // The same bytes imported from memory with the directory given explicitly.
  ir::Graph g2 = import_onnx_bytes(m.bytes(), "mem", dir.path(), kNoRegistryCheck);
  EXPECT_EQ(g2.find_value("w")->constant->to_float_vector(), (std::vector<float>{10, 20, 30}));
}

TEST(OnnxImport, ExternalDataErrors) {
  TempDir dir;
  dir.write("w.bin", bytes_of(std::vector<float>{1, 2, 3}));
  auto try_import = [&](const TP& w) {
    const std::string path = dir.write("model.onnx", model_with_initializer(w).bytes());
    return [path] { import_onnx(path, kNoRegistryCheck); };
  };
  const std::string model = dir.file("model.onnx");
  expect_error(try_import(external_tensor("w", {3}, "missing.bin", {}, {})),
               {model, "initializer 'w'", "external data file 'missing.bin' not found"});
  expect_error(try_import(external_tensor("w", {3}, "w.bin", 4, 12)),
               {model, "initializer 'w'", "range [4, 16) is outside 'w.bin' (12 bytes)"});
  expect_error(try_import(external_tensor("w", {3}, "w.bin", 20, {})),
               {model, "offset 20 is beyond the end of 'w.bin' (12 bytes)"});
  expect_error(try_import(external_tensor("w", {3}, "w.bin", 4, {})),
               {model, "external data holds 8 bytes, expected 12"});
  expect_error(try_import(external_tensor("w", {3}, "/etc/passwd", {}, {})),
               {model, "must be relative to the model's directory"});
  expect_error(try_import(external_tensor("w", {3}, "../w.bin", {}, {})),
               {model, "leaves the model's directory"});
  auto bad_offset = external_tensor("w", {3}, "w.bin", {}, {});
  auto* e = bad_offset.add_external_data();
  e->set_key("offset");
  e->set_value("-4");
  expect_error(try_import(bad_offset), {model, "offset '-4' is not a non-negative integer"});
}

// --- canonical forms -------------------------------------------------------------------------

TEST(OnnxCanonical, ReduceAxesBecomeAnInput) {
  // ReduceSum: attribute until opset 12; the others until opset 17.
  struct Case {
    const char* op;
    int64_t opset;
    bool converted;
  };
  for (const Case& c : {Case{"ReduceSum", 11, true}, Case{"ReduceMean", 13, true},
                        Case{"ReduceMax", 17, true}, Case{"ReduceL2", 11, true}}) {
    OnnxModel m = one_node(c.opset, c.op);
    attr_ints(*m.graph().mutable_node(0), "axes", {1, -1});
    attr_i(*m.graph().mutable_node(0), "keepdims", 0);
    ir::Graph g = import(m);
    const ir::Node* n = find_node(g, "n");
    SCOPED_TRACE(std::string(c.op) + " opset " + std::to_string(c.opset));
    EXPECT_FALSE(n->has_attr("axes"));
    EXPECT_EQ(n->attr_int("keepdims", 1), 0);
    ASSERT_EQ(n->inputs.size(), 2u);
    EXPECT_EQ(const_ints(n->inputs[1]), (std::vector<int64_t>{1, -1}));
  }
  // Newest forms pass through; no axes means no input.
  OnnxModel m18 = one_node(18, "ReduceMean", {"x", "axes"});
  m18.initializer(int64_tensor("axes", {1}, {2}));
  EXPECT_EQ(const_ints(find_node(import(m18), "n")->inputs[1]), (std::vector<int64_t>{2}));
  OnnxModel all = one_node(11, "ReduceMax");
  EXPECT_EQ(find_node(import(all), "n")->inputs.size(), 1u);
}

TEST(OnnxCanonical, SqueezeAndUnsqueezeAxesBecomeAnInputBefore13) {
  for (const char* op : {"Squeeze", "Unsqueeze"}) {
    OnnxModel m = one_node(11, op);
    attr_ints(*m.graph().mutable_node(0), "axes", {0});
    ir::Graph g = import(m);
    const ir::Node* n = find_node(g, "n");
    EXPECT_FALSE(n->has_attr("axes"));
    ASSERT_EQ(n->inputs.size(), 2u);
    EXPECT_EQ(const_ints(n->inputs[1]), (std::vector<int64_t>{0}));
  }
  OnnxModel m13 = one_node(13, "Unsqueeze", {"x", "axes"});
  m13.initializer(int64_tensor("axes", {1}, {0}));
  EXPECT_EQ(find_node(import(m13), "n")->inputs[1]->name, "axes");
}

TEST(OnnxCanonical, SplitSizesBecomeAnInputAndEvenSplitsGetNumOutputs) {
  OnnxModel m11 = one_node(11, "Split", {"x"}, 2);
  attr_i(*m11.graph().mutable_node(0), "axis", 1);
  attr_ints(*m11.graph().mutable_node(0), "split", {1, 2});
  ir::Graph g11 = import(m11);
  const ir::Node* n11 = find_node(g11, "n");
  EXPECT_FALSE(n11->has_attr("split"));
  EXPECT_FALSE(n11->has_attr("num_outputs"));
  EXPECT_EQ(n11->attr_int("axis", 0), 1);
  EXPECT_EQ(const_ints(n11->input(1)), (std::vector<int64_t>{1, 2}));

  ir::Graph g13 = import(one_node(13, "Split", {"x"}, 3));
  EXPECT_EQ(find_node(g13, "n")->attr_int("num_outputs", 0), 3);
  EXPECT_EQ(find_node(g13, "n")->inputs.size(), 1u);

  OnnxModel m18 = one_node(18, "Split", {"x"}, 3);
  attr_i(*m18.graph().mutable_node(0), "num_outputs", 3);
  EXPECT_EQ(find_node(import(m18), "n")->attr_int("num_outputs", 0), 3);
}

TEST(OnnxCanonical, PadAttributesBecomeInputsBefore11) {
  OnnxModel m = one_node(10, "Pad");
  attr_ints(*m.graph().mutable_node(0), "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  attr_f(*m.graph().mutable_node(0), "value", 1.5f);
  ir::Graph g = import(m);
  const ir::Node* n = find_node(g, "n");
  EXPECT_FALSE(n->has_attr("pads"));
  EXPECT_FALSE(n->has_attr("value"));
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(const_ints(n->inputs[1]), (std::vector<int64_t>{0, 0, 1, 1, 0, 0, 1, 1}));
  EXPECT_EQ(n->inputs[2]->constant->dtype(), DataType::kFloat32);
  EXPECT_TRUE(n->inputs[2]->constant->shape().empty());
  EXPECT_EQ(const_floats(n->inputs[2]), (std::vector<float>{1.5f}));

  // Default value 0 -> no constant_value input; reflect mode kept; f16 data -> f16 constant.
  OnnxModel reflect = one_node(10, "Pad");
  attr_ints(*reflect.graph().mutable_node(0), "pads", {0, 0, 0, 1, 0, 0, 0, 1});
  attr_s(*reflect.graph().mutable_node(0), "mode", "reflect");
  const ir::Graph gr = import(reflect);
  const ir::Node* r = find_node(gr, "n");
  EXPECT_EQ(r->inputs.size(), 2u);
  EXPECT_EQ(r->attr_string("mode", ""), "reflect");

  OnnxModel half(10);
  half.input("x", TP::FLOAT16, {2, 2});
  auto& p = half.node("Pad", {"x"}, {"y"}, "n");
  attr_ints(p, "pads", {1, 1, 1, 1});
  attr_f(p, "value", -1.f);
  half.output("y", TP::FLOAT16);
  ir::Graph gh = import(half);
  EXPECT_EQ(find_node(gh, "n")->inputs[2]->constant->dtype(), DataType::kFloat16);
  EXPECT_EQ(const_floats(find_node(gh, "n")->inputs[2]), (std::vector<float>{-1.f}));
}

TEST(OnnxCanonical, ClipBoundsBecomeInputsBefore11) {
  OnnxModel both = one_node(10, "Clip");
  attr_f(*both.graph().mutable_node(0), "min", -1.f);
  attr_f(*both.graph().mutable_node(0), "max", 6.f);
  ir::Graph g = import(both);
  const ir::Node* n = find_node(g, "n");
  EXPECT_TRUE(n->attrs.empty());
  ASSERT_EQ(n->inputs.size(), 3u);
  EXPECT_EQ(const_floats(n->inputs[1]), (std::vector<float>{-1.f}));
  EXPECT_EQ(const_floats(n->inputs[2]), (std::vector<float>{6.f}));

  OnnxModel max_only = one_node(7, "Clip");
  attr_f(*max_only.graph().mutable_node(0), "max", 6.f);
  ir::Graph g2 = import(max_only);
  const ir::Node* n2 = find_node(g2, "n");
  ASSERT_EQ(n2->inputs.size(), 3u);
  EXPECT_EQ(n2->inputs[1], nullptr);
  EXPECT_EQ(const_floats(n2->inputs[2]), (std::vector<float>{6.f}));
}

TEST(OnnxCanonical, SliceAttributesBecomeInputsBefore10) {
  OnnxModel m = one_node(9, "Slice");
  attr_ints(*m.graph().mutable_node(0), "starts", {0, 1});
  attr_ints(*m.graph().mutable_node(0), "ends", {2, 1000});
  attr_ints(*m.graph().mutable_node(0), "axes", {0, 3});
  ir::Graph g = import(m);
  const ir::Node* n = find_node(g, "n");
  EXPECT_TRUE(n->attrs.empty());
  ASSERT_EQ(n->inputs.size(), 4u);
  EXPECT_EQ(const_ints(n->inputs[1]), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(const_ints(n->inputs[2]), (std::vector<int64_t>{2, 1000}));
  EXPECT_EQ(const_ints(n->inputs[3]), (std::vector<int64_t>{0, 3}));

  OnnxModel no_axes = one_node(9, "Slice");
  attr_ints(*no_axes.graph().mutable_node(0), "starts", {0});
  attr_ints(*no_axes.graph().mutable_node(0), "ends", {1});
  EXPECT_EQ(find_node(import(no_axes), "n")->inputs.size(), 3u);
}

TEST(OnnxCanonical, TopKBecomesAnInputBefore10) {
  OnnxModel m = one_node(9, "TopK", {"x"}, 2);
  attr_i(*m.graph().mutable_node(0), "k", 3);
  ir::Graph g = import(m);
  const ir::Node* n = find_node(g, "n");
  EXPECT_FALSE(n->has_attr("k"));
  EXPECT_EQ(const_ints(n->input(1)), (std::vector<int64_t>{3}));
}

TEST(OnnxCanonical, UpsampleBecomesResize) {
  // Upsample-7: scales attribute; "bilinear" was written by some exporters for linear.
  OnnxModel m7 = one_node(7, "Upsample");
  attr_floats(*m7.graph().mutable_node(0), "scales", {1, 1, 2, 2});
  attr_s(*m7.graph().mutable_node(0), "mode", "bilinear");
  ir::Graph g7 = import(m7);
  const ir::Node* n7 = find_node(g7, "n");
  EXPECT_EQ(n7->op_type, "Resize");
  ASSERT_EQ(n7->inputs.size(), 3u);
  EXPECT_EQ(n7->inputs[1], nullptr);
  EXPECT_EQ(n7->inputs[2]->constant->dtype(), DataType::kFloat32);
  EXPECT_EQ(const_floats(n7->inputs[2]), (std::vector<float>{1, 1, 2, 2}));
  EXPECT_EQ(n7->attr_string("mode", ""), "linear");
  EXPECT_EQ(n7->attr_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(n7->attr_string("nearest_mode", ""), "floor");
  EXPECT_FALSE(n7->has_attr("scales"));

  // Upsample-9: scales input.
  OnnxModel m9 = one_node(9, "Upsample", {"x", "s"});
  m9.initializer(float_tensor("s", {4}, {1, 1, 2, 3}));
  ir::Graph g9 = import(m9);
  const ir::Node* n9 = find_node(g9, "n");
  EXPECT_EQ(n9->op_type, "Resize");
  ASSERT_EQ(n9->inputs.size(), 3u);
  EXPECT_EQ(n9->inputs[2]->name, "s");
  EXPECT_EQ(n9->attr_string("mode", ""), "nearest");
}

TEST(OnnxCanonical, ResizeInputsAreCanonical) {
  // Resize-10: (X, scales) -> (X, -, scales) with the asymmetric / floor mapping.
  OnnxModel m10 = one_node(10, "Resize", {"x", "s"});
  m10.initializer(float_tensor("s", {4}, {1, 1, 2, 2}));
  ir::Graph g10 = import(m10);
  const ir::Node* n10 = find_node(g10, "n");
  ASSERT_EQ(n10->inputs.size(), 3u);
  EXPECT_EQ(n10->inputs[1], nullptr);
  EXPECT_EQ(n10->inputs[2]->name, "s");
  EXPECT_EQ(n10->attr_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(n10->attr_string("nearest_mode", ""), "floor");

  // Resize-11 with empty roi / scales placeholders and sizes.
  OnnxModel m11 = one_node(11, "Resize", {"x", "roi", "scales", "sizes"});
  m11.initializer(float_tensor("roi", {0}, {}));
  m11.initializer(float_tensor("scales", {0}, {}));
  m11.initializer(int64_tensor("sizes", {4}, {2, 3, 8, 10}));
  attr_s(*m11.graph().mutable_node(0), "coordinate_transformation_mode", "half_pixel");
  ir::Graph g11 = import(m11);
  const ir::Node* n11 = find_node(g11, "n");
  ASSERT_EQ(n11->inputs.size(), 4u);
  EXPECT_EQ(n11->inputs[1], nullptr);
  EXPECT_EQ(n11->inputs[2], nullptr);
  EXPECT_EQ(n11->inputs[3]->name, "sizes");
  EXPECT_EQ(n11->attr_string("coordinate_transformation_mode", ""), "half_pixel");
  EXPECT_FALSE(n11->has_attr("nearest_mode"));

  // PyTorch (opset 11) feeds the placeholders from Constant nodes, which then go.
  OnnxModel torch = one_node(11, "Resize", {"x", "roi", "scales", "sizes"});
  attr_t(torch.node("Constant", {}, {"roi"}, "c_roi"), "value", float_tensor("", {0}, {}));
  attr_floats(torch.node("Constant", {}, {"scales"}, "c_scales"), "value_floats", {});
  torch.initializer(int64_tensor("sizes", {4}, {2, 3, 8, 10}));
  ir::Graph gt = import(torch);
  const ir::Node* nt = find_node(gt, "n");
  ASSERT_EQ(nt->inputs.size(), 4u);
  EXPECT_EQ(nt->inputs[1], nullptr);
  EXPECT_EQ(nt->inputs[2], nullptr);
  EXPECT_EQ(gt.node_count(), 1u);

  // Resize-13 with scales only: the trailing empty inputs go.
  OnnxModel m13 = one_node(13, "Resize", {"x", "", "scales"});
  m13.initializer(float_tensor("scales", {4}, {1, 1, 2, 2}));
  EXPECT_EQ(find_node(import(m13), "n")->inputs.size(), 3u);
}

TEST(OnnxCanonical, SoftmaxFamilyBefore13CoercesTo2D) {
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"}) {
    ir::Graph g = import(one_node(11, op));
    const ir::Node* n = find_node(g, "n");
    EXPECT_EQ(n->attr_int("qrt_coerce_2d", 0), 1) << op;
    EXPECT_EQ(n->attr_int("axis", -1), 1) << op;
  }
  OnnxModel explicit_axis = one_node(12, "Softmax");
  attr_i(*explicit_axis.graph().mutable_node(0), "axis", 3);
  EXPECT_EQ(find_node(import(explicit_axis), "n")->attr_int("axis", -1), 3);
  const ir::Graph g13 = import(one_node(13, "Softmax"));
  EXPECT_FALSE(find_node(g13, "n")->has_attr("qrt_coerce_2d"));
  EXPECT_FALSE(find_node(g13, "n")->has_attr("axis"));
}

TEST(OnnxCanonical, ConstantAlwaysHasOneValueTensor) {
  OnnxModel m(13);
  attr_f(m.node("Constant", {}, {"f"}, "cf"), "value_float", 2.5f);
  attr_floats(m.node("Constant", {}, {"fs"}, "cfs"), "value_floats", {1, 2});
  attr_i(m.node("Constant", {}, {"i"}, "ci"), "value_int", 7);
  attr_ints(m.node("Constant", {}, {"is"}, "cis"), "value_ints", {3, 4, 5});
  attr_t(m.node("Constant", {}, {"t"}, "ct"), "value", float_tensor("", {1, 2}, {8, 9}));
  for (const char* out : {"f", "fs", "i", "is", "t"}) m.output(out);
  ir::Graph g = import(m);
  auto value = [&](const char* node) {
    const ir::Node* n = find_node(g, node);
    EXPECT_EQ(n->attrs.size(), 1u);
    return *n->attr_tensor("value");
  };
  EXPECT_EQ(value("cf").dtype(), DataType::kFloat32);
  EXPECT_TRUE(value("cf").shape().empty());
  EXPECT_EQ(value("cf").to_float_vector(), (std::vector<float>{2.5f}));
  EXPECT_EQ(value("cfs").shape(), (std::vector<int64_t>{2}));
  EXPECT_EQ(value("ci").dtype(), DataType::kInt64);
  EXPECT_TRUE(value("ci").shape().empty());
  EXPECT_EQ(value("cis").to_int64_vector(), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(value("ct").shape(), (std::vector<int64_t>{1, 2}));

  OnnxModel strings(13);
  attr_s(strings.node("Constant", {}, {"s"}, "cs"), "value_string", "hello");
  strings.output("s");
  expect_error([&] { import(strings); },
               {"test.onnx: ", "Constant 'cs': string constants are not supported"});
}

TEST(OnnxCanonical, BatchNormalizationKeepsOnlyTheInferenceOutput) {
  OnnxModel m = one_node(9, "BatchNormalization", {"x", "s", "b", "m", "v"}, 5);
  for (const char* name : {"s", "b", "m", "v"}) m.initializer(float_tensor(name, {3}, {1, 1, 1}));
  attr_f(*m.graph().mutable_node(0), "momentum", 0.9f);
  ir::Graph g = import(m);
  const ir::Node* n = find_node(g, "n");
  ASSERT_EQ(n->outputs.size(), 1u);
  EXPECT_EQ(g.find_value("y1"), nullptr);  // dropped outputs are gone from the graph

  OnnxModel used = m;
  used.output("y1");
  expect_error([&] { import(used); },
               {"test.onnx: ", "BatchNormalization 'n'", "training output 'y1' is used"});

  OnnxModel training = one_node(15, "BatchNormalization", {"x", "s", "b", "m", "v"});
  for (const char* name : {"s", "b", "m", "v"})
    training.initializer(float_tensor(name, {3}, {1, 1, 1}));
  attr_i(*training.graph().mutable_node(0), "training_mode", 1);
  expect_error([&] { import(training); }, {"BatchNormalization 'n'", "training_mode=1"});

  OnnxModel spatial = one_node(7, "BatchNormalization", {"x", "s", "b", "m", "v"});
  for (const char* name : {"s", "b", "m", "v"})
    spatial.initializer(float_tensor(name, {3}, {1, 1, 1}));
  attr_i(*spatial.graph().mutable_node(0), "spatial", 0);
  expect_error([&] { import(spatial); }, {"BatchNormalization 'n'", "spatial=0"});
}

TEST(OnnxCanonical, DropoutIsInferenceOnly) {
  OnnxModel m10 = one_node(10, "Dropout", {"x"}, 2);
  attr_f(*m10.graph().mutable_node(0), "ratio", 0.3f);
  ir::Graph g10 = import(m10);
  const ir::Node* n10 = find_node(g10, "n");
  EXPECT_TRUE(n10->attrs.empty());
  EXPECT_EQ(n10->outputs.size(), 1u);  // unused mask dropped

  OnnxModel m12 = one_node(12, "Dropout", {"x", "r", "t"}, 2);
  m12.initializer(float_tensor("r", {}, {0.5f}));
  m12.initializer(raw_tensor("t", TP::BOOL, {}, std::string(1, '\0')));
  m12.output("y1");  // the mask is used: kept
  ir::Graph g12 = import(m12);
  const ir::Node* n12 = find_node(g12, "n");
  EXPECT_EQ(n12->inputs.size(), 1u);
  EXPECT_EQ(n12->outputs.size(), 2u);

  OnnxModel constant_flag = one_node(13, "Dropout", {"x", "", "t"});
  attr_t(constant_flag.node("Constant", {}, {"t"}, "c"), "value",
         raw_tensor("", TP::BOOL, {}, std::string(1, '\0')));
  ir::Graph gc = import(constant_flag);
  EXPECT_EQ(find_node(gc, "n")->inputs.size(), 1u);
  EXPECT_EQ(gc.node_count(), 1u);

  OnnxModel training = one_node(13, "Dropout", {"x", "", "t"});
  training.initializer(raw_tensor("t", TP::BOOL, {}, std::string(1, '\1')));
  expect_error([&] { import(training); },
               {"Dropout 'n'", "training_mode must be a constant false"});
}

TEST(OnnxCanonical, ScatterBecomesScatterElements) {
  OnnxModel m = one_node(9, "Scatter", {"x", "i", "u"});
  m.initializer(int64_tensor("i", {1}, {0}));
  m.initializer(float_tensor("u", {1}, {1}));
  attr_i(*m.graph().mutable_node(0), "axis", 0);
  ir::Graph g = import(m);
  EXPECT_EQ(find_node(g, "n")->op_type, "ScatterElements");
  EXPECT_EQ(find_node(g, "n")->attr_int("axis", -1), 0);
}

// --- unsupported ops -------------------------------------------------------------------------

TEST(OnnxImport, ListsEveryUnsupportedOpInOneError) {
  OnnxModel m(17);
  m.opset("com.microsoft", 1);
  m.input("x", TP::FLOAT, {4});
  m.node("NoSuchOp", {"x"}, {"a"}, "n1");
  m.node("NoSuchOp", {"a"}, {"b"});
  m.node("AlsoMissing", {"b"}, {"c"}, "n3");
  m.node("FancyFused", {"c"}, {"y"}, "n4").set_domain("com.microsoft");
  m.output("y");
  const std::string message = expect_error([&] { import(m, ImportOptions{}); }, {});
  EXPECT_EQ(message,
            "test.onnx: unsupported ops: NoSuchOp (nodes 'n1', 'NoSuchOp_1', opset 17); "
            "AlsoMissing (node 'n3', opset 17); com.microsoft.FancyFused (node 'n4', opset 1)");
  // Without the registry check the same model imports.
  EXPECT_EQ(import(m).node_count(), 4u);
}

// Needs the op schemas registered by src/ops; skipped where they are not (yet) linked in.
TEST(OnnxImport, ModelOfRegisteredOpsPassesTheRegistryCheck) {
  for (const char* op : {"Conv", "Relu", "Add", "Reshape", "Softmax", "Resize", "Constant"})
    if (!ir::OpRegistry::instance().find(op)) GTEST_SKIP() << op << " is not registered";
  OnnxModel m(9);
  m.input("x", TP::FLOAT, {"N", 3, 8, 8});
  m.initializer(float_tensor("w", {4, 3, 1, 1}, std::vector<float>(12, 0.5f)));
  m.initializer(float_tensor("scales", {4}, {1, 1, 2, 2}));
  m.initializer(int64_tensor("shape", {2}, {0, -1}));
  m.node("Conv", {"x", "w"}, {"c"}, "conv");
  m.node("Relu", {"c"}, {"r"}, "relu");
  m.node("Upsample", {"r", "scales"}, {"u"}, "up");  // imported as Resize
  attr_f(m.node("Constant", {}, {"one"}, "one"), "value_float", 1.f);
  m.node("Add", {"u", "one"}, {"a"}, "add");
  m.node("Reshape", {"a", "shape"}, {"flat"}, "reshape");
  m.node("Softmax", {"flat"}, {"y"}, "softmax");
  m.output("y");
  ir::Graph g = import(m, ImportOptions{});
  EXPECT_EQ(g.node_count(), 7u);
  EXPECT_EQ(find_node(g, "up")->op_type, "Resize");
}

TEST(OnnxImport, SubgraphOpsAreUnsupportedEvenWithoutTheRegistryCheck) {
  OnnxModel m(17);
  m.input("c", TP::BOOL, {});
  auto& n = m.node("If", {"c"}, {"y"}, "if1");
  auto& a = qrt::test::add_attr(n, "then_branch", ::onnx::AttributeProto::GRAPH);
  a.mutable_g()->set_name("then");
  m.output("y");
  expect_error([&] { import(m); },
               {"test.onnx: unsupported ops: If (node 'if1', opset 17, has a subgraph)"});
}

// --- errors ----------------------------------------------------------------------------------

OnnxModel relu_model(int64_t opset = 17, int64_t ir = 8) {
  OnnxModel m(opset, ir);
  m.input("x", TP::FLOAT, {4});
  m.node("Relu", {"x"}, {"y"}, "r");
  m.output("y");
  return m;
}

TEST(OnnxImportErrors, MissingFile) {
  expect_error([] { import_onnx("/nonexistent/dir/model.onnx"); },
               {"/nonexistent/dir/model.onnx: cannot open"});
  TempDir dir;
  expect_error([&] { import_onnx(dir.path()); }, {dir.path(), "is a directory"});
}

TEST(OnnxImportErrors, NotAModel) {
  expect_error([] { import_onnx_bytes("this is just text, not protobuf\n", "a.onnx", ""); },
               {"a.onnx: not an ONNX model"});
  expect_error([] { import_onnx_bytes(std::string("\xff\xff\xff\xff", 4), "b.onnx", ""); },
               {"b.onnx: not an ONNX model"});
  expect_error([] { import_onnx_bytes("", "c.onnx", ""); }, {"c.onnx: empty file"});
  TempDir dir;
  const std::string garbage = dir.write("g.onnx", "\x01\x02garbage");
  expect_error([&] { import_onnx(garbage); }, {garbage + ": not an ONNX model"});
}

TEST(OnnxImportErrors, TruncatedFile) {
  OnnxModel m = relu_model();
  m.initializer(float_tensor("w", {64}, std::vector<float>(64, 1.f)));
  const std::string bytes = m.bytes();
  for (size_t keep : {bytes.size() / 2, bytes.size() - 3, size_t{3}}) {
    SCOPED_TRACE(keep);
    const std::string message =
        expect_error([&] { import_onnx_bytes(bytes.substr(0, keep), "t.onnx", ""); }, {"t.onnx: "});
    EXPECT_TRUE(message.find("truncated") != std::string::npos ||
                message.find("no graph") != std::string::npos)
        << message;
  }
}

TEST(OnnxImportErrors, VersionsOutOfRange) {
  EXPECT_EQ(expect_error([] { import(relu_model(19)); }, {}),
            "test.onnx: opset 19 is newer than qrt supports (7..18)");
  EXPECT_EQ(expect_error([] { import(relu_model(6)); }, {}),
            "test.onnx: opset 6 is older than qrt supports (7..18)");
  expect_error([] { import(relu_model(17, 11)); },
               {"test.onnx: IR version 11 is not supported (3..10)"});
  expect_error([] { import(relu_model(17, 2)); }, {"test.onnx: IR version 2 is not supported"});
  OnnxModel no_default = relu_model();
  no_default.model.mutable_opset_import(0)->set_domain("com.example");
  expect_error([&] { import(no_default); },
               {"test.onnx: model imports no default-domain opset (only com.example 17)"});
  OnnxModel no_opsets = relu_model();
  no_opsets.model.clear_opset_import();
  expect_error([&] { import(no_opsets); }, {"test.onnx: model imports no opset (truncated file?)"});
}

TEST(OnnxImportErrors, UnknownValues) {
  OnnxModel unknown_input = relu_model();
  unknown_input.node("Add", {"y", "nope"}, {"z"}, "add");
  expect_error([&] { import(unknown_input); }, {"test.onnx: Add 'add': input 'nope' is neither a "
                                                "graph input, an initializer nor a node output"});
  OnnxModel missing_output = relu_model();
  missing_output.output("ghost");
  expect_error([&] { import(missing_output); },
               {"test.onnx: graph output 'ghost' is never produced"});
  OnnxModel no_outputs = relu_model();
  no_outputs.graph().clear_output();
  expect_error([&] { import(no_outputs); }, {"test.onnx: graph has no outputs"});
}

TEST(OnnxImportErrors, DuplicateNames) {
  OnnxModel init = relu_model();
  init.initializer(float_tensor("w", {1}, {1}));
  init.initializer(float_tensor("w", {1}, {2}));
  expect_error([&] { import(init); }, {"test.onnx: duplicate initializer name 'w'"});

  OnnxModel output = relu_model();
  output.node("Relu", {"x"}, {"y"}, "r2");
  expect_error([&] { import(output); },
               {"test.onnx: Relu 'r2': output 'y' is already an output of Relu 'r'"});

  OnnxModel shadow_input = relu_model();
  shadow_input.node("Relu", {"y"}, {"x"}, "r2");
  expect_error([&] { import(shadow_input); }, {"output 'x' is already a graph input"});

  OnnxModel shadow_init = relu_model();
  shadow_init.initializer(float_tensor("w", {1}, {1}));
  shadow_init.node("Relu", {"y"}, {"w"}, "r2");
  expect_error([&] { import(shadow_init); }, {"output 'w' is already an initializer"});

  OnnxModel nodes = relu_model();
  nodes.node("Relu", {"y"}, {"z"}, "r");
  expect_error([&] { import(nodes); }, {"test.onnx: two nodes are named 'r'"});

  OnnxModel inputs = relu_model();
  inputs.input("x", TP::FLOAT, {4});
  expect_error([&] { import(inputs); }, {"test.onnx: graph input 'x' is listed twice"});

  OnnxModel outputs = relu_model();
  outputs.output("y");
  expect_error([&] { import(outputs); }, {"test.onnx: graph output 'y' is listed twice"});
}

TEST(OnnxImportErrors, UnsupportedTypes) {
  OnnxModel string_init = relu_model();
  TP s;
  s.set_name("s");
  s.set_data_type(TP::STRING);
  s.add_dims(1);
  s.add_string_data("hi");
  string_init.initializer(s);
  expect_error([&] { import(string_init); },
               {"test.onnx: initializer 's': unsupported element type STRING"});

  OnnxModel u16_input(17);
  u16_input.input("x", TP::UINT16, {4});
  u16_input.node("Relu", {"x"}, {"y"}, "r");
  u16_input.output("y");
  expect_error([&] { import(u16_input); },
               {"test.onnx: graph input 'x' has unsupported element type UINT16"});

  OnnxModel float8_init = relu_model(18, 9);
  float8_init.initializer(raw_tensor("f8", 17, {1}, std::string(1, '\0')));  // FLOAT8E4M3FN
  expect_error([&] { import(float8_init); },
               {"test.onnx: initializer 'f8': unsupported element type code 17"});

  OnnxModel string_output = relu_model();
  string_output.graph().mutable_output(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      TP::STRING);
  expect_error([&] { import(string_output); },
               {"graph output 'y' has unsupported element type STRING"});

  OnnxModel sequence_input = relu_model();
  sequence_input.graph().mutable_input(0)->mutable_type()->mutable_sequence_type();
  expect_error([&] { import(sequence_input); }, {"graph input 'x' is not a tensor"});

  OnnxModel no_shape = relu_model();
  no_shape.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  expect_error([&] { import(no_shape); }, {"graph input 'x' has no shape"});

  OnnxModel sparse = relu_model();
  sparse.graph().add_sparse_initializer()->mutable_values()->set_name("sp");
  expect_error([&] { import(sparse); }, {"test.onnx: sparse initializer 'sp' is not supported"});

  OnnxModel sparse_attr = relu_model();
  auto& c = sparse_attr.node("Constant", {}, {"k"}, "c");
  qrt::test::add_attr(c, "sparse_value", ::onnx::AttributeProto::SPARSE_TENSOR);
  expect_error([&] { import(sparse_attr); }, {"unsupported ops: Constant (node 'c', opset 17, "
                                              "attribute 'sparse_value' has type SPARSE_TENSOR)"});
}

TEST(OnnxImportErrors, BadInitializerData) {
  OnnxModel raw = relu_model();
  raw.initializer(raw_tensor("w", TP::FLOAT, {3}, std::string(8, '\0')));
  expect_error([&] { import(raw); },
               {"test.onnx: initializer 'w': raw_data holds 8 bytes, expected 12 for FLOAT [3]"});
  OnnxModel typed = relu_model();
  typed.initializer(float_tensor("w", {3}, {1, 2}));
  expect_error([&] { import(typed); }, {"initializer 'w': float_data holds 2 values, expected 3"});
  OnnxModel none = relu_model();
  none.initializer(float_tensor("w", {3}, {}));
  expect_error([&] { import(none); }, {"initializer 'w': has no data"});
  OnnxModel negative = relu_model();
  negative.initializer(float_tensor("w", {-1}, {}));
  expect_error([&] { import(negative); }, {"initializer 'w': negative dimension"});
  OnnxModel huge = relu_model();
  huge.initializer(float_tensor("w", {1LL << 40, 1LL << 40}, {}));
  expect_error([&] { import(huge); }, {"initializer 'w': shape", "is too large"});
}

TEST(OnnxImportErrors, NamesWithControlCharactersStayOnOneLine) {
  OnnxModel m = relu_model();
  m.output("bad\nname\r");
  expect_error([&] { import(m); }, {"test.onnx: graph output 'bad?name?' is never produced"});
}

TEST(OnnxImportErrors, CycleNamesTheFile) {
  OnnxModel m(17);
  m.input("x", TP::FLOAT, {4});
  m.node("Add", {"x", "b"}, {"a"}, "n1");
  m.node("Relu", {"a"}, {"b"}, "n2");
  m.output("b");
  expect_error([&] { import(m); }, {"test.onnx: graph has a cycle"});
}

}  // namespace
}  // namespace qrt::onnx_import
