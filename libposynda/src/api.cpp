// The C boundary: handles, status codes and the per-thread message; no exception crosses it.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <new>
#include <string>

#include "error.hpp"
#include "lift.hpp"
#include "model.hpp"
#include "people.hpp"
#include "pipeline.hpp"
#include "limits.hpp"
#include "posynda/posynda.h"
#include "pyformat.hpp"

#ifndef POSYNDA_VERSION_STRING
#define POSYNDA_VERSION_STRING "0.0.0"
#endif

struct posynda_model {
  posynda::core::Model model;
  explicit posynda_model(const char* path, int threads) : model(path, threads) {}
};

struct posynda_stream {
  posynda::core::Stream stream;
  posynda_stream(posynda_model* m, const posynda_camera& camera, const posynda_settings& settings,
                 posynda_joint_order order)
      : stream(m->model, camera, settings, order) {}
};

struct posynda_detector {
  posynda::core::PeopleDetector detector;
  std::vector<posynda_person> found;  // what the last detect returned
  posynda_detector(const char* folder, const posynda::core::DetectorSettings& settings, int threads)
      : detector(folder, settings, threads) {}
};

struct posynda_pipeline {
  posynda::core::Pipeline pipeline;
  std::vector<posynda_person_pose> poses;  // what the last push or finish returned
  bool finished = false, failed = false;
  posynda_pipeline(posynda_model* m, posynda_detector* d, const posynda_camera& camera, const posynda_settings& s,
                   const posynda_pipeline_options& o)
      : pipeline(m->model, d->detector, camera, s, o.max_gap, o.orient != 0, o.detector_weight, calibration(o)) {}
  static posynda::core::LiveCalibration calibration(const posynda_pipeline_options& o) {
    posynda::core::LiveCalibration c;
    c.level = o.level != 0;
    c.up = {o.camera_up[0], o.camera_up[1], o.camera_up[2]};
    c.size_by_floor = o.size_by_floor != 0;
    c.height_mm = o.camera_height_mm;
    c.floor_window = o.floor_window;
    return c;
  }
};

