// Sampling windows of pixel keypoints into poses: what the whole-sequence lift and the stream share
// (posynda/runtime/windowed_lift.py: noise per window, K-step DDIM, H hypotheses, aggregation, mm).
#pragma once

#include <cstdint>
#include <vector>

#include "model.hpp"
#include "posynda/posynda.h"

namespace posynda::core {

// Settings checked (limits.hpp; K also against the model's num_train_timesteps) and applied to the model (a
// whole-sampler graph fixes K, H, flip and the mean). Throws Error(POSYNDA_ERROR_ARGUMENT).
posynda_settings effective_settings(const Model& model, const posynda_settings& settings);

class Engine {
 public:
  Engine(Model& model, const posynda_settings& settings, std::vector<float> intrinsics);

  int frames() const { return frames_; }
  bool causal() const { return model_.meta().causal; }
  int stride() const { return causal() ? 1 : settings_.stride > 0 ? settings_.stride : frames_; }
  const posynda_settings& settings() const { return settings_; }
  const std::vector<float>& intrinsics() const { return intrinsics_; }
  const ModelMetadata& meta() const { return model_.meta(); }

  // b windows of T frames: filled pixels [b,T,17,2] (model input), raw pixels [b,T,17,2] (NaN = missing)
  // and weights [b,T,17] (aggregation), window indices within sequence 0 -> root-relative mm [b,T,17,3].
  void lift(const float* filled, const float* raw, const float* weights, const uint32_t* windows, int64_t b,
            float* mm);

  // Absolute pose of one frame [17,3] mm from its root-relative pose, filled pixels and weights.
  void place(const float* relative_mm, const float* filled, const float* weights, float* absolute_mm) const;

 private:
  Model& model_;
  posynda_settings settings_;
  std::vector<float> intrinsics_;
  int frames_;
};

// Joints without a detection (gap-filled) still pin the root solve a little (lifter.FILLED_JOINT_WEIGHT).
constexpr float kFilledJointWeight = 1e-3f;

}  // namespace posynda::core
