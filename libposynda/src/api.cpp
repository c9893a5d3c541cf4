// The C boundary: handles, status codes and the per-thread message; no exception crosses it.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>

#include "error.hpp"
#include "lift.hpp"
#include "model.hpp"
#include "posynda/posynda.h"

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
constexpr uint32_t kSettingsV1 = sizeof(posynda_settings);
constexpr uint32_t kCameraV1 = sizeof(posynda_camera);
constexpr uint32_t kSequenceV1 = sizeof(posynda_sequence);
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
template <typename T>
T read_struct(const T* p, uint32_t least, const char* name, const T& defaults) {
  require(p, name);
  const uint32_t size = declared_size(p);
  check_size(size, least, name);
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

posynda_settings read_settings(const posynda_settings* s) {
  if (!s) posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "settings is NULL (posynda_settings_init gives the defaults)");
  return read_struct(s, kSettingsV1, "posynda_settings", default_settings());
}

posynda_camera read_camera(const posynda_camera* c) {
  require(c, "camera");
  return read_struct(c, kCameraV1, "posynda_camera", default_camera(0, 0));
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
        options ? read_struct(options, kModelOptionsV1, "posynda_model_options", default_options()) : default_options();
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
    const posynda_sequence q = read_struct(sequence, kSequenceV1, "posynda_sequence", default_sequence());
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

}  // extern "C"
