// From the caller's pixel keypoints to the model's input (posynda/data/prepare.py, skeleton.py):
// joint-order conversion, missing joints, gap filling over time, canonical-screen normalisation.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "metadata.hpp"
#include "posynda/posynda.h"

namespace posynda::core {

// The camera's 9 intrinsics (float32, pixels): the given ones or the default pinhole f = max(w, h), centred.
// Throws Error(ARGUMENT) for an image side outside [1, MAX_IMAGE_SIDE], non-finite intrinsics or focal
// lengths outside [MIN_FOCAL_PX, MAX_FOCAL_PX] (posynda.camera.check_intrinsics).
std::vector<float> camera_intrinsics(const posynda_camera& camera);

// posynda.runtime.stream.check_frame over n frames: keypoints [n, joints, 2] finite or NaN (never +-inf),
// confidence [n, joints] (or null) finite in [0, 1]. Throws Error(POSYNDA_ERROR_INPUT) with Python's words.
void check_keypoints(const float* keypoints, const float* confidence, int64_t n, int joints);

// The joints a frame of `order` holds (17; 33 for BlazePose), -1 for an unknown order.
int source_joints(int order);

// Error unless `order` is known, `joints` is its joint count and the model's metadata carries its rule
// (ARGUMENT: the order; INPUT: the joint count; MODEL: an export without the BlazePose-33 rule).
void check_order(const ModelMetadata& meta, int joints, int order);

// Frames [n, joints, 2] (+ confidence [n, joints] or null) in `order` (checked: check_order) -> H36M-17 pixels
// [n, 17, 2] with NaN where missing (NaN or confidence 0) and weights [n, 17] (the confidence, 1 without; 0
// where missing).
void to_model_joints(const ModelMetadata& meta, posynda_joint_order order, const float* keypoints,
                     const float* confidence, int64_t n, float* pixels, float* weights);

// The last observation (time relative to the segment's first frame, x, y) of a joint before a segment.
using Observation = std::optional<std::pair<double, std::pair<double, double>>>;

// Gap-fill seg [n, 17, 2] float64 in place (fill_track: np.interp over time, held at the ends; a joint
// never observed takes its parent's track). `before` (17 entries or empty) continues a stream's history.
// Returns false when no joint is observed at all.
bool fill_track(const ModelMetadata& meta, double* seg, int64_t n, const std::vector<Observation>& before);

// Pixels [n, 17, 2] float32 -> canonical screen u' = F (u - cx) / fx (camera.canonical_screen), float32.
void canonical_screen(const float* pixels, int64_t n, const float* intrinsics, double focal, float* out);

}  // namespace posynda::core
