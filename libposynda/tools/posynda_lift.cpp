// posynda_lift: lift pixel keypoints (.npy) to 3D poses (.npy, mm) with libposynda -- the whole
// sequence at once, or frame by frame through the streaming API.
//
//   posynda_lift --model denoiser.onnx --keypoints kp.npy --size W H --out poses.npy
//                [--confidence conf.npy] [--intrinsics fx fy cx cy k1 k2 k3 p1 p2] [--order h36m|coco]
//                [-H N] [-K N] [--no-flip] [--aggregate mean|joint|frame] [--stride S] [--seed N]
//                [--batch N] [--threads N] [--stream] [--absolute-out abs.npy] [--timing] [--repeat R]
//
// kp.npy: float32 [N, 17, 2] pixels (NaN = missing); conf.npy: float32 [N, 17] (<= 0 = missing).
// poses.npy: float32 [N, 17, 3] root-relative mm; abs.npy: camera-frame mm. --timing prints one JSON
// line to stdout: the lift's seconds (median and minimum over --repeat R runs, the model loaded once) and,
// with --stream, the per-frame push latencies of the last run (p50, p99, max).
// Exit codes: 0 ok, 2 bad input, arguments or model file, 1 ONNX Runtime failed while running.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "npy.hpp"
#include "posynda/posynda.h"

namespace {

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "posynda_lift: " << error << "\n"
            << "usage: posynda_lift --model M.onnx --keypoints KP.npy --size W H --out POSES.npy [--confidence C.npy] "
               "[--intrinsics fx fy cx cy k1 k2 k3 p1 p2] [--order h36m|coco] [-H N] [-K N] [--no-flip] "
               "[--aggregate mean|joint|frame] [--stride S] [--seed N] [--batch N] [--threads N] [--stream] "
               "[--absolute-out ABS.npy] [--timing] [--repeat R]\n";
  std::exit(2);
}

[[noreturn]] void failed(posynda_status status) {
  std::cerr << "posynda_lift: " << posynda_last_error() << "\n";
  std::exit(status == POSYNDA_ERROR_RUNTIME || status == POSYNDA_ERROR_MEMORY ? 1 : 2);
}

