// Plan files: a fixed header, a CBOR description of the graph and its kernel choices, then one
// blob of weights. Nothing is optimised on load; every offset and size read is bounds-checked.
//
//   0  magic "QRTPLAN\0"        8 bytes
//   8  format version           u32 little-endian
//  12  reserved                 u32 (0)
//  16  meta bytes               u64
//  24  blob bytes               u64
//  32  XXH3-64 of meta + blob   u64
//  40  meta (CBOR), zero padding to a multiple of 64, then the blob
#include <xxhash.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>

#include "runtime/engine_impl.h"

namespace qrt {

namespace {

using json = nlohmann::json;

constexpr char kMagic[8] = {'Q', 'R', 'T', 'P', 'L', 'A', 'N', '\0'};
// 2: nodes may carry "fallback" (the partitioner's reason). Version 1 plans still load.
// 3: cpu convolutions may hold weights in oneDNN's layout (attribute "cpu_weights_md") and
//    qrt.Reorder nodes may convert blocked activations: a qrt reading format 2 would take those
//    bytes for OIHW weights, so it must refuse these plans. Versions 1 and 2 still load.
// 4: blocked cpu activations may have channels that are not a multiple of the block, in
//    buffers padded up to it (value_bytes): a qrt reading format 3 would size those buffers
//    without the padding and write past them, so it must refuse these plans. Versions 1 to 3
//    still load (their blocked activations are never padded).
// 5: a channels_last cpu convolution may read X as NCHW (attribute nchw_input: an image's first
//    convolution writing a blocked layout): a qrt reading format 4 would take the image for NHWC,
//    so it must refuse these plans. Versions 1 to 4 still load.
// 6: cpu Gemm, MatMul and MatMulInt8 nodes may hold B in oneDNN's layout (attributes
//    "cpu_weights_md" and "weights_shape", as convolutions since 3): a qrt reading format 5 would
//    take those bytes for a plain B (and its flat shape for B's), so it must refuse these plans.
//    Versions 1 to 5 still load.
constexpr uint32_t kFormatVersion = 6;
constexpr uint32_t kOldestReadableVersion = 1;
constexpr size_t kHeaderBytes = 40;
constexpr size_t kAlign = 64;

size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

class BlobWriter {
 public:
  json add(const Tensor& t) {
    const size_t offset = align_up(blob_.size());
    blob_.resize(offset + t.nbytes());
    if (t.nbytes()) std::memcpy(blob_.data() + offset, t.data(), t.nbytes());
    return json{{"dtype", dtype_name(t.dtype())},
                {"shape", t.shape()},
                {"offset", offset},
                {"bytes", t.nbytes()}};
  }
  const std::vector<char>& bytes() const { return blob_; }

 private:
  std::vector<char> blob_;
};

json attribute_to_json(const ir::AttributeValue& a, BlobWriter& blob) {
  return std::visit(
      [&](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>)
          return {{"i", v}};
        else if constexpr (std::is_same_v<T, float>)
          return {{"f", v}};
        else if constexpr (std::is_same_v<T, std::string>)
          return {{"s", v}};
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>)
          return {{"ints", v}};
        else if constexpr (std::is_same_v<T, std::vector<float>>)
          return {{"floats", v}};
        else if constexpr (std::is_same_v<T, std::vector<std::string>>)
          return {{"strings", v}};
        else
          return {{"tensor", blob.add(v)}};
      },
      a);
}

json graph_to_json(const EngineImpl& e, BlobWriter& blob) {
  const ir::Graph& g = e.graph;
  std::map<const ir::Value*, int64_t> index;
  json values = json::array();
  for (const ir::Value* v : g.values()) {
    index[v] = static_cast<int64_t>(values.size());
    json shape = json::array();
    for (const auto& d : v->shape) shape.push_back(json::array({d.value, d.symbol}));
    json jv = {{"name", v->name}, {"dtype", dtype_name(v->dtype)}, {"shape", shape}};
    if (v->constant) jv["constant"] = blob.add(*v->constant);
    if (v->quant) jv["quant"] = {{"scales", v->quant->scales}, {"axis", v->quant->axis}};
    values.push_back(std::move(jv));
  }
  auto ref = [&](const ir::Value* v) { return v ? index.at(v) : int64_t{-1}; };
  json nodes = json::array();
  for (const ir::Node* n : e.nodes) {
    json in = json::array(), out = json::array(), attrs = json::object();
    for (const ir::Value* v : n->inputs) in.push_back(ref(v));
    for (const ir::Value* v : n->outputs) out.push_back(ref(v));
    for (const auto& [k, a] : n->attrs) attrs[k] = attribute_to_json(a, blob);
    nodes.push_back({{"name", n->name},
                     {"op", n->op_type},
                     {"domain", n->domain},
                     {"inputs", in},
                     {"outputs", out},
                     {"attrs", attrs},
                     {"backend", n->backend},
                     {"kernel_dtype", dtype_name(n->kernel_dtype)},
                     {"tactic", n->tactic}});
    if (!n->fallback_reason.empty()) nodes.back()["fallback"] = n->fallback_reason;
  }
  json inputs = json::array(), outputs = json::array();
  for (const ir::Value* v : g.inputs) inputs.push_back(ref(v));
  for (const ir::Value* v : g.outputs) outputs.push_back(ref(v));
  return {{"name", g.name}, {"opset", g.opset}, {"values", values},
          {"nodes", nodes}, {"inputs", inputs}, {"outputs", outputs}};
}

