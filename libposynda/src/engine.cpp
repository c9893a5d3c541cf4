#include "engine.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"
#include "geometry.hpp"
#include "keypoints.hpp"
#include "limits.hpp"
#include "pyformat.hpp"
#include "philox.hpp"
#include "sampler.hpp"

namespace posynda::core {

constexpr float kMillimetresPerMetre = 1000.0f;

namespace {

void check_range(const char* name, int64_t value, int64_t least, int64_t most, const std::string& note = "") {
  if (value < least || value > most)
    fail(POSYNDA_ERROR_ARGUMENT, std::string(name) + " must be in [" + std::to_string(least) + ", " +
                                     std::to_string(most) + "]" + note + ", got " + std::to_string(value));
}

}  // namespace

posynda_settings effective_settings(const Model& model, const posynda_settings& settings) {
  posynda_settings s = settings;
  const ModelMetadata& m = model.meta();
  // the words of posynda.runtime.SamplingSettings: "hypotheses must be in [1, 100], got 0"
  check_range("hypotheses", s.hypotheses, 1, limits::MAX_HYPOTHESES);
  check_range("steps", s.steps, 1, limits::MAX_STEPS);
  if (s.steps > m.scheduler.num_train_timesteps)
    fail(POSYNDA_ERROR_ARGUMENT, "steps must be at most the model's num_train_timesteps (" +
                                     std::to_string(m.scheduler.num_train_timesteps) + "), got " +
                                     std::to_string(s.steps));
  check_range("batch_size", s.batch_size, 1, limits::MAX_BATCH);
  check_range("stride", s.stride, 0, limits::MAX_WINDOW_FRAMES, " (0 = the window length)");
  if (m.causal && s.stride > 1)  // posynda.runtime.windowed_lift.check_causal_stride
    fail(POSYNDA_ERROR_ARGUMENT, "stride must be 1 for a causal model (one window per frame), got " +
                                     std::to_string(s.stride));
  const int aggregate = enum_value(s.aggregate);
  if (aggregate < POSYNDA_AGGREGATE_MEAN || aggregate > POSYNDA_AGGREGATE_FRAME)
    fail(POSYNDA_ERROR_ARGUMENT, "aggregate must be POSYNDA_AGGREGATE_MEAN, _JOINT or _FRAME, got " +
                                     std::to_string(aggregate));
  // posynda.runtime.root_depth.check_window's words
  if (!(s.root_window_s >= 0.0 && s.root_window_s <= limits::MAX_ROOT_WINDOW_S))  // NaN fails too
    fail(POSYNDA_ERROR_ARGUMENT, "root_window must lie in [0, " + py_g(limits::MAX_ROOT_WINDOW_S) + "] seconds, got " +
                                     py_float(s.root_window_s));
  s.flip = s.flip != 0;
  if (m.graph == "sampler") {
    s.steps = m.sampler_steps;
    s.hypotheses = m.sampler_hypotheses;
    s.flip = m.sampler_flip;
    s.aggregate = POSYNDA_AGGREGATE_MEAN;
  }
  return s;
}

Engine::Engine(Model& model, const posynda_settings& settings, std::vector<float> intrinsics)
    : model_(model), settings_(settings), intrinsics_(std::move(intrinsics)), frames_(model.meta().frames) {}

void Engine::lift(const float* filled, const float* raw, const float* weights, const uint32_t* windows, int64_t b,
                  float* mm) {
  const ModelMetadata& m = meta();
  const int64_t T = frames_, J = m.joints, H = settings_.hypotheses, K = settings_.steps;
  const int64_t frame_noise = static_cast<int64_t>(elements<float>("noise", {H, T, J, 3}));
  const int64_t per_window = static_cast<int64_t>(elements<float>("noise", {K + 1, frame_noise}));
  std::vector<float> cond(elements<float>("keypoints", {b, T, J, 2}));
  canonical_screen(filled, b * T, intrinsics_.data(), m.canonical_focal, cond.data());
  // noise [K+1, b, H, T, J, 3]: the stream of window i of settings.sequence, [K+1, H, T, J, 3] (philox.hpp)
  std::vector<float> noise(elements<float>("noise", {b, per_window})), one(static_cast<size_t>(per_window));
  for (int64_t i = 0; i < b; ++i) {
    philox_normal(settings_.seed, settings_.sequence, windows[i], per_window, one.data());
    for (int64_t k = 0; k <= K; ++k)
      std::copy(one.begin() + k * frame_noise, one.begin() + (k + 1) * frame_noise,
                noise.begin() + (k * b + i) * frame_noise);
  }
  std::vector<float> agg(elements<float>("poses", {b, T, J, 3}));
  if (m.graph == "sampler") {
    model_.sample(cond.data(), noise.data(), b, agg.data());
  } else {
    auto denoise = [this](const float* kp, const float* x, const int64_t* t, int64_t n, float* x0) {
      model_.denoise(kp, x, t, n, x0);
    };
    const auto hyp = sample_poses(denoise, m, cond.data(), noise.data(), b, static_cast<int>(H), static_cast<int>(K),
                                  settings_.flip != 0);  // [b, H, T, J, 3]
    std::vector<float> frame(elements<float>("hypotheses", {H, J, 3}));
    for (int64_t i = 0; i < b; ++i)
      for (int64_t t = 0; t < T; ++t) {
        for (int64_t h = 0; h < H; ++h)
          std::copy_n(hyp.begin() + ((i * H + h) * T + t) * J * 3, J * 3, frame.begin() + h * J * 3);
        const int64_t f = i * T + t;
        aggregate_frame(frame.data(), static_cast<int>(H), static_cast<int>(J), settings_.aggregate, raw + f * J * 2,
                        weights + f * J, intrinsics_.data(), agg.data() + f * J * 3);
      }
  }
  for (size_t i = 0; i < agg.size(); ++i) mm[i] = agg[i] * kMillimetresPerMetre;
}

void Engine::place(const float* relative_mm, const float* filled, const float* weights, float* absolute_mm) const {
  const int J = meta().joints;
  std::vector<double> rel(relative_mm, relative_mm + J * 3), kp(filled, filled + J * 2), w(J),
      cam(intrinsics_.begin(), intrinsics_.end());
  for (int j = 0; j < J; ++j) w[j] = std::max(weights[j], kFilledJointWeight);
  double t[3];
  solve_root_translation(rel.data(), kp.data(), cam.data(), w.data(), J, t);
  for (int j = 0; j < J; ++j)
    for (int c = 0; c < 3; ++c) absolute_mm[j * 3 + c] = static_cast<float>(rel[j * 3 + c] + t[c]);
}

}  // namespace posynda::core
