// C++17 RAII wrapper of the libposynda C API (posynda/posynda.h): handles close themselves, a failing
// call throws posynda::Error (status + message). Header-only; the library itself stays C at its boundary.
//
//   posynda::Model model("denoiser.onnx");
//   posynda::Stream stream(model, posynda::Camera(1920, 1080), posynda::Settings(), POSYNDA_ORDER_COCO);
//   if (auto pose = stream.push(keypoints, scores)) use(*pose);     // std::optional<posynda_pose>
//   for (const auto& pose : stream.finish()) use(pose);
#ifndef POSYNDA_POSYNDA_HPP
#define POSYNDA_POSYNDA_HPP

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "posynda/posynda.h"

namespace posynda {

// What a failing call threw: its status and posynda_last_error()'s message (also the library's own error type).
class Error : public std::runtime_error {
 public:
  Error(posynda_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  posynda_status status() const { return status_; }

 private:
  posynda_status status_;
};

inline void check(posynda_status status) {
  if (status != POSYNDA_OK) throw Error(status, posynda_last_error());
}

// The C structs with their struct_size filled (posynda.h: ABI); their fields are public, as in C.
struct Settings : posynda_settings {
  Settings() : posynda_settings() { check(posynda_settings_init(this)); }
};

struct Camera : posynda_camera {
  Camera(int width, int height) : posynda_camera() { check(posynda_camera_init(this, width, height)); }
  Camera(int width, int height, const float (&intrinsics)[9]) : Camera(width, height) {
    has_intrinsics = 1;
    for (int i = 0; i < 9; ++i) this->intrinsics[i] = intrinsics[i];
  }
};

class Model {
 public:
  explicit Model(const std::string& path, int threads = 0) {
    posynda_model_options options;
    check(posynda_model_options_init(&options));
    options.threads = threads;
    check(posynda_model_open(path.c_str(), &options, &handle_));
  }
  ~Model() { posynda_model_close(handle_); }
  Model(Model&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Model& operator=(Model&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  posynda_model_info info() const {
    posynda_model_info info;
    check(posynda_model_info_init(&info));
    check(posynda_model_get_info(handle_, &info));
    return info;
  }

  // Lift a whole sequence: keypoints [frames][17][2] pixels -> (root-relative, absolute) [frames][17][3] mm; fps:
  // the sequence's frame rate, what settings.root_window_s counts in (0: not known, 50).
  std::pair<std::vector<float>, std::vector<float>> lift(const Camera& camera, const Settings& settings,
                                                         const std::vector<float>& keypoints,
                                                         const std::vector<float>* confidence = nullptr,
                                                         posynda_joint_order order = POSYNDA_ORDER_H36M,
                                                         double fps = 0.0) {
    const int64_t frames = static_cast<int64_t>(keypoints.size() / (2 * POSYNDA_JOINTS));
    if (keypoints.size() != static_cast<size_t>(frames) * 2 * POSYNDA_JOINTS)
      throw Error(POSYNDA_ERROR_INPUT, "keypoints must hold frames x 17 x 2 floats");
    if (confidence && confidence->size() != static_cast<size_t>(frames) * POSYNDA_JOINTS)
      throw Error(POSYNDA_ERROR_INPUT, "confidence must hold frames x 17 floats");
    posynda_sequence seq;
    check(posynda_sequence_init(&seq));
    seq.keypoints = keypoints.data();
    seq.confidence = confidence ? confidence->data() : nullptr;
    seq.frames = frames;
    seq.order = order;
    seq.fps = fps;
    // keypoints.size() / 2 * 3 floats: no overflow (the vector of keypoints exists)
    std::vector<float> relative(keypoints.size() / 2 * 3), absolute(relative.size());
    check(posynda_lift(handle_, &camera, &settings, &seq, relative.data(), absolute.data()));
    return {std::move(relative), std::move(absolute)};
  }

  posynda_model* get() const { return handle_; }

 private:
  posynda_model* handle_ = nullptr;
};

class Stream {
 public:
  Stream(Model& model, const Camera& camera, const Settings& settings = Settings(),
         posynda_joint_order order = POSYNDA_ORDER_H36M) {
    check(posynda_stream_open(model.get(), &camera, &settings, order, POSYNDA_JOINTS, &handle_));
  }
  ~Stream() { posynda_stream_close(handle_); }
  Stream(Stream&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  int latency() const { return posynda_stream_latency(handle_); }

  // Push frame t ([17][2] pixels, NaN = missing; confidence [17] or null): the pose of frame t - L once L frames are in.
  std::optional<posynda_pose> push(const float* keypoints, const float* confidence = nullptr) {
    posynda_pose pose;
    int ready = 0;
    check(posynda_stream_push(handle_, keypoints, confidence, &pose, &ready));
    return ready ? std::optional<posynda_pose>(pose) : std::nullopt;
  }

  std::vector<posynda_pose> finish() {
    std::vector<posynda_pose> poses(static_cast<size_t>(latency()));
    int count = 0;
    check(posynda_stream_finish(handle_, poses.data(), static_cast<int>(poses.size()), &count));
    poses.resize(static_cast<size_t>(count));
    return poses;
  }

 private:
  posynda_stream* handle_ = nullptr;
};

}  // namespace posynda

#endif  // POSYNDA_POSYNDA_HPP
