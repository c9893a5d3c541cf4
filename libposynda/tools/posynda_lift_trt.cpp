// posynda_lift_trt: the same lift as posynda_lift, on a TensorRT engine from `posynda export --trt`.
//
//   posynda_lift_trt --engine denoiser.engine --keypoints kp.npy --noise noise.npy --out poses.npy [--no-flip]
//
// The sidecar denoiser.engine.json is checked first (TensorRT version and GPU SM the plan was built
// for); a mismatch is refused with "rebuild with posynda export --trt". Batches above the engine's
// optimisation profile are split. The DDIM loop and the metadata reading are libposynda's own
// (src/sampler.hpp, src/metadata.hpp). Built only when CMake finds TensorRT and the CUDA toolkit.
#include <NvInfer.h>
#include <cuda_runtime_api.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <map>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "limits.hpp"
#include "metadata.hpp"
#include "npy.hpp"
#include "sampler.hpp"

namespace {

struct Logger : nvinfer1::ILogger {
  void log(Severity severity, const char* msg) noexcept override {
    if (severity <= Severity::kWARNING) std::cerr << "TensorRT: " << msg << "\n";
  }
} gLogger;

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}


[[noreturn]] void refuse(const std::string& why) {
  std::cerr << "posynda_lift_trt: " << why << "; rebuild with posynda export --trt\n";
  std::exit(2);
}

