// posynda_lift: lift pixel keypoints (.npy) to 3D poses (.npy, mm) with libposynda -- the whole
// sequence at once, or frame by frame through the streaming API.
//
//   posynda_lift --model denoiser.onnx --keypoints kp.npy --size W H --out poses.npy
//                [--confidence conf.npy] [--intrinsics fx fy cx cy k1 k2 k3 p1 p2] [--order h36m|coco|blazepose33]
//                [-H N] [-K N] [--no-flip] [--aggregate mean|joint|frame] [--stride S] [--seed N] [--sequence S]
//                [--batch N] [--threads N] [--stream] [--absolute-out abs.npy] [--timing] [--repeat R]
//                [--root-window SECONDS] [--fps F]
//
// kp.npy: float32 [N, 17, 2] pixels ([N, 33, 2] for --order blazepose33) (NaN = missing; +-inf refused); conf.npy: float32 [N, 17] in [0, 1]
// (0 = missing). poses.npy: float32 [N, 17, 3] root-relative mm; abs.npy: camera-frame mm; both written
// atomically (PATH.tmp renamed; on a failed write neither file is touched and no .tmp is left). --timing
// prints one JSON line to stdout: the lift's seconds (median and minimum over --repeat R runs, the model
// loaded once) and, with --stream, the per-frame push latencies of the last run (p50, p99, max, mean) and
// the median of the pushes that ran a window (window_push_ms_median; null when none did). --root-window: each
// root's depth the running median over that many seconds (default 0.5, as `posynda lift`; 0: each frame's own;
// a --stream places each root on its own), counted at --fps frames per second (default: not known, 50).
// --sequence S: the noise of sequence S of a keypoint file (default 0; docs/noise.md), so that kp.npy cut from
// sequence S of a `posynda lift --input` file gets that lift's poses.
// Arguments are checked whole: an integer must fit an int (the seed: [0, 2^64), --sequence [0, 2^32)), a number
// must be a finite float32; a bad one is one line on stderr and exit 2.
// Exit codes: 0 ok, 2 bad input, arguments or model file, 1 ONNX Runtime failed while running or the output
// could not be written.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "npy.hpp"
#include "posynda/posynda.h"

namespace {

const char* const kUsage =
    "usage: posynda_lift --model M.onnx --keypoints KP.npy --size W H --out POSES.npy [--confidence C.npy] "
    "[--intrinsics fx fy cx cy k1 k2 k3 p1 p2] [--order h36m|coco|blazepose33] [-H N] [-K N] [--no-flip] "
    "[--aggregate mean|joint|frame] [--stride S] [--seed N] [--sequence S] [--batch N] [--threads N] [--stream] "
    "[--absolute-out ABS.npy] [--timing] [--repeat R] [--root-window SECONDS] [--fps F]";

// One line on stderr, exit 2: a bad input file (refuse) or a bad command line (usage).
[[noreturn]] void refuse(const std::string& error, const char* suffix = "") {
  std::string line = error;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "posynda_lift: " << line << suffix << "\n";
  std::exit(2);
}

[[noreturn]] void usage(const std::string& error) { refuse(error, " (posynda_lift --help for usage)"); }

[[noreturn]] void failed(posynda_status status) {
  std::cerr << "posynda_lift: " << posynda_last_error() << "\n";
  std::exit(status == POSYNDA_ERROR_RUNTIME || status == POSYNDA_ERROR_MEMORY ? 1 : 2);
}

std::string quoted(const char* text) { return "'" + std::string(text).substr(0, 40) + "'"; }

// A decimal integer, all of `text`, in [least, most] (no silent wrap: strtoll's ERANGE is an error too).
long long integer(const std::string& name, const char* text, long long least, long long most) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text, &end, 10);
  const bool digits = *text && !std::isspace(static_cast<unsigned char>(*text)) && *end == '\0';
  if (!digits || errno == ERANGE || v < least || v > most)
    usage(name + " must be an integer in [" + std::to_string(least) + ", " + std::to_string(most) + "], got " +
          quoted(text));
  return v;
}