template <typename T>
void put(std::vector<char>& out, size_t at, T v) {
  std::memcpy(out.data() + at, &v, sizeof(T));
}
template <typename T>
T get(std::span<const char> in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

// Reading: every field is checked; failures name the plan and the field.
class PlanReader {
 public:
  // `owner` keeps the blob alive (a loaded file's buffer): tensors are then views into it;
  // without one they are copied out.
  PlanReader(std::string path, const char* blob, size_t blob_bytes, std::shared_ptr<void> owner)
      : path_(std::move(path)), blob_(blob), blob_bytes_(blob_bytes), owner_(std::move(owner)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path_ + ": corrupt plan: " + what);
  }

  DataType dtype(const json& j, const char* field) const {
    if (!j.is_string()) fail(std::string(field) + " is not a type name");
    auto t = j.get<std::string>() == "undefined" ? std::optional<DataType>(DataType::kUndefined)
                                                 : dtype_from_name(j.get<std::string>());
    if (!t) fail(std::string(field) + " names an unknown type '" + j.get<std::string>() + "'");
    return *t;
  }

  Tensor tensor(const json& j) const {
    const DataType t = dtype(j.at("dtype"), "tensor dtype");
    if (t == DataType::kUndefined) fail("tensor without a type");
    std::vector<int64_t> shape = j.at("shape").get<std::vector<int64_t>>();
    size_t count = 1;
    for (int64_t d : shape) {
      if (d < 0 ||
          (d > 0 && count > std::numeric_limits<size_t>::max() / 16 / static_cast<size_t>(d)))
        fail("tensor shape " + shape_to_string(shape) + " is invalid");
      count *= static_cast<size_t>(d);
    }
    const size_t offset = j.at("offset").get<size_t>();
    const size_t bytes = j.at("bytes").get<size_t>();
    if (bytes != count * dtype_size(t)) fail("tensor byte count does not match its shape");
    if (offset > blob_bytes_ || bytes > blob_bytes_ - offset)
      fail("tensor lies outside the weights");
    const char* at = blob_ + offset;
    // A view when aligned as Tensor's own buffers: no zero-fill and copy of every weight (a
    // plan with Winograd weights is 234 MB for ResNet-50).
    if (owner_ && reinterpret_cast<uintptr_t>(at) % kAlign == 0)
      return Tensor::view(t, std::move(shape), const_cast<char*>(at), owner_);
    Tensor out(t, shape);
    if (bytes) std::memcpy(out.data(), at, bytes);
    return out;
  }

  ir::AttributeValue attribute(const json& j) const {
    if (!j.is_object() || j.size() != 1) fail("malformed attribute");
    const std::string kind = j.begin().key();
    const json& v = j.begin().value();
    if (kind == "i") return v.get<int64_t>();
    if (kind == "f") return v.get<float>();
    if (kind == "s") return v.get<std::string>();
    if (kind == "ints") return v.get<std::vector<int64_t>>();
    if (kind == "floats") return v.get<std::vector<float>>();
    if (kind == "strings") return v.get<std::vector<std::string>>();
    if (kind == "tensor") return tensor(v);
    fail("unknown attribute kind '" + kind + "'");
  }

  void graph(const json& j, ir::Graph& g, std::vector<ir::Node*>& order) const {
    g.name = j.at("name").get<std::string>();
    g.opset = j.at("opset").get<int64_t>();
    std::vector<ir::Value*> values;
    for (const json& jv : j.at("values")) {
      ir::Value* v = g.add_value(jv.at("name").get<std::string>());
      v->dtype = dtype(jv.at("dtype"), "value dtype");
      for (const json& d : jv.at("shape"))
        v->shape.push_back(ir::Dim{d.at(0).get<int64_t>(), d.at(1).get<std::string>()});
      if (jv.contains("constant")) v->constant = tensor(jv.at("constant"));
      if (jv.contains("quant"))
        v->quant = ir::QuantParams{jv.at("quant").at("scales").get<std::vector<float>>(),
                                   jv.at("quant").at("axis").get<int64_t>()};
      values.push_back(v);
    }
    auto ref = [&](const json& i) -> ir::Value* {
      const int64_t k = i.get<int64_t>();
      if (k == -1) return nullptr;
      if (k < 0 || k >= static_cast<int64_t>(values.size())) fail("value index out of range");
      return values[static_cast<size_t>(k)];
    };
    for (const json& jn : j.at("nodes")) {
      std::vector<ir::Value*> in, out;
      for (const json& i : jn.at("inputs")) in.push_back(ref(i));
      for (const json& i : jn.at("outputs")) out.push_back(ref(i));
      ir::Node* n =
          g.add_node(jn.at("op").get<std::string>(), jn.at("name").get<std::string>(), in, out);
      n->domain = jn.at("domain").get<std::string>();
      for (const auto& [k, a] : jn.at("attrs").items()) n->attrs[k] = attribute(a);
      n->backend = jn.at("backend").get<std::string>();
      n->kernel_dtype = dtype(jn.at("kernel_dtype"), "kernel dtype");
      n->tactic = jn.at("tactic").get<std::string>();
      n->fallback_reason = jn.value("fallback", std::string());
      order.push_back(n);
    }
    for (const json& i : j.at("inputs")) {
      ir::Value* v = ref(i);
      if (!v) fail("graph input index is -1");
      g.inputs.push_back(v);
    }
    for (const json& i : j.at("outputs")) {
      ir::Value* v = ref(i);
      if (!v) fail("graph output index is -1");
      g.outputs.push_back(v);
    }
  }

 private:
  std::string path_;
  const char* blob_;
  size_t blob_bytes_;
  std::shared_ptr<void> owner_;
};

