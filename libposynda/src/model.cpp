#include "model.hpp"

#include <onnxruntime_cxx_api.h>

#include <fstream>
#include <map>

#include "error.hpp"
#include "ort_env.hpp"

namespace posynda::core {

// Tensor names of the exported graphs (posynda/runtime/metadata.py: the artefact contract).
static const char* kDenoiserInputs[] = {"keypoints_2d", "noisy_3d", "t"};
static const char* kDenoiserOutputs[] = {"x0"};
static const char* kSamplerInputs[] = {"keypoints_2d", "noise"};
static const char* kSamplerOutputs[] = {"poses"};

Ort::Env& ort_environment() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "posynda");  // one per process, as ONNX Runtime wants
  return env;
}

struct Model::Session {
  Ort::Session session{nullptr};
  Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
};

Model::Model(const std::string& path, int threads) : session_(new Session) {
  if (!std::ifstream(path, std::ios::binary).good()) fail(POSYNDA_ERROR_MODEL, path + ": no such model file");
  try {
    Ort::SessionOptions options;
    options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    if (threads > 0) options.SetIntraOpNumThreads(threads);
    options.SetInterOpNumThreads(1);
    session_->session = Ort::Session(ort_environment(), path.c_str(), options);
    Ort::AllocatorWithDefaultOptions allocator;
    Ort::ModelMetadata metadata = session_->session.GetModelMetadata();
    std::map<std::string, std::string> props;
    for (const auto& key : metadata.GetCustomMetadataMapKeysAllocated(allocator)) {
      auto value = metadata.LookupCustomMetadataMapAllocated(key.get(), allocator);
      props[key.get()] = value ? value.get() : "";
    }
    meta_ = parse_metadata(props, path);
  } catch (const Ort::Exception& e) {
    fail(POSYNDA_ERROR_MODEL, path + ": ONNX Runtime cannot load it: " + e.what());
  }
  const size_t inputs = session_->session.GetInputCount();
  if (inputs != (meta_.graph == "sampler" ? 2u : 3u))
    fail(POSYNDA_ERROR_MODEL, path + ": graph '" + meta_.graph + "' has " + std::to_string(inputs) + " inputs");
}

Model::~Model() = default;

void Model::denoise(const float* keypoints, const float* noisy, const int64_t* t, int64_t n, float* x0) {
  const int64_t T = meta_.frames, J = meta_.joints;
  const int64_t kp_shape[] = {n, T, J, 2}, x_shape[] = {n, T, J, 3}, t_shape[] = {n};
  auto& mem = session_->memory;
  const size_t kp_count = elements<float>("keypoints", {n, T, J, 2}), x_count = elements<float>("poses", {n, T, J, 3});
  try {
    Ort::Value inputs[] = {
        Ort::Value::CreateTensor<float>(mem, const_cast<float*>(keypoints), kp_count, kp_shape, 4),
        Ort::Value::CreateTensor<float>(mem, const_cast<float*>(noisy), x_count, x_shape, 4),
        Ort::Value::CreateTensor<int64_t>(mem, const_cast<int64_t*>(t), static_cast<size_t>(n), t_shape, 1)};
    Ort::Value output = Ort::Value::CreateTensor<float>(mem, x0, x_count, x_shape, 4);
    session_->session.Run(Ort::RunOptions{nullptr}, kDenoiserInputs, inputs, 3, kDenoiserOutputs, &output, 1);
  } catch (const Ort::Exception& e) {
    fail(POSYNDA_ERROR_RUNTIME, std::string("ONNX Runtime failed running the denoiser: ") + e.what());
  }
}

void Model::sample(const float* keypoints, const float* noise, int64_t b, float* poses) {
  const int64_t T = meta_.frames, J = meta_.joints, K = meta_.sampler_steps, H = meta_.sampler_hypotheses;
  const int64_t kp_shape[] = {b, T, J, 2}, noise_shape[] = {K + 1, b, H, T, J, 3}, out_shape[] = {b, T, J, 3};
  auto& mem = session_->memory;
  const size_t kp_count = elements<float>("keypoints", {b, T, J, 2}), out_count = elements<float>("poses", {b, T, J, 3});
  const size_t noise_count = elements<float>("noise", {K + 1, b, H, T, J, 3});
  try {
    Ort::Value inputs[] = {
        Ort::Value::CreateTensor<float>(mem, const_cast<float*>(keypoints), kp_count, kp_shape, 4),
        Ort::Value::CreateTensor<float>(mem, const_cast<float*>(noise), noise_count, noise_shape, 6)};
    Ort::Value output = Ort::Value::CreateTensor<float>(mem, poses, out_count, out_shape, 4);
    session_->session.Run(Ort::RunOptions{nullptr}, kSamplerInputs, inputs, 2, kSamplerOutputs, &output, 1);
  } catch (const Ort::Exception& e) {
    fail(POSYNDA_ERROR_RUNTIME, std::string("ONNX Runtime failed running the sampler graph: ") + e.what());
  }
}

}  // namespace posynda::core
