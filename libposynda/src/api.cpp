// The C boundary: handles, status codes and the per-thread message; no exception crosses it.
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

void posynda_settings_init(posynda_settings* s) {
  if (!s) return;
  *s = posynda_settings{1, 1, 1, POSYNDA_AGGREGATE_JOINT, 0, 64, 0};
}

posynda_status posynda_model_open(const char* path, const posynda_model_options* options, posynda_model** model) {
  return guarded([&] {
    require(model, "model (output)");
    *model = nullptr;
    require(path, "path");
    if (options && options->threads < 0) posynda::core::fail(POSYNDA_ERROR_ARGUMENT, "threads must be >= 0");
    *model = new posynda_model(path, options ? options->threads : 0);
  });
}

posynda_status posynda_model_get_info(const posynda_model* model, posynda_model_info* info) {
  return guarded([&] {
    require(model, "model");
    require(info, "info");
    const auto& m = model->model.meta();
    *info = posynda_model_info{};
    info->window_frames = m.frames;
    info->latency_frames = m.frames - 1;
    info->joints = m.joints;
    info->sampler_steps = m.sampler_steps;
    info->sampler_hypotheses = m.sampler_hypotheses;
    info->sampler_flip = m.sampler_flip;
    std::strncpy(info->graph, m.graph.c_str(), sizeof(info->graph) - 1);
    std::strncpy(info->precision, m.precision.c_str(), sizeof(info->precision) - 1);
    std::strncpy(info->posynda_version, m.version.c_str(), sizeof(info->posynda_version) - 1);
  });
}

void posynda_model_close(posynda_model* model) { delete model; }

posynda_status posynda_lift(posynda_model* model, const posynda_camera* camera, const posynda_settings* settings,
                            const posynda_sequence* sequence, float* root_relative_mm, float* absolute_mm) {
  return guarded([&] {
    require(model, "model");
    require(camera, "camera");
    require(sequence, "sequence");
    const posynda_settings s = posynda::core::effective_settings(model->model, settings);
    posynda::core::lift_sequence(model->model, *camera, s, *sequence, root_relative_mm, absolute_mm);
  });
}

posynda_status posynda_stream_open(posynda_model* model, const posynda_camera* camera,
                                   const posynda_settings* settings, posynda_joint_order order, int joints,
                                   posynda_stream** stream) {
  return guarded([&] {
    require(stream, "stream (output)");
    *stream = nullptr;
    require(model, "model");
    require(camera, "camera");
    posynda::core::check_input(joints, posynda::core::enum_value(order));
    const posynda_settings s = posynda::core::effective_settings(model->model, settings);
    *stream = new posynda_stream(model, *camera, s, order);
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
