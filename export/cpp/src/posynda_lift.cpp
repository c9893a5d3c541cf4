// posynda_lift: lift normalised 2D keypoint clips to 3D with an exported posynda ONNX model and
// ONNX Runtime's C++ API.
//
//   posynda_lift --model denoiser.onnx --keypoints kp.npy --noise noise.npy --out poses.npy
//                [--no-flip] [--threads N] [--hypotheses-out all.npy]
//
// kp.npy:    float32 [B, T, J, 2], 2D in the canonical camera (u' = F (u - cx) / fx, v' = F (v - cy) / fy,
//            F = the model's canonical_focal metadata)
// noise.npy: float32 [K+1, B, H, T, J, 3], N(0, 1); K and H are read from its shape
// poses.npy: float32 [B, T, J, 3], root-relative metres, mean of the H hypotheses
//
// With denoiser.onnx the K-step DDIM loop runs here (ddim.hpp, the same math as the Python
// sampler); with sampler.onnx (posynda export --sampler) the whole sampler is one Run.
#include <onnxruntime_cxx_api.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ddim.hpp"
#include "npy.hpp"

namespace {

struct Options {
  std::string model, keypoints, noise, out, hypotheses_out;
  bool flip = true;
  int threads = 0;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "posynda_lift: " << error << "\n"
            << "usage: posynda_lift --model M.onnx --keypoints KP.npy --noise NOISE.npy --out POSES.npy "
               "[--no-flip] [--threads N] [--hypotheses-out ALL.npy]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") o.model = value();
    else if (a == "--keypoints") o.keypoints = value();
    else if (a == "--noise") o.noise = value();
    else if (a == "--out") o.out = value();
    else if (a == "--hypotheses-out") o.hypotheses_out = value();
    else if (a == "--threads") o.threads = std::stoi(value());
    else if (a == "--no-flip") o.flip = false;
    else if (a == "--flip") o.flip = true;
    else if (a == "-h" || a == "--help") usage("help");
    else usage("unknown argument " + a);
  }
  if (o.model.empty() || o.keypoints.empty() || o.noise.empty() || o.out.empty())
    usage("--model, --keypoints, --noise and --out are required");
  return o;
}

std::string metadata(Ort::Session& session, const char* key) {
  Ort::AllocatorWithDefaultOptions alloc;
  Ort::ModelMetadata meta = session.GetModelMetadata();
  auto value = meta.LookupCustomMetadataMapAllocated(key, alloc);
  return value ? std::string(value.get()) : std::string();
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse(argc, argv);
  try {
    posynda::Array kp = posynda::read_npy(opt.keypoints);
    posynda::Array noise = posynda::read_npy(opt.noise);
    if (kp.shape.size() != 4 || kp.shape[3] != 2) usage(opt.keypoints + ": expected [B, T, J, 2], got " + posynda::shape_str(kp.shape));
    const int64_t B = kp.shape[0], T = kp.shape[1], J = kp.shape[2];
    if (noise.shape.size() != 6 || noise.shape[1] != B || noise.shape[3] != T || noise.shape[4] != J || noise.shape[5] != 3)
      usage(opt.noise + ": expected [K+1, B, H, T, J, 3] matching the keypoints, got " + posynda::shape_str(noise.shape));
    const int K = static_cast<int>(noise.shape[0] - 1);
    const int64_t H = noise.shape[2];
    if (K < 1 || H < 1) usage("noise must hold K >= 1 steps and H >= 1 hypotheses");

    Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "posynda_lift");
    Ort::SessionOptions so;
    int threads = opt.threads > 0 ? opt.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    so.SetIntraOpNumThreads(threads);
    so.SetInterOpNumThreads(1);
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    Ort::Session session(env, opt.model.c_str(), so);
    const std::string graph = metadata(session, "graph");
    const std::string window = metadata(session, "window_frames");
    if (!window.empty() && std::stoll(window) != T)
      usage("the model's window is " + window + " frames, the keypoints have T = " + std::to_string(T));
    auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    auto t0 = std::chrono::steady_clock::now();
    const int64_t pose3 = T * J * 3;
    std::vector<float> result;
    if (graph == "sampler") {
      // One Run: K steps, H hypotheses and the mean are inside the graph.
      std::vector<Ort::Value> inputs;
      inputs.push_back(Ort::Value::CreateTensor<float>(mem, kp.data.data(), kp.data.size(), kp.shape.data(), kp.shape.size()));
      inputs.push_back(Ort::Value::CreateTensor<float>(mem, noise.data.data(), noise.data.size(), noise.shape.data(), noise.shape.size()));
      const char* in_names[] = {"keypoints_2d", "noise"};
      const char* out_names[] = {"poses"};
      auto out = session.Run(Ort::RunOptions{nullptr}, in_names, inputs.data(), inputs.size(), out_names, 1);
      const float* p = out[0].GetTensorData<float>();
      result.assign(p, p + B * pose3);
      std::cerr << "posynda_lift: sampler graph (K=" << metadata(session, "sampler_steps")
                << ", H=" << metadata(session, "sampler_hypotheses") << ", flip=" << metadata(session, "sampler_flip")
                << "), one Run\n";
    } else {
      posynda::SchedulerConfig cfg = posynda::parse_scheduler(metadata(session, "scheduler"));
      posynda::Denoiser denoiser = [&](const std::vector<float>& cond, const std::vector<float>& noisy,
                                       const std::vector<int64_t>& t, int64_t n) {
        std::vector<int64_t> s2{n, T, J, 2}, s3{n, T, J, 3}, s1{n};
        std::vector<Ort::Value> inputs;
        inputs.push_back(Ort::Value::CreateTensor<float>(mem, const_cast<float*>(cond.data()), cond.size(), s2.data(), 4));
        inputs.push_back(Ort::Value::CreateTensor<float>(mem, const_cast<float*>(noisy.data()), noisy.size(), s3.data(), 4));
        inputs.push_back(Ort::Value::CreateTensor<int64_t>(mem, const_cast<int64_t*>(t.data()), t.size(), s1.data(), 1));
        const char* in_names[] = {"keypoints_2d", "noisy_3d", "t"};
        const char* out_names[] = {"x0"};
        auto out = session.Run(Ort::RunOptions{nullptr}, in_names, inputs.data(), inputs.size(), out_names, 1);
        const float* p = out[0].GetTensorData<float>();
        return std::vector<float>(p, p + n * pose3);
      };
      std::vector<float> hyps = posynda::sample_poses(denoiser, kp.data, noise.data, B, H, T, static_cast<int>(J), K, opt.flip, cfg);
      if (!opt.hypotheses_out.empty()) posynda::write_npy(opt.hypotheses_out, {{B, H, T, J, 3}, hyps});
      result = posynda::mean_hypotheses(hyps, B, H, pose3);
      std::cerr << "posynda_lift: denoiser graph, DDIM K=" << K << ", H=" << H << ", flip=" << (opt.flip ? "true" : "false")
                << ", eta=" << cfg.eta << "\n";
    }
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    posynda::write_npy(opt.out, {{B, T, J, 3}, result});
    std::cerr << "posynda_lift: " << B << " clips of " << T << " frames in " << ms << " ms (ONNX Runtime CPU, "
              << threads << " threads) -> " << opt.out << "\n";
  } catch (const Ort::Exception& e) {
    std::cerr << "posynda_lift: onnxruntime error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "posynda_lift: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
