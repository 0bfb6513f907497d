// Builds of qrt without the CUDA backend: GPU entry points say so instead of failing later.
#include "quant/device_calibration_stats.h"
#include "runtime/engine_impl.h"

#ifndef QRT_HAVE_CUDA
namespace qrt {

std::unique_ptr<DeviceContext> make_cuda_device_context(const EngineImpl& engine,
                                                        const DeviceContextOptions&) {
  throw Error(engine.source +
              ": this engine runs on the cuda backend, which this build of qrt "
              "lacks (built without the CUDA toolkit)");
}

void prepare_device_engine(EngineImpl& engine, const BuilderConfig&,
                           const std::function<void(const std::string&)>&) {
  throw Error(engine.source + ": the cuda backend is not in this build of qrt");
}

std::string current_gpu_signature(const std::string& what) {
  throw Error(what + " needs the cuda backend, which this build of qrt lacks");
}

}  // namespace qrt

namespace qrt::quant {
std::unique_ptr<DeviceCalibrationStats> make_cuda_calibration_stats() {
  throw Error("GPU calibration needs the cuda backend, which this build of qrt lacks");
}
}  // namespace qrt::quant
#endif