// A plan file's bytes in one 64-byte aligned buffer, zeroed slack after them as Tensor's own
// buffers have: the loaded constants are views into it.
struct FileBytes {
  std::shared_ptr<char> data;
  size_t size = 0;
};

FileBytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) throw Error(path + ": cannot open the plan file");
  const std::streamoff end = f.tellg();
  if (end < 0) throw Error(path + ": cannot read the plan file");
  FileBytes file;
  file.size = static_cast<size_t>(end);
  const size_t capacity = align_up(file.size) + kAlign;
  file.data.reset(static_cast<char*>(std::aligned_alloc(kAlign, capacity)), std::free);
  if (!file.data) throw Error(path + ": out of host memory reading the plan file");
  std::memset(file.data.get() + file.size, 0, capacity - file.size);
  f.seekg(0);
  if (!f.read(file.data.get(), static_cast<std::streamsize>(file.size)))
    throw Error(path + ": cannot read the plan file");
  return file;
}

}  // namespace

bool is_plan_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  return f.read(magic, 8) && std::memcmp(magic, kMagic, 8) == 0;
}

namespace {

std::vector<char> serialize_plan(const EngineImpl& e) {
  BlobWriter blob;
  json meta = {{"qrt_version", e.qrt_version},
               {"source", e.source},
               {"precision", e.precision},
               {"batch", {e.batch.min, e.batch.opt, e.batch.max}},
               {"has_batch", e.has_batch},
               {"input_batched", e.input_batched},
               {"input_values_matter", e.input_values_matter},
               {"gpu", e.gpu_signature},
               {"allow_tf32", e.allow_tf32}};
  meta["graph"] = graph_to_json(e, blob);
  const std::vector<uint8_t> cbor = json::to_cbor(meta);
  const size_t blob_at = align_up(kHeaderBytes + cbor.size());
  std::vector<char> out(blob_at + blob.bytes().size(), 0);
  std::memcpy(out.data(), kMagic, 8);
  put<uint32_t>(out, 8, kFormatVersion);
  put<uint32_t>(out, 12, 0);
  put<uint64_t>(out, 16, cbor.size());
  put<uint64_t>(out, 24, blob.bytes().size());
  std::memcpy(out.data() + kHeaderBytes, cbor.data(), cbor.size());
  if (!blob.bytes().empty())
    std::memcpy(out.data() + blob_at, blob.bytes().data(), blob.bytes().size());
  put<uint64_t>(out, 32, XXH3_64bits(out.data() + kHeaderBytes, out.size() - kHeaderBytes));
  return out;
}

// `path` names the plan in errors (a file, or an engine being copied). With an `owner` keeping
// `data` alive, the constants are views into it; without one, copies.
std::shared_ptr<EngineImpl> deserialize_plan(std::span<const char> data, const std::string& path,
                                             std::shared_ptr<void> owner);

}  // namespace