int int_arg(const std::string& name, const char* text) {
  return static_cast<int>(integer(name, text, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

uint64_t seed_arg(const char* text) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  const bool digits = *text >= '0' && *text <= '9' && *end == '\0';
  if (!digits || errno == ERANGE) usage("--seed must be an integer in [0, 2^64), got " + quoted(text));
  return static_cast<uint64_t>(v);
}

// A number, all of `text`, finite as a float32 (no silent 0 for "abc", no inf for 1e39).
float float_arg(const std::string& name, const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  const bool whole = *text && !std::isspace(static_cast<unsigned char>(*text)) && *end == '\0';
  if (!whole || !std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max())
    usage(name + " needs finite numbers, got " + quoted(text));
  return static_cast<float>(v);
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5)];
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double mean(const std::vector<double>& v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, kp_path, conf_path, out_path, abs_path;
  posynda_settings settings;
  posynda_settings_init(&settings);
  posynda_camera camera;
  posynda_camera_init(&camera, 0, 0);
  posynda_joint_order order = POSYNDA_ORDER_H36M;
  posynda_model_options options;
  posynda_model_options_init(&options);
  bool stream = false, timing = false;
  double fps = 0.0;  // not known
  int repeat = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage << "\n";
      return 0;
    } else if (a == "--model") model_path = next();
    else if (a == "--keypoints") kp_path = next();
    else if (a == "--confidence") conf_path = next();
    else if (a == "--out") out_path = next();
    else if (a == "--absolute-out") abs_path = next();
    else if (a == "--size") {
      camera.width = int_arg("--size", next());
      camera.height = int_arg("--size", next());
    } else if (a == "--intrinsics") {
      camera.has_intrinsics = 1;
      for (int k = 0; k < 9; ++k) camera.intrinsics[k] = float_arg("--intrinsics", next());
    } else if (a == "--order") {
      const std::string o = next();
      if (o == "h36m") order = POSYNDA_ORDER_H36M;
      else if (o == "coco") order = POSYNDA_ORDER_COCO;
      else if (o == "blazepose33") order = POSYNDA_ORDER_BLAZEPOSE33;
      else usage("--order must be h36m, coco or blazepose33");
    } else if (a == "-H" || a == "--hypotheses") settings.hypotheses = int_arg(a, next());
    else if (a == "-K" || a == "--steps") settings.steps = int_arg(a, next());
    else if (a == "--no-flip") settings.flip = 0;
    else if (a == "--aggregate") {
      const std::string m = next();
      if (m == "mean") settings.aggregate = POSYNDA_AGGREGATE_MEAN;
      else if (m == "joint") settings.aggregate = POSYNDA_AGGREGATE_JOINT;
      else if (m == "frame") settings.aggregate = POSYNDA_AGGREGATE_FRAME;
      else usage("--aggregate must be mean, joint or frame");
    } else if (a == "--stride") settings.stride = int_arg(a, next());
    else if (a == "--seed") settings.seed = seed_arg(next());
    else if (a == "--sequence")  // the noise of sequence S of a keypoint file (docs/noise.md)
      settings.sequence = static_cast<uint32_t>(integer(a, next(), 0, std::numeric_limits<uint32_t>::max()));
    else if (a == "--batch") settings.batch_size = int_arg(a, next());
    else if (a == "--threads") options.threads = int_arg(a, next());
    else if (a == "--stream") stream = true;
    else if (a == "--timing") timing = true;
    else if (a == "--repeat") repeat = static_cast<int>(integer(a, next(), 1, 1000000));
    else if (a == "--root-window") settings.root_window_s = float_arg(a, next());  // its range: the library's
    else if (a == "--fps") fps = float_arg(a, next());
    else usage("unknown argument " + a);
  }
  if (model_path.empty() || kp_path.empty() || out_path.empty()) usage("--model, --keypoints and --out are required");

  posynda::Array kp, conf;
  try {
    kp = posynda::read_npy(kp_path);
    if (!conf_path.empty()) conf = posynda::read_npy(conf_path);
  } catch (const std::exception& e) {
    refuse(e.what());
  }
  if (kp.shape.size() != 3 || kp.shape[2] != 2)
    refuse("keypoints must be [N, J, 2] float32, got " + posynda::shape_str(kp.shape));
  const int64_t n = kp.shape[0];
  // the order's joints (17; 33 for BlazePose), checked here first, so that the outputs below are never sized
  // from a frame count a file of zero-joint frames can make arbitrarily large
  const int joints = order == POSYNDA_ORDER_BLAZEPOSE33 ? 33 : POSYNDA_JOINTS;
  if (kp.shape[1] != joints)
    refuse("keypoints must have " + std::to_string(joints) + " joints, got " + std::to_string(kp.shape[1]) +
           " (shape " + posynda::shape_str(kp.shape) + ")");
  if (!conf_path.empty() && (conf.shape.size() != 2 || conf.shape[0] != n || conf.shape[1] != joints))
    refuse("confidence must be [N, J] matching the keypoints, got " + posynda::shape_str(conf.shape));

  posynda_model* model = nullptr;
  posynda_status status = posynda_model_open(model_path.c_str(), &options, &model);
  if (status != POSYNDA_OK) failed(status);
  posynda_model_info info;
  posynda_model_info_init(&info);
  status = posynda_model_get_info(model, &info);
  if (status != POSYNDA_OK) failed(status);
  // n x 17 x 3 floats: the file holds n x joints x 2 (>= 17) of them, so this fits (n <= file size / 136)
  std::vector<float> rel(static_cast<size_t>(n) * POSYNDA_JOINTS * 3), absolute(rel.size());
  std::vector<double> push_ms, window_push_ms, run_seconds;
  const int64_t T = info.window_frames, stride = settings.stride > 0 ? settings.stride : T;
  for (int run = 0; run < repeat; ++run) {
    push_ms.clear();
    window_push_ms.clear();
    const auto t0 = std::chrono::steady_clock::now();
    if (!stream) {
      posynda_sequence seq;
      posynda_sequence_init(&seq);
      seq.keypoints = kp.data.data();
      seq.confidence = conf_path.empty() ? nullptr : conf.data.data();
      seq.frames = n;
      seq.joints = joints;
      seq.order = order;
      seq.fps = fps;
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
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - p0).count();
        push_ms.push_back(ms);
        if (f >= T - 1 && (f - (T - 1)) % stride == 0) window_push_ms.push_back(ms);  // this push lifted a window
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
  const posynda::Array rel_array{{n, POSYNDA_JOINTS, 3}, std::move(rel)}, abs_array{{n, POSYNDA_JOINTS, 3}, std::move(absolute)};
  try {
    std::vector<std::pair<std::string, const posynda::Array*>> files{{out_path, &rel_array}};
    if (!abs_path.empty()) files.emplace_back(abs_path, &abs_array);
    posynda::write_npys(files);
  } catch (const std::exception& e) {
    std::cerr << "posynda_lift: " << e.what() << "\n";
    return 1;
  }
  if (timing) {
    std::cout << "{\"frames\": " << n << ", \"seconds\": " << percentile(run_seconds, 0.5)
              << ", \"seconds_min\": " << percentile(run_seconds, 0.0) << ", \"runs\": " << repeat
              << ", \"stream\": " << (stream ? "true" : "false");
    if (stream) {
      std::cout << ", \"push_ms_p50\": " << percentile(push_ms, 0.5) << ", \"push_ms_p99\": " << percentile(push_ms, 0.99)
                << ", \"push_ms_max\": " << percentile(push_ms, 1.0) << ", \"push_ms_mean\": " << mean(push_ms)
                << ", \"window_push_ms_median\": ";
      if (window_push_ms.empty()) std::cout << "null";
      else std::cout << median(window_push_ms);
    }
    std::cout << "}\n";
  }
  return 0;
}