namespace {

thread_local std::string last_error;

template <typename F>
posynda_status guarded(F&& body) {
  try {
    body();
    last_error.clear();
    return POSYNDA_OK;
  } catch (const posynda::core::Error& e) {
    last_error = e.what();
    return e.status();
  } catch (const std::bad_alloc&) {
    last_error = "out of memory";
    return POSYNDA_ERROR_MEMORY;
  } catch (const std::exception& e) {
    last_error = std::string("internal error: ") + e.what();
    return POSYNDA_ERROR_RUNTIME;
  } catch (...) {
    last_error = "internal error";
    return POSYNDA_ERROR_RUNTIME;
  }
}

void require(const void* pointer, const char* name) {
  if (!pointer) posynda::core::fail(POSYNDA_ERROR_ARGUMENT, std::string(name) + " is NULL");
}

// ---- versioned structs ---------------------------------------------------------------------------
// The size of each caller struct in the first version of this ABI (SOVERSION 1): a smaller struct_size is
// refused. When a later version appends a field, these stay as they are (the new field starts at or after
// them) and the field's default is what a zeroed struct holds.
constexpr uint32_t kModelOptionsV1 = sizeof(posynda_model_options);
constexpr uint32_t kModelInfoV1 = offsetof(posynda_model_info, causal);  // `causal` was appended after the first
constexpr uint32_t kSettingsV1 = offsetof(posynda_settings, root_window_s);  // root_window_s was appended,
constexpr uint32_t kSettingsV2 = offsetof(posynda_settings, sequence);       // then sequence
constexpr uint32_t kCameraV1 = sizeof(posynda_camera);
constexpr uint32_t kSequenceV1 = offsetof(posynda_sequence, fps);  // fps was appended
constexpr uint32_t kDetectorOptionsV1 = offsetof(posynda_detector_options, one_after_another);  // appended
constexpr uint32_t kPipelineOptionsV1 = offsetof(posynda_pipeline_options, level);  // calibration appended
static_assert(offsetof(posynda_model_options, struct_size) == 0 && offsetof(posynda_model_info, struct_size) == 0 &&
                  offsetof(posynda_settings, struct_size) == 0 && offsetof(posynda_camera, struct_size) == 0 &&
                  offsetof(posynda_sequence, struct_size) == 0,
              "struct_size comes first");

constexpr int kMaxThreads = 1024;  // posynda/threads.py MAX_THREADS

uint32_t declared_size(const void* p) {
  uint32_t size;
  std::memcpy(&size, p, sizeof size);
  return size;
}

void check_size(uint32_t size, uint32_t least, const char* name) {
  if (size < least)
    posynda::core::fail(POSYNDA_ERROR_ARGUMENT, std::string(name) + ".struct_size is " + std::to_string(size) +
                                                    ", expected at least " + std::to_string(least) + " (fill it with " +
                                                    name + "_init)");
}

// The caller's struct read through its struct_size: the bytes inside it over `defaults`, nothing beyond.
// `earlier`: the sizes of the struct's earlier versions, the first version's first; a size between them, or between
// the last and this version's, is no version's and is refused.
template <typename T>
T read_struct(const T* p, std::initializer_list<uint32_t> earlier, const char* name, const T& defaults) {
  require(p, name);
  const uint32_t size = declared_size(p);
  check_size(size, *earlier.begin(), name);
  if (size < sizeof(T) && std::find(earlier.begin(), earlier.end(), size) == earlier.end()) {
    std::string sizes;
    for (uint32_t v : earlier) sizes += std::to_string(v) + ", ";
    posynda::core::fail(POSYNDA_ERROR_ARGUMENT, std::string(name) + ".struct_size is " + std::to_string(size) +
                                                    ", expected " + sizes.substr(0, sizes.size() - 2) +
                                                    " (an earlier version) or at least " + std::to_string(sizeof(T)) +
                                                    " (fill it with " + name + "_init)");
  }
  T out = defaults;
  std::memcpy(static_cast<void*>(&out), p, std::min<size_t>(size, sizeof(T)));
  out.struct_size = static_cast<uint32_t>(sizeof(T));
  return out;
}

// Fill the caller's struct of `size` bytes: zeroes, then this version's `value` inside min(size, sizeof(T)).
template <typename T>
void write_struct(T* p, uint32_t size, uint32_t least, const char* name, T value) {
  require(p, name);
  check_size(size, least, name);
  value.struct_size = size;
  std::memset(static_cast<void*>(p), 0, size);
  std::memcpy(static_cast<void*>(p), &value, std::min<size_t>(size, sizeof(T)));
}

posynda_settings default_settings() {
  posynda_settings s{};
  s.struct_size = sizeof s;
  s.hypotheses = 1;
  s.steps = 1;
  s.flip = 1;
  s.aggregate = POSYNDA_AGGREGATE_JOINT;
  s.stride = 0;
  s.batch_size = 64;
  s.seed = 0;
  s.root_window_s = 0.5;  // posynda.runtime.root_depth.ROOT_WINDOW_S, `posynda lift`'s
  return s;
}

// What a caller's struct lacks reads as zero: a first-version posynda_settings places roots frame by frame, as
// the first version did (posynda_settings_init gives the defaults above).
posynda_settings appended_zero(posynda_settings s) {
  s.root_window_s = 0.0;
  return s;
}

posynda_camera default_camera(int width, int height) {
  posynda_camera c{};
  c.struct_size = sizeof c;
  c.width = width;
  c.height = height;
  return c;
}

posynda_sequence default_sequence() {
  posynda_sequence q{};
  q.struct_size = sizeof q;
  q.joints = POSYNDA_JOINTS;
  q.order = POSYNDA_ORDER_H36M;
  return q;
}

posynda_model_options default_options() {
  posynda_model_options o{};
  o.struct_size = sizeof o;
  return o;
}

posynda_detector_options default_detector_options() {  // core::DetectorSettings' defaults
  const posynda::core::DetectorSettings d;
  posynda_detector_options o{};
  o.struct_size = sizeof o;
  o.max_people = d.max_people;
  o.detect_every = d.detect_every;
  o.min_detection = static_cast<float>(d.min_detection);
  o.min_tracking = static_cast<float>(d.min_tracking);
  o.reid_frames = d.reid_frames;
  o.tiles = d.tiles ? 1 : 0;
  o.one_after_another = d.side_by_side ? 0 : 1;
  return o;
}

posynda_pipeline_options default_pipeline_options() {  // `posynda lift --video --stream`
  posynda_pipeline_options o{};
  o.struct_size = sizeof o;
  o.max_gap = 30;
  o.orient = 1;
  o.detector_weight = 0.5f;
  o.level = 0;  // no calibration (posynda.runtime.live.LiveCalibration)
  o.camera_up[0] = 0.0f;
  o.camera_up[1] = -1.0f;
  o.camera_up[2] = 0.0f;
  o.size_by_floor = 0;
  o.camera_height_mm = 0.0f;
  o.floor_window = 600;  // live.FLOOR_WINDOW
  return o;
}

// An RGB frame of the caller: its size and rows checked (sides in [1, MAX_IMAGE_SIDE], rows >= 3 width and at
// most 4 width + 4096 bytes, so no size computed from them overflows).
posynda::core::Frame caller_frame(const uint8_t* rgb, int width, int height, int64_t row_bytes) {
  require(rgb, "rgb");
  using posynda::core::limits::MAX_IMAGE_SIDE;
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE)
    posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "image size must be positive and at most " +
                                                    std::to_string(MAX_IMAGE_SIDE) + " pixels per side, got " +
                                                    std::to_string(width) + " x " + std::to_string(height));
  if (row_bytes < 3 * static_cast<int64_t>(width) || row_bytes > 4 * static_cast<int64_t>(width) + 4096)
    posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "row_bytes must be in [3 width, 4 width + 4096], got " +
                                                    std::to_string(row_bytes) + " for width " + std::to_string(width));
  return {rgb, width, height, row_bytes};
}