void save_plan(const EngineImpl& e, const std::string& path) {
  const std::vector<char> out = serialize_plan(e);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(path + ": cannot open for writing");
  f.write(out.data(), static_cast<std::streamsize>(out.size()));
  if (!f) throw Error(path + ": write failed (disk full?)");
}

std::shared_ptr<EngineImpl> load_plan(const std::string& path) {
  const FileBytes file = read_file(path);
  return deserialize_plan({file.data.get(), file.size}, path, file.data);
}

std::shared_ptr<EngineImpl> clone_engine(const EngineImpl& engine) {
  return deserialize_plan(serialize_plan(engine), engine.source, nullptr);
}

namespace {
std::shared_ptr<EngineImpl> deserialize_plan(std::span<const char> data, const std::string& path,
                                             std::shared_ptr<void> owner) {
  if (data.size() < kHeaderBytes || std::memcmp(data.data(), kMagic, 8) != 0)
    throw Error(path + ": not a qrt plan (bad magic)");
  const uint32_t format = get<uint32_t>(data, 8);
  if (format < kOldestReadableVersion || format > kFormatVersion)
    throw Error(path + ": plan format version " + std::to_string(format) +
                " is not one this qrt reads (" + std::to_string(kOldestReadableVersion) + " to " +
                std::to_string(kFormatVersion) + "); rebuild the plan with qrt " + version());
  const uint64_t meta_bytes = get<uint64_t>(data, 16);
  const uint64_t blob_bytes = get<uint64_t>(data, 24);
  const uint64_t available = data.size() - kHeaderBytes;
  if (meta_bytes > available || align_up(kHeaderBytes + meta_bytes) > data.size() ||
      blob_bytes != data.size() - align_up(kHeaderBytes + meta_bytes))
    throw Error(path + ": truncated plan (" + std::to_string(data.size()) +
                " bytes; header needs " + std::to_string(kHeaderBytes + meta_bytes) + " + " +
                std::to_string(blob_bytes) + ")");
  if (XXH3_64bits(data.data() + kHeaderBytes, data.size() - kHeaderBytes) !=
      get<uint64_t>(data, 32))
    throw Error(path + ": plan checksum mismatch (the file is corrupted)");
  const size_t blob_at = align_up(kHeaderBytes + meta_bytes);
  PlanReader reader(path, data.data() + blob_at, blob_bytes, std::move(owner));
  auto engine = std::make_shared<EngineImpl>();
  try {
    const json meta =
        json::from_cbor(data.begin() + kHeaderBytes,
                        data.begin() + static_cast<std::ptrdiff_t>(kHeaderBytes + meta_bytes));
    engine->qrt_version = meta.at("qrt_version").get<std::string>();
    engine->source = meta.at("source").get<std::string>();
    engine->precision = meta.at("precision").get<std::string>();
    const auto b = meta.at("batch").get<std::vector<int64_t>>();
    if (b.size() != 3 || b[0] < 1 || b[0] > b[1] || b[1] > b[2]) reader.fail("bad batch profile");
    engine->batch = BatchProfile{b[0], b[1], b[2]};
    engine->has_batch = meta.at("has_batch").get<bool>();
    engine->input_batched = meta.at("input_batched").get<std::vector<bool>>();
    engine->input_values_matter = meta.at("input_values_matter").get<std::vector<bool>>();
    engine->gpu_signature = meta.value("gpu", std::string());
    engine->allow_tf32 = meta.value("allow_tf32", false);
    std::vector<ir::Node*> order;
    reader.graph(meta.at("graph"), engine->graph, order);
    if (engine->input_batched.size() != engine->graph.inputs.size() ||
        engine->input_values_matter.size() != engine->graph.inputs.size())
      reader.fail("input flags");
    ir::validate(engine->graph);
    check_cpu_weight_layouts(engine->graph);
  } catch (const json::exception& e) {
    reader.fail(e.what());
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind(path, 0) == 0) throw;
    reader.fail(msg);
  }
  engine->nodes = engine->graph.nodes();
  if (engine->uses_device()) {
    // Tactics and kernels were chosen for one GPU and library set: anything else may run
    // slowly or wrongly, so it is an error, not a guess.
    const std::string here =
        current_gpu_signature(path + ": this plan runs on the cuda backend, which");
    if (here != engine->gpu_signature)
      throw Error(path + ": plan built for " + engine->gpu_signature + ", but this machine has " +
                  here + "; rebuild the plan here");
  }
  engine->bind_kernels(path);
  return engine;
}

}  // namespace

}  // namespace qrt
