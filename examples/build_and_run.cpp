// Build an engine from an ONNX model, save it as a plan, load the plan, run it.
//   build_and_run model.onnx model.plan
#include <qrt/engine.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " MODEL.onnx PLAN\n";
    return 2;
  }
  try {
    qrt::BuilderConfig config;
    config.batch = qrt::BatchProfile{1, 4, 8};
    auto built = qrt::Builder().build_from_onnx(argv[1], config);
    built->save(argv[2]);

    auto engine = qrt::Engine::load(argv[2]);
    auto context = engine->create_context();
    std::map<std::string, qrt::Tensor> inputs;
    for (const qrt::TensorInfo& info : engine->inputs()) {
      std::vector<int64_t> shape = info.shape;
      for (int64_t& d : shape)
        if (d < 0) d = 2;  // batch of two
      qrt::Tensor t(info.dtype, shape);
      if (info.dtype == qrt::DataType::kFloat32)
        for (int64_t i = 0; i < t.numel(); ++i)
          t.data_as<float>()[i] = 0.01f * static_cast<float>(i % 100);
      inputs.emplace(info.name, t);
    }
    for (const auto& [name, tensor] : context->run(inputs))
      std::cout << name << " " << qrt::shape_to_string(tensor.shape()) << "\n";
  } catch (const qrt::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
