// libFuzzer harness (b): the keypoint input of posynda_lift and posynda_stream_push -- fuzzed keypoints,
// confidence, camera, settings, struct sizes, frame count, joint count and order -- on a real model opened
// once (its path: POSYNDA_FUZZ_MODEL; run.sh exports the shipped model with `posynda export`).
//
// Input layout (little-endian, read front to back, zeros once exhausted; corpus/README.md):
//   u8 flags   1 stream, 2 confidence, 4 raw float32 keypoints/confidence (else u16 pixels / u8 scores),
//              8 intrinsics, 16 a frame count out of range, 32 no absolute output
//   i32 H, K, batch, stride, aggregate; u8 flip; u64 seed     a value inside its valid range is folded to a
//              small one (H 1-2, K 1-3, batch 1-8, stride 0-39) to keep runs fast; outside it stays as is
//   i32 width, height; f32 intrinsics[9]; i32 order, joints; u32 struct sizes of settings, camera, sequence
//              (0 = the right size); i64 frames (used with flag 16); u8 frames (1-64)
//   keypoints [frames][17][2]: f32, or u16 v -> v / 16 px (0xffff NaN, 0xfffe +inf, 0xfffd -inf)
//   confidence [frames][17]: f32, or u8 v -> v / 250 (251 NaN, 252 +inf, 253 -0.5, 254 1.5)
//   f64 root_window_s, fps    appended later: read by the library only where the struct sizes hold them
//   u32 sequence              appended after them: the noise's sequence (any value is valid)
//
// Invariants: every call returns a status of the enum with a message when not OK; nothing crashes; a value
// out of range (setting, image size, focal length, frame count, joints, order, struct size, +-inf keypoint,
// confidence outside [0, 1]) is never accepted; POSYNDA_OK never comes with a non-finite pose (and the root
// joint is at 0); a refused frame does not break the stream.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "limits.hpp"
#include "posynda/posynda.h"

namespace lim = posynda::core::limits;

// The earlier versions' struct sizes (src/api.cpp): a struct_size is one of them or at least this version's.
constexpr uint32_t kSettingsV1 = offsetof(posynda_settings, root_window_s);
constexpr uint32_t kSettingsV2 = offsetof(posynda_settings, sequence);
constexpr uint32_t kSequenceV1 = offsetof(posynda_sequence, fps);
bool struct_version(uint32_t size, std::initializer_list<uint32_t> earlier, size_t now) {
  return size >= now || std::find(earlier.begin(), earlier.end(), size) != earlier.end();
}

extern "C" posynda_status fuzz_stream_open(posynda_model* model, const posynda_camera* camera,
                                           const posynda_settings* settings, int order, int joints,
                                           posynda_stream** stream);  // fuzz_shim.c

