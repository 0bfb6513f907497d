// Builder::build_from_onnx: the ONNX front door of the builder.
#include "onnx/importer.h"
#include "runtime/engine_impl.h"

namespace qrt {

std::shared_ptr<Engine> Builder::build_from_onnx(const std::string& model_path,
                                                 const BuilderConfig& config) const {
  return std::make_shared<Engine>(
      build_engine(onnx_import::import_onnx(model_path), config, model_path));
}

}  // namespace qrt