posynda_settings read_settings(const posynda_settings* s) {
  if (!s) posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "settings is NULL (posynda_settings_init gives the defaults)");
  return read_struct(s, {kSettingsV1, kSettingsV2}, "posynda_settings", appended_zero(default_settings()));
}

posynda_camera read_camera(const posynda_camera* c) {
  require(c, "camera");
  return read_struct(c, {kCameraV1}, "posynda_camera", default_camera(0, 0));
}

}  // namespace

namespace {

// A pipeline call's poses into its buffer; a failed call leaves the pipeline failed (its streams moved on).
template <typename F>
posynda_status pipeline_call(posynda_pipeline* pipeline, const posynda_person_pose** poses, int* count, F&& body) {
  return guarded([&] {
    require(poses, "poses (output)");
    require(count, "count (output)");
    *poses = nullptr;
    *count = 0;
    require(pipeline, "pipeline");
    if (pipeline->finished) posynda::core::fail(POSYNDA_ERROR_STATE, "the pipeline is finished");
    if (pipeline->failed) posynda::core::fail(POSYNDA_ERROR_STATE, "the pipeline failed earlier; open a new one");
    try {
      pipeline->poses = body();
    } catch (const posynda::core::Error& e) {
      if (e.status() != POSYNDA_ERROR_ARGUMENT) pipeline->failed = true;
      throw;
    }
    *poses = pipeline->poses.data();
    *count = static_cast<int>(pipeline->poses.size());
  });
}

}  // namespace