namespace {

posynda_model* g_model = nullptr;
posynda_model_info g_info;

bool valid_status(posynda_status s) { return s >= POSYNDA_OK && s <= POSYNDA_ERROR_MEMORY; }

void check_status(posynda_status s, const char* call) {
  FUZZ_CHECK(valid_status(s), "%s returned %d", call, static_cast<int>(s));
  if (s != POSYNDA_OK) FUZZ_CHECK(*posynda_last_error() != '\0', "%s failed without a message", call);
}

// A setting: inside [least, most] it is folded into [least, least + span) (a fast run); outside it stays.
int setting(int raw, int least, int most, int span, bool& out_of_range) {
  if (raw < least || raw > most) {
    out_of_range = true;
    return raw;
  }
  return least + static_cast<int>((static_cast<int64_t>(raw) - least) % span);
}

bool finite(const float* v, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* path = std::getenv("POSYNDA_FUZZ_MODEL");
  FUZZ_CHECK(path && *path, "set POSYNDA_FUZZ_MODEL to an exported denoiser.onnx (run.sh does)");
  posynda_model_options options;
  posynda_model_options_init(&options);
  options.threads = 1;
  FUZZ_CHECK(posynda_model_open(path, &options, &g_model) == POSYNDA_OK, "%s", posynda_last_error());
  posynda_model_info_init(&g_info);
  FUZZ_CHECK(posynda_model_get_info(g_model, &g_info) == POSYNDA_OK, "%s", posynda_last_error());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Bytes in(data, size);
  const uint8_t flags = in.take<uint8_t>();
  const bool stream = flags & 1, has_conf = flags & 2, raw = flags & 4, lie = flags & 16, no_abs = flags & 32;
  bool refused = false;  // an input the library must refuse

  posynda_settings settings;
  posynda_settings_init(&settings);
  settings.hypotheses = setting(in.take<int32_t>(), 1, lim::MAX_HYPOTHESES, 2, refused);
  settings.steps = setting(in.take<int32_t>(), 1, lim::MAX_STEPS, 3, refused);
  settings.batch_size = setting(in.take<int32_t>(), 1, lim::MAX_BATCH, 8, refused);
  settings.stride = setting(in.take<int32_t>(), 0, lim::MAX_WINDOW_FRAMES, 40, refused);
  const int aggregate = setting(in.take<int32_t>(), 0, 2, 3, refused);
  std::memcpy(&settings.aggregate, &aggregate, sizeof aggregate);  // any int, as a C caller can store
  settings.flip = in.take<uint8_t>();
  settings.seed = in.take<uint64_t>();

  posynda_camera camera;
  posynda_camera_init(&camera, 0, 0);
  camera.width = in.take<int32_t>();
  camera.height = in.take<int32_t>();
  if (camera.width < 1 || camera.height < 1 || camera.width > lim::MAX_IMAGE_SIDE || camera.height > lim::MAX_IMAGE_SIDE)
    refused = true;
  camera.has_intrinsics = (flags & 8) ? 1 : 0;
  for (float& k : camera.intrinsics) k = in.take<float>();
  if (camera.has_intrinsics) {
    if (!finite(camera.intrinsics, 9)) refused = true;
    for (int i = 0; i < 2; ++i)
      if (!(camera.intrinsics[i] >= lim::MIN_FOCAL_PX && camera.intrinsics[i] <= lim::MAX_FOCAL_PX)) refused = true;
  }

  const int32_t order = in.take<int32_t>(), joints = in.take<int32_t>();
  if ((order != POSYNDA_ORDER_H36M && order != POSYNDA_ORDER_COCO) || joints != POSYNDA_JOINTS) refused = true;
  const uint32_t sizes[3] = {in.take<uint32_t>(), in.take<uint32_t>(), in.take<uint32_t>()};
  if (sizes[0])
    settings.struct_size = sizes[0], refused |= !struct_version(sizes[0], {kSettingsV1, kSettingsV2}, sizeof settings);
  if (sizes[1]) camera.struct_size = sizes[1], refused |= sizes[1] < sizeof(posynda_camera);
  const int64_t lied_frames = in.take<int64_t>();
  const int frames = 1 + in.take<uint8_t>() % 64;

  // keypoints and confidence: exactly `frames` frames of 17 joints (a buffer for `joints` when that is less)
  std::vector<float> kp(static_cast<size_t>(frames) * 17 * 2), conf(static_cast<size_t>(frames) * 17);
  for (float& v : kp) {
    if (raw) {
      v = in.take<float>();
    } else {
      const uint16_t u = in.take<uint16_t>();
      v = u == 0xffff ? NAN : u == 0xfffe ? INFINITY : u == 0xfffd ? -INFINITY : static_cast<float>(u) / 16.0f;
    }
  }
  for (float& v : conf) {
    if (raw) {
      v = in.take<float>();
    } else {
      const uint8_t u = in.take<uint8_t>();
      v = u == 251 ? NAN : u == 252 ? INFINITY : u == 253 ? -0.5f : u == 254 ? 1.5f : static_cast<float>(u) / 250.0f;
    }
  }
  // appended to the layout (an input that ends before them reads 0, 0): the roots' window and the frame rate
  settings.root_window_s = in.take<double>();
  const double fps = in.take<double>();
  settings.sequence = in.take<uint32_t>();  // read only when the struct holds it; every value is valid
  const bool window_read = settings.struct_size >= kSettingsV2;  // a first-version struct's is not
  if (window_read && !(settings.root_window_s >= 0.0 && settings.root_window_s <= lim::MAX_ROOT_WINDOW_S))
    refused = true;
  bool bad_values = false;  // refused, but only once the frame is reached (a stream pushes the frames before it)
  for (float v : kp) bad_values |= std::isinf(v);
  if (has_conf)
    for (float v : conf) bad_values |= !(std::isfinite(v) && v >= 0.0f && v <= 1.0f);
  const float* confidence = has_conf ? conf.data() : nullptr;
  const size_t pose_values = static_cast<size_t>(frames) * 17 * 3;

  if (!stream) {
    posynda_sequence seq;
    posynda_sequence_init(&seq);
    if (sizes[2]) seq.struct_size = sizes[2], refused |= !struct_version(sizes[2], {kSequenceV1}, sizeof seq);
    seq.fps = fps;  // read only when the struct holds it
    if (seq.struct_size >= sizeof seq && !(fps == 0.0 || (fps > 0.0 && fps <= lim::MAX_FPS))) refused = true;
    seq.keypoints = kp.data();
    seq.confidence = confidence;
    seq.joints = joints;
    std::memcpy(&seq.order, &order, sizeof order);  // any int, as a C caller can store
    seq.frames = frames;
    if (lie) {  // a frame count the buffers do not hold: only ever refused, never read
      seq.frames = (lied_frames >= 1 && lied_frames <= lim::MAX_SEQUENCE_FRAMES) ? -lied_frames : lied_frames;
      refused = true;
    }
    std::vector<float> rel(pose_values, NAN), absolute(pose_values, NAN);
    const posynda_status s =
        posynda_lift(g_model, &camera, &settings, &seq, rel.data(), no_abs ? nullptr : absolute.data());
    check_status(s, "posynda_lift");
    if (refused || bad_values) FUZZ_CHECK(s != POSYNDA_OK, "an out-of-range input was accepted");
    if (s == POSYNDA_OK) {
      FUZZ_CHECK(finite(rel.data(), rel.size()), "POSYNDA_OK with non-finite root-relative poses");
      FUZZ_CHECK(no_abs || finite(absolute.data(), absolute.size()), "POSYNDA_OK with non-finite absolute poses");
      for (int f = 0; f < frames; ++f)
        FUZZ_CHECK(rel[f * 51] == 0 && rel[f * 51 + 1] == 0 && rel[f * 51 + 2] == 0, "root of frame %d not at 0", f);
    }
    return 0;
  }

  posynda_stream* st = nullptr;
  posynda_status s = fuzz_stream_open(g_model, &camera, &settings, order, joints, &st);
  check_status(s, "posynda_stream_open");
  if (refused) FUZZ_CHECK(s != POSYNDA_OK, "an out-of-range stream was opened");
  if (s != POSYNDA_OK) {
    FUZZ_CHECK(st == nullptr, "a refused open left a handle");
    return 0;
  }
  bool failed = false;  // a push failed after the stream moved on: later calls are refused (STATE)
  int64_t emitted = 0;
  for (int f = 0; f < frames; ++f) {
    const float* frame_kp = &kp[static_cast<size_t>(f) * 34];
    const float* frame_conf = confidence ? confidence + static_cast<size_t>(f) * 17 : nullptr;
    bool bad_frame = false;
    for (int i = 0; i < 34; ++i) bad_frame |= std::isinf(frame_kp[i]);
    for (int i = 0; frame_conf && i < 17; ++i)
      bad_frame |= !(std::isfinite(frame_conf[i]) && frame_conf[i] >= 0.0f && frame_conf[i] <= 1.0f);
    posynda_pose pose;
    int ready = -1;
    s = posynda_stream_push(st, frame_kp, frame_conf, &pose, &ready);
    check_status(s, "posynda_stream_push");
    FUZZ_CHECK(ready == 0 || (s == POSYNDA_OK && ready == 1), "ready %d with status %d", ready, static_cast<int>(s));
    if (failed) {
      FUZZ_CHECK(s == POSYNDA_ERROR_STATE, "a failed stream accepted a push (status %d)", static_cast<int>(s));
      continue;
    }
    if (bad_frame) {  // refused before anything moves; the stream goes on
      FUZZ_CHECK(s == POSYNDA_ERROR_INPUT, "a frame with +-inf or a bad confidence got status %d", static_cast<int>(s));
      continue;
    }
    FUZZ_CHECK(s != POSYNDA_ERROR_STATE, "a good frame after refused ones got STATE: %s", posynda_last_error());
    if (s != POSYNDA_OK) {
      failed = true;
      continue;
    }
    if (ready) {
      FUZZ_CHECK(pose.frame == emitted, "pose of frame %lld, expected %lld", static_cast<long long>(pose.frame),
                 static_cast<long long>(emitted));
      FUZZ_CHECK(finite(&pose.root_relative_mm[0][0], 51) && finite(&pose.absolute_mm[0][0], 51),
                 "POSYNDA_OK with a non-finite pose");
      ++emitted;
    }
  }
  std::vector<posynda_pose> rest(static_cast<size_t>(g_info.latency_frames));
  int count = -1;
  s = posynda_stream_finish(st, rest.data(), static_cast<int>(rest.size()), &count);
  check_status(s, "posynda_stream_finish");
  if (failed) FUZZ_CHECK(s == POSYNDA_ERROR_STATE, "finish of a failed stream: status %d", static_cast<int>(s));
  if (s == POSYNDA_OK) {
    FUZZ_CHECK(count >= 0 && count <= g_info.latency_frames, "count %d", count);
    for (int k = 0; k < count; ++k)
      FUZZ_CHECK(finite(&rest[k].root_relative_mm[0][0], 51) && finite(&rest[k].absolute_mm[0][0], 51),
                 "POSYNDA_OK with a non-finite pose at finish");
  } else {
    FUZZ_CHECK(count == 0, "count %d after a failed finish", count);
  }
  posynda_stream_close(st);
  return 0;
}
