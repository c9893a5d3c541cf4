// The one ONNX Runtime environment of the process (the lifter's model and the detector's graphs share it).
#pragma once

#include <onnxruntime_cxx_api.h>

namespace posynda::core {

Ort::Env& ort_environment();

}  // namespace posynda::core