extern "C" {

const char* posynda_last_error(void) { return last_error.c_str(); }

const char* posynda_status_name(posynda_status status) {
  switch (status) {
    case POSYNDA_OK: return "ok";
    case POSYNDA_ERROR_ARGUMENT: return "argument";
    case POSYNDA_ERROR_INPUT: return "input";
    case POSYNDA_ERROR_MODEL: return "model";
    case POSYNDA_ERROR_RUNTIME: return "runtime";
    case POSYNDA_ERROR_STATE: return "state";
    case POSYNDA_ERROR_MEMORY: return "memory";
  }
  return "unknown";
}

const char* posynda_version(void) { return POSYNDA_VERSION_STRING; }

posynda_status posynda_settings_init_sized(posynda_settings* settings, uint32_t struct_size) {
  return guarded([&] { write_struct(settings, struct_size, kSettingsV1, "posynda_settings", default_settings()); });
}

posynda_status posynda_camera_init_sized(posynda_camera* camera, uint32_t struct_size, int width, int height) {
  return guarded([&] { write_struct(camera, struct_size, kCameraV1, "posynda_camera", default_camera(width, height)); });
}

posynda_status posynda_sequence_init_sized(posynda_sequence* sequence, uint32_t struct_size) {
  return guarded([&] { write_struct(sequence, struct_size, kSequenceV1, "posynda_sequence", default_sequence()); });
}

posynda_status posynda_model_options_init_sized(posynda_model_options* options, uint32_t struct_size) {
  return guarded(
      [&] { write_struct(options, struct_size, kModelOptionsV1, "posynda_model_options", default_options()); });
}

posynda_status posynda_model_info_init_sized(posynda_model_info* info, uint32_t struct_size) {
  return guarded([&] {
    posynda_model_info empty{};
    write_struct(info, struct_size, kModelInfoV1, "posynda_model_info", empty);
  });
}

posynda_status posynda_model_open(const char* path, const posynda_model_options* options, posynda_model** model) {
  return guarded([&] {
    require(model, "model (output)");
    *model = nullptr;
    require(path, "path");
    const posynda_model_options o =
        options ? read_struct(options, {kModelOptionsV1}, "posynda_model_options", default_options())
                : default_options();
    if (o.threads < 0 || o.threads > kMaxThreads)
      posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "threads must be in [0, " + std::to_string(kMaxThreads) +
                                                      "] (0 = ONNX Runtime's default), got " + std::to_string(o.threads));
    *model = new posynda_model(path, o.threads);
  });
}

posynda_status posynda_model_get_info(const posynda_model* model, posynda_model_info* info) {
  return guarded([&] {
    require(model, "model");
    require(info, "info");
    const uint32_t size = declared_size(info);
    check_size(size, kModelInfoV1, "posynda_model_info");
    const auto& m = model->model.meta();
    posynda_model_info out{};
    out.window_frames = m.frames;
    out.latency_frames = m.causal ? 0 : m.frames - 1;
    out.causal = m.causal ? 1 : 0;
    out.joints = m.joints;
    out.sampler_steps = m.sampler_steps;
    out.sampler_hypotheses = m.sampler_hypotheses;
    out.sampler_flip = m.sampler_flip;
    std::strncpy(out.graph, m.graph.c_str(), sizeof(out.graph) - 1);
    std::strncpy(out.precision, m.precision.c_str(), sizeof(out.precision) - 1);
    std::strncpy(out.posynda_version, m.version.c_str(), sizeof(out.posynda_version) - 1);
    out.struct_size = size;  // only inside the caller's struct_size; bytes beyond ours are left as they are
    std::memcpy(static_cast<void*>(info), &out, std::min<size_t>(size, sizeof out));
  });
}

void posynda_model_close(posynda_model* model) { delete model; }