long long integer(const char* text) {
  char* end = nullptr;
  const long long v = std::strtoll(text, &end, 10);
  if (!*text || *end) usage(std::string("not an integer: ") + text);
  return v;
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, kp_path, conf_path, out_path, abs_path;
  posynda_settings settings;
  posynda_settings_init(&settings);
  posynda_camera camera{0, 0, 0, {}};
  posynda_joint_order order = POSYNDA_ORDER_H36M;
  posynda_model_options options{0};
  bool stream = false, timing = false;
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--model") model_path = next();
    else if (a == "--keypoints") kp_path = next();
    else if (a == "--confidence") conf_path = next();
    else if (a == "--out") out_path = next();
    else if (a == "--absolute-out") abs_path = next();
    else if (a == "--size") camera.width = static_cast<int>(integer(next())), camera.height = static_cast<int>(integer(next()));
    else if (a == "--intrinsics") {
      camera.has_intrinsics = 1;
      for (int k = 0; k < 9; ++k) camera.intrinsics[k] = std::strtof(next(), nullptr);
    } else if (a == "--order") {
      const std::string o = next();
      if (o == "h36m") order = POSYNDA_ORDER_H36M;
      else if (o == "coco") order = POSYNDA_ORDER_COCO;
      else usage("--order must be h36m or coco");
    } else if (a == "-H" || a == "--hypotheses") settings.hypotheses = static_cast<int>(integer(next()));
    else if (a == "-K" || a == "--steps") settings.steps = static_cast<int>(integer(next()));
    else if (a == "--no-flip") settings.flip = 0;
    else if (a == "--aggregate") {
      const std::string m = next();
      if (m == "mean") settings.aggregate = POSYNDA_AGGREGATE_MEAN;
      else if (m == "joint") settings.aggregate = POSYNDA_AGGREGATE_JOINT;
      else if (m == "frame") settings.aggregate = POSYNDA_AGGREGATE_FRAME;
      else usage("--aggregate must be mean, joint or frame");
    } else if (a == "--stride") settings.stride = static_cast<int>(integer(next()));
    else if (a == "--seed") settings.seed = static_cast<uint64_t>(integer(next()));
    else if (a == "--batch") settings.batch_size = static_cast<int>(integer(next()));
    else if (a == "--threads") options.threads = static_cast<int>(integer(next()));
    else if (a == "--stream") stream = true;
    else if (a == "--timing") timing = true;
    else if (a == "--repeat") repeat = static_cast<int>(integer(next()));
    else usage("unknown argument " + a);
  }
  if (model_path.empty() || kp_path.empty() || out_path.empty()) usage("--model, --keypoints and --out are required");
  if (repeat < 1) usage("--repeat must be >= 1");

  posynda::Array kp, conf;
  try {
    kp = posynda::read_npy(kp_path);
    if (!conf_path.empty()) conf = posynda::read_npy(conf_path);
  } catch (const std::exception& e) {
    usage(e.what());
  }
  if (kp.shape.size() != 3 || kp.shape[2] != 2)
    usage("keypoints must be [N, J, 2] float32, got " + posynda::shape_str(kp.shape));
  const int64_t n = kp.shape[0];
  const int joints = static_cast<int>(kp.shape[1]);
  if (!conf_path.empty() && (conf.shape.size() != 2 || conf.shape[0] != n || conf.shape[1] != joints))
    usage("confidence must be [N, J] matching the keypoints, got " + posynda::shape_str(conf.shape));

  posynda_model* model = nullptr;
  posynda_status status = posynda_model_open(model_path.c_str(), &options, &model);
  if (status != POSYNDA_OK) failed(status);
  std::vector<float> rel(n * POSYNDA_JOINTS * 3), absolute(rel.size());
  std::vector<double> push_ms, run_seconds;
  for (int run = 0; run < repeat; ++run) {
    push_ms.clear();
    const auto t0 = std::chrono::steady_clock::now();
    if (!stream) {
      const posynda_sequence seq{kp.data.data(), conf_path.empty() ? nullptr : conf.data.data(), n, joints, order};
      status = posynda_lift(model, &camera, &settings, &seq, rel.data(), absolute.data());
      if (status != POSYNDA_OK) failed(status);
    } else {
      posynda_stream* s = nullptr;
      status = posynda_stream_open(model, &camera, &settings, order, joints, &s);
      if (status != POSYNDA_OK) failed(status);
      auto store = [&](const posynda_pose& pose) {
        std::memcpy(&rel[pose.frame * POSYNDA_JOINTS * 3], pose.root_relative_mm, sizeof(pose.root_relative_mm));
        std::memcpy(&absolute[pose.frame * POSYNDA_JOINTS * 3], pose.absolute_mm, sizeof(pose.absolute_mm));
      };
      posynda_pose pose;
      for (int64_t f = 0; f < n; ++f) {
        int ready = 0;
        const auto p0 = std::chrono::steady_clock::now();
        status = posynda_stream_push(s, &kp.data[f * joints * 2], conf_path.empty() ? nullptr : &conf.data[f * joints], &pose,
                                     &ready);
        push_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p0).count());
        if (status != POSYNDA_OK) failed(status);
        if (ready) store(pose);
      }
      std::vector<posynda_pose> rest(static_cast<size_t>(posynda_stream_latency(s)) + 1);
      int count = 0;
      status = posynda_stream_finish(s, rest.data(), static_cast<int>(rest.size()), &count);
      if (status != POSYNDA_OK) failed(status);
      for (int k = 0; k < count; ++k) store(rest[k]);
      posynda_stream_close(s);
    }
    run_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  posynda_model_close(model);
  try {
    posynda::write_npy(out_path, {{n, POSYNDA_JOINTS, 3}, rel});
    if (!abs_path.empty()) posynda::write_npy(abs_path, {{n, POSYNDA_JOINTS, 3}, absolute});
  } catch (const std::exception& e) {
    std::cerr << "posynda_lift: " << e.what() << "\n";
    return 1;
  }
  if (timing) {
    std::cout << "{\"frames\": " << n << ", \"seconds\": " << percentile(run_seconds, 0.5)
              << ", \"seconds_min\": " << percentile(run_seconds, 0.0) << ", \"runs\": " << repeat
              << ", \"stream\": " << (stream ? "true" : "false");
    if (stream)
      std::cout << ", \"push_ms_p50\": " << percentile(push_ms, 0.5) << ", \"push_ms_p99\": " << percentile(push_ms, 0.99)
                << ", \"push_ms_max\": " << percentile(push_ms, 1.0);
    std::cout << "}\n";
  }
  return 0;
}
