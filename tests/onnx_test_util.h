// Helpers for tests that build ONNX models and tensors in memory with the protobuf classes.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "qrt/types.h"

namespace qrt::test {

// A dimension of a declared input shape: a size, a symbol, or (default) unknown.
struct OnnxDim {
  OnnxDim() = default;
  OnnxDim(int64_t v) : value(v) {}      // NOLINT: implicit on purpose, dims read like {1, "N"}
  OnnxDim(const char* p) : param(p) {}  // NOLINT
  int64_t value = -1;
  std::string param;
};

inline ::onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims,
                                        const std::vector<float>& values) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(::onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  for (float v : values) t.add_float_data(v);
  return t;
}

inline ::onnx::TensorProto int64_tensor(const std::string& name, std::vector<int64_t> dims,
                                        const std::vector<int64_t>& values) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(::onnx::TensorProto::INT64);
  for (int64_t d : dims) t.add_dims(d);
  for (int64_t v : values) t.add_int64_data(v);
  return t;
}

inline ::onnx::TensorProto raw_tensor(const std::string& name, int32_t data_type,
                                      std::vector<int64_t> dims, const std::string& bytes) {
  ::onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(data_type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(bytes);
  return t;
}

template <typename T>
std::string bytes_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

inline ::onnx::AttributeProto& add_attr(::onnx::NodeProto& n, const std::string& name,
                                        ::onnx::AttributeProto::AttributeType type) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return *a;
}
inline void attr_i(::onnx::NodeProto& n, const std::string& name, int64_t v) {
  add_attr(n, name, ::onnx::AttributeProto::INT).set_i(v);
}
inline void attr_f(::onnx::NodeProto& n, const std::string& name, float v) {
  add_attr(n, name, ::onnx::AttributeProto::FLOAT).set_f(v);
}
inline void attr_s(::onnx::NodeProto& n, const std::string& name, const std::string& v) {
  add_attr(n, name, ::onnx::AttributeProto::STRING).set_s(v);
}
inline void attr_ints(::onnx::NodeProto& n, const std::string& name,
                      const std::vector<int64_t>& v) {
  auto& a = add_attr(n, name, ::onnx::AttributeProto::INTS);
  for (int64_t x : v) a.add_ints(x);
}
inline void attr_floats(::onnx::NodeProto& n, const std::string& name,
                        const std::vector<float>& v) {
  auto& a = add_attr(n, name, ::onnx::AttributeProto::FLOATS);
  for (float x : v) a.add_floats(x);
}
inline void attr_t(::onnx::NodeProto& n, const std::string& name, const ::onnx::TensorProto& t) {
  *add_attr(n, name, ::onnx::AttributeProto::TENSOR).mutable_t() = t;
}

// A ModelProto under construction: one default-domain opset, nodes, inputs and outputs.
class OnnxModel {
 public:
  explicit OnnxModel(int64_t opset = 17, int64_t ir_version = 8) {
    model.set_ir_version(ir_version);
    model.set_producer_name("qrt-tests");
    auto* op = model.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model.mutable_graph()->set_name("test_graph");
  }

  ::onnx::GraphProto& graph() { return *model.mutable_graph(); }

  ::onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op_type);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  void input(const std::string& name, int32_t elem_type, const std::vector<OnnxDim>& dims) {
    auto* in = graph().add_input();
    in->set_name(name);
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (const auto& d : dims) {
      auto* dim = shape->add_dim();
      if (!d.param.empty())
        dim->set_dim_param(d.param);
      else if (d.value >= 0)
        dim->set_dim_value(d.value);
    }
  }

  void output(const std::string& name, int32_t elem_type = ::onnx::TensorProto::FLOAT) {
    auto* o = graph().add_output();
    o->set_name(name);
    o->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  }

  void initializer(const ::onnx::TensorProto& t) { *graph().add_initializer() = t; }

  void opset(const std::string& domain, int64_t version) {
    auto* op = model.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }

  std::string bytes() const {
    std::string s;
    model.SerializeToString(&s);
    return s;
  }

  ::onnx::ModelProto model;
};

// A fresh directory under the test temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("qrt_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary) << bytes;
    return file(name);
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Runs fn, expecting a one-line qrt::Error that contains every given fragment; returns it.
inline std::string expect_error(const std::function<void()>& fn,
                                const std::vector<std::string>& fragments) {
  try {
    fn();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    for (const auto& f : fragments)
      EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected qrt::Error, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected an error";
  return {};
}

}  // namespace qrt::test