posynda_status posynda_lift(posynda_model* model, const posynda_camera* camera, const posynda_settings* settings,
                            const posynda_sequence* sequence, float* root_relative_mm, float* absolute_mm) {
  return guarded([&] {
    require(model, "model");
    const posynda_camera c = read_camera(camera);
    const posynda_settings s = posynda::core::effective_settings(model->model, read_settings(settings));
    require(sequence, "sequence");
    const posynda_sequence q = read_struct(sequence, {kSequenceV1}, "posynda_sequence", default_sequence());
    posynda::core::lift_sequence(model->model, c, s, q, root_relative_mm, absolute_mm);
  });
}

posynda_status posynda_stream_open(posynda_model* model, const posynda_camera* camera,
                                   const posynda_settings* settings, posynda_joint_order order, int joints,
                                   posynda_stream** stream) {
  return guarded([&] {
    require(stream, "stream (output)");
    *stream = nullptr;
    require(model, "model");
    const posynda_camera c = read_camera(camera);
    const posynda_settings s = posynda::core::effective_settings(model->model, read_settings(settings));
    posynda::core::check_order(model->model.meta(), joints, posynda::core::enum_value(order));
    *stream = new posynda_stream(model, c, s, order);
  });
}

posynda_status posynda_stream_push(posynda_stream* stream, const float* keypoints, const float* confidence,
                                   posynda_pose* pose, int* ready) {
  return guarded([&] {
    require(ready, "ready");
    *ready = 0;
    require(stream, "stream");
    *ready = stream->stream.push(keypoints, confidence, pose) ? 1 : 0;
  });
}

posynda_status posynda_stream_finish(posynda_stream* stream, posynda_pose* poses, int capacity, int* count) {
  return guarded([&] {
    require(count, "count");
    *count = 0;
    require(stream, "stream");
    *count = stream->stream.finish(poses, capacity);
  });
}

int posynda_stream_latency(const posynda_stream* stream) { return stream ? stream->stream.latency() : -1; }

void posynda_stream_close(posynda_stream* stream) { delete stream; }

posynda_status posynda_detector_options_init_sized(posynda_detector_options* options, uint32_t struct_size) {
  return guarded([&] {
    write_struct(options, struct_size, kDetectorOptionsV1, "posynda_detector_options", default_detector_options());
  });
}

posynda_status posynda_detector_open(const char* folder, const posynda_detector_options* options,
                                     posynda_detector** detector) {
  return guarded([&] {
    require(detector, "detector (output)");
    *detector = nullptr;
    require(folder, "folder");
    const posynda_detector_options o =
        options ? read_struct(options, {kDetectorOptionsV1}, "posynda_detector_options", default_detector_options())
                : default_detector_options();
    auto range = [](const char* name, double value, double least, double most) {
      if (!(value >= least && value <= most))  // NaN fails too
        posynda::core::fail(POSYNDA_ERROR_ARGUMENT, std::string(name) + " must be in [" + posynda::core::py_g(least) +
                                                        ", " + posynda::core::py_g(most) + "], got " +
                                                        posynda::core::py_g(value));
    };
    range("threads", o.threads, 0, kMaxThreads);
    range("max_people", o.max_people, 1, 64);
    range("detect_every", o.detect_every, 1, 10000);
    range("min_detection", o.min_detection, 0, 1);
    range("min_tracking", o.min_tracking, 0, 1);
    range("reid_frames", o.reid_frames, 0, 1000000);
    posynda::core::DetectorSettings s;
    s.max_people = o.max_people, s.detect_every = o.detect_every, s.reid_frames = o.reid_frames;
    s.min_detection = o.min_detection, s.min_tracking = o.min_tracking, s.tiles = o.tiles != 0;
    s.side_by_side = o.one_after_another == 0;
    *detector = new posynda_detector(folder, s, o.threads);
  });
}