struct Buffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  void reserve(size_t n) {
    if (n <= bytes) return;
    if (ptr) cudaFree(ptr);
    check(cudaMalloc(&ptr, n), "cudaMalloc");
    bytes = n;
  }
  ~Buffer() {
    if (ptr) cudaFree(ptr);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string engine_path, kp_path, noise_path, out_path;
  bool flip = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "posynda_lift_trt: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--engine" || a == "--model") engine_path = value();
    else if (a == "--keypoints") kp_path = value();
    else if (a == "--noise") noise_path = value();
    else if (a == "--out") out_path = value();
    else if (a == "--no-flip") flip = false;
    else {
      std::cerr << "usage: posynda_lift_trt --engine E.engine --keypoints KP.npy --noise NOISE.npy --out POSES.npy [--no-flip]\n";
      return 2;
    }
  }
  if (engine_path.empty() || kp_path.empty() || noise_path.empty() || out_path.empty()) {
    std::cerr << "posynda_lift_trt: --engine, --keypoints, --noise and --out are required\n";
    return 2;
  }
  try {
    // 1. The sidecar, before anything is deserialised.
    nlohmann::json sidecar;
    try {
      sidecar = nlohmann::json::parse(read_file(engine_path + ".json"));
    } catch (const std::exception&) {
      refuse(engine_path + ": no readable sidecar " + engine_path + ".json");
    }
    auto json_string = [](const nlohmann::json& j, const char* key) { return j.value(key, std::string()); };
    const int v = getInferLibVersion();
    std::ostringstream here;
    here << v / 10000 << "." << (v / 100) % 100 << "." << v % 100;
    const std::string built = json_string(sidecar, "tensorrt_version");
    if (built.rfind(here.str(), 0) != 0)
      refuse("engine built with TensorRT " + built + ", this program runs TensorRT " + here.str());
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    const std::string sm = std::to_string(prop.major) + "." + std::to_string(prop.minor);
    if (json_string(sidecar, "gpu_sm") != sm)
      refuse("engine built for SM " + json_string(sidecar, "gpu_sm") + ", this GPU (" + prop.name + ") is SM " + sm);

    // 2. Inputs.
    posynda::Array kp = posynda::read_npy(kp_path);
    posynda::Array noise = posynda::read_npy(noise_path);
    // The runtime metadata the engine was exported with (the same keys as the ONNX metadata_props).
    const auto meta = posynda::core::parse_metadata(
        sidecar.value("metadata", nlohmann::json::object()).get<std::map<std::string, std::string>>(), engine_path);
    // Every size from the two files, checked against the metadata and the bounds before anything is sized by it.
    namespace lim = posynda::core::limits;
    const int64_t T = meta.frames, J = meta.joints;
    if (kp.shape.size() != 4 || kp.shape[1] != T || kp.shape[2] != J || kp.shape[3] != 2)
      throw std::runtime_error("keypoints must be [B, " + std::to_string(T) + ", " + std::to_string(J) + ", 2], got " +
                               posynda::shape_str(kp.shape));
    const int64_t B = kp.shape[0];
    if (noise.shape.size() != 6 || noise.shape[1] != B || noise.shape[3] != T || noise.shape[4] != J ||
        noise.shape[5] != 3)
      throw std::runtime_error("noise must be [K+1, B, H, T, J, 3] matching the keypoints, got " +
                               posynda::shape_str(noise.shape));
    const int64_t H = noise.shape[2], K64 = noise.shape[0] - 1;
    if (B < 1 || H < 1 || H > lim::MAX_HYPOTHESES || K64 < 1 || K64 > lim::MAX_STEPS ||
        K64 > meta.scheduler.num_train_timesteps)
      throw std::runtime_error("noise: H must be in [1, " + std::to_string(lim::MAX_HYPOTHESES) + "], K in [1, " +
                               std::to_string(std::min<int64_t>(lim::MAX_STEPS, meta.scheduler.num_train_timesteps)) +
                               "] and B >= 1, got " + posynda::shape_str(noise.shape));
    const int K = static_cast<int>(K64);
    const int64_t pose3 = T * J * 3, pose2 = T * J * 2;

    // 3. Engine.
    std::string blob = read_file(engine_path);
    std::unique_ptr<nvinfer1::IRuntime> runtime(nvinfer1::createInferRuntime(gLogger));
    std::unique_ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(blob.data(), blob.size()));
    if (!engine) refuse(engine_path + ": TensorRT could not deserialise the engine");
    std::unique_ptr<nvinfer1::IExecutionContext> ctx(engine->createExecutionContext());
    const int64_t max_batch = engine->getProfileShape("noisy_3d", 0, nvinfer1::OptProfileSelector::kMAX).d[0];
    const bool t_int64 = engine->getTensorDataType("t") == nvinfer1::DataType::kINT64;
    cudaStream_t stream;
    check(cudaStreamCreate(&stream), "cudaStreamCreate");
    Buffer d_kp, d_noisy, d_t, d_out;

    auto denoise = [&](const float* cond, const float* noisy, const int64_t* t, int64_t n, float* out) {
      for (int64_t begin = 0; begin < n; begin += max_batch) {
        const int64_t m = std::min(max_batch, n - begin);
        d_kp.reserve(m * pose2 * sizeof(float));
        d_noisy.reserve(m * pose3 * sizeof(float));
        d_t.reserve(m * sizeof(int64_t));
        d_out.reserve(m * pose3 * sizeof(float));
        check(cudaMemcpyAsync(d_kp.ptr, cond + begin * pose2, m * pose2 * sizeof(float), cudaMemcpyHostToDevice, stream), "copy");
        check(cudaMemcpyAsync(d_noisy.ptr, noisy + begin * pose3, m * pose3 * sizeof(float), cudaMemcpyHostToDevice, stream), "copy");
        std::vector<int32_t> t32(t + begin, t + begin + m);
        if (t_int64)
          check(cudaMemcpyAsync(d_t.ptr, t + begin, m * sizeof(int64_t), cudaMemcpyHostToDevice, stream), "copy");
        else
          check(cudaMemcpyAsync(d_t.ptr, t32.data(), m * sizeof(int32_t), cudaMemcpyHostToDevice, stream), "copy");
        ctx->setInputShape("keypoints_2d", nvinfer1::Dims4{m, T, J, 2});
        ctx->setInputShape("noisy_3d", nvinfer1::Dims4{m, T, J, 3});
        nvinfer1::Dims t_dims{};
        t_dims.nbDims = 1;
        t_dims.d[0] = m;
        ctx->setInputShape("t", t_dims);
        ctx->setTensorAddress("keypoints_2d", d_kp.ptr);
        ctx->setTensorAddress("noisy_3d", d_noisy.ptr);
        ctx->setTensorAddress("t", d_t.ptr);
        ctx->setTensorAddress("x0", d_out.ptr);
        if (!ctx->enqueueV3(stream)) throw std::runtime_error("TensorRT enqueueV3 failed");
        check(cudaMemcpyAsync(out + begin * pose3, d_out.ptr, m * pose3 * sizeof(float), cudaMemcpyDeviceToHost, stream), "copy");
        check(cudaStreamSynchronize(stream), "cudaStreamSynchronize");
      }
    };
    const auto hyps = posynda::core::sample_poses(denoise, meta, kp.data.data(), noise.data.data(), B,
                                                  static_cast<int>(H), K, flip);  // [B, H, T, J, 3]
    std::vector<float> mean(posynda::core::elements<float>("poses", {B, pose3}), 0.0f);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < pose3; ++i) mean[b * pose3 + i] += hyps[(b * H + h) * pose3 + i];
      for (int64_t i = 0; i < pose3; ++i) mean[b * pose3 + i] /= static_cast<float>(H);
    }
    posynda::write_npy(out_path, {{B, T, J, 3}, mean});
    cudaStreamDestroy(stream);
    std::cerr << "posynda_lift_trt: " << B << " clips, K=" << K << ", H=" << H << " on " << prop.name << " -> " << out_path << "\n";
  } catch (const std::exception& e) {
    std::cerr << "posynda_lift_trt: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
