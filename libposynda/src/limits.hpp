// The bounds of every size and setting the library reads from a model file or a caller: the numbers of
// posynda/limits.py (tests/test_limits.py checks that the two files agree), so a file refused by the
// Python runtime is refused here with the same words.
#pragma once

#include <cstdint>

namespace posynda::core::limits {

constexpr int64_t MAX_WINDOW_FRAMES = 2048;         // T of a model
constexpr int64_t MAX_JOINTS = 17;                  // the skeleton every runtime lifts to
constexpr int64_t MAX_HYPOTHESES = 100;             // H
constexpr int64_t MAX_STEPS = 1000;                 // K DDIM steps
constexpr int64_t MAX_BATCH = 4096;                 // windows per denoiser call
constexpr int64_t MAX_TRAIN_TIMESTEPS = 100000;     // T of the diffusion schedule
constexpr double MAX_CLIP_SAMPLE = 100.0;           // the scheduler's clamp, model units
constexpr int64_t MAX_IMAGE_SIDE = 32768;           // pixels per side of an image
constexpr double MIN_FOCAL_PX = 1.0;                // focal lengths in pixels
constexpr double MAX_FOCAL_PX = 1.0e7;
constexpr int64_t MAX_SEQUENCE_FRAMES = 100000000;  // frames of one lifted sequence
constexpr double MAX_FPS = 1000.0;                  // frames per second of a sequence
constexpr double MAX_ROOT_WINDOW_S = 10.0;          // seconds of the running median of a root's depth

}  // namespace posynda::core::limits