posynda_status posynda_detector_detect(posynda_detector* detector, const uint8_t* rgb, int width, int height,
                                       int64_t row_bytes, const posynda_person** people, int* count) {
  return guarded([&] {
    require(people, "people (output)");
    require(count, "count (output)");
    *people = nullptr;
    *count = 0;
    require(detector, "detector");
    const posynda::core::Frame frame = caller_frame(rgb, width, height, row_bytes);
    detector->found.clear();
    for (const auto& f : detector->detector.detect(frame)) {
      posynda_person p{};
      p.id = f.id;
      p.flag = static_cast<float>(f.landmarks.flag);
      for (int k = 0; k < posynda::core::kLandmarks; ++k) {
        p.keypoints[k][0] = static_cast<float>(f.landmarks.keypoints[2 * k]);
        p.keypoints[k][1] = static_cast<float>(f.landmarks.keypoints[2 * k + 1]);
        p.visibility[k] = static_cast<float>(f.landmarks.visibility[k]);
        p.presence[k] = static_cast<float>(f.landmarks.presence[k]);
        for (int a = 0; a < 3; ++a) p.world_m[k][a] = static_cast<float>(f.landmarks.world[3 * k + a]);
      }
      detector->found.push_back(p);
    }
    *people = detector->found.data();
    *count = static_cast<int>(detector->found.size());
  });
}

void posynda_detector_close(posynda_detector* detector) { delete detector; }

posynda_status posynda_pipeline_options_init_sized(posynda_pipeline_options* options, uint32_t struct_size) {
  return guarded([&] {
    write_struct(options, struct_size, kPipelineOptionsV1, "posynda_pipeline_options", default_pipeline_options());
  });
}

posynda_status posynda_pipeline_open(posynda_model* model, posynda_detector* detector, const posynda_camera* camera,
                                     const posynda_settings* settings, const posynda_pipeline_options* options,
                                     posynda_pipeline** pipeline) {
  return guarded([&] {
    require(pipeline, "pipeline (output)");
    *pipeline = nullptr;
    require(model, "model");
    require(detector, "detector");
    const posynda_camera c = read_camera(camera);
    const posynda_settings s = posynda::core::effective_settings(model->model, read_settings(settings));
    const posynda_pipeline_options o =
        options ? read_struct(options, {kPipelineOptionsV1}, "posynda_pipeline_options", default_pipeline_options())
                : default_pipeline_options();
    posynda::core::check_order(model->model.meta(), 33, POSYNDA_ORDER_BLAZEPOSE33);
    *pipeline = new posynda_pipeline(model, detector, c, s, o);
  });
}

posynda_status posynda_pipeline_push(posynda_pipeline* pipeline, const uint8_t* rgb, int64_t row_bytes,
                                     const posynda_person_pose** poses, int* count) {
  return pipeline_call(pipeline, poses, count, [&] {
    const posynda::core::Frame frame =
        caller_frame(rgb, pipeline->pipeline.width(), pipeline->pipeline.height(), row_bytes);
    return pipeline->pipeline.push(frame);
  });
}

posynda_status posynda_pipeline_finish(posynda_pipeline* pipeline, const posynda_person_pose** poses, int* count) {
  return pipeline_call(pipeline, poses, count, [&] {
    auto out = pipeline->pipeline.finish();
    pipeline->finished = true;
    return out;
  });
}

posynda_status posynda_pipeline_person_scale(const posynda_pipeline* pipeline, int32_t person, float* scale,
                                             int* sized) {
  return guarded([&] {
    require(scale, "scale (output)");
    *scale = 1.0f;
    if (sized) *sized = 0;
    require(pipeline, "pipeline");
    double found = 1.0;
    bool floor = false;
    if (!pipeline->pipeline.person_scale(person, &found, &floor))
      posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "person " + std::to_string(person) +
                                                      " is neither followed by the pipeline nor one of the last " +
                                                      std::to_string(posynda::core::Pipeline::kEndedSizes) +
                                                      " who ended");
    *scale = static_cast<float>(found);
    if (sized) *sized = floor ? 1 : 0;
  });
}

void posynda_pipeline_close(posynda_pipeline* pipeline) { delete pipeline; }

}  // extern "C"
