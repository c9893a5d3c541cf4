// Each root's distance from the camera as the running median of its sequence's (posynda/runtime/root_depth.py):
// one view sees the ray through a person's root far better than how far along it they stand, and a bad frame of
// the detector throws the depth by up to a metre. Every frame's root moves along its own ray to the median of
// the distance over the window of frames around it; the root-relative pose and the root's 2D are kept.
#pragma once

#include <cstdint>

namespace posynda::core {

constexpr double kAssumedFps = 50.0;  // a sequence whose frame rate is not known (0): Human3.6M's, the training's

// The odd number of frames nearest to the window_s * fps that window_s seconds span (1: none).
int64_t root_window_frames(double window_s, double fps);

// absolute_mm [n, 17, 3] (camera frame): each root (joint 0) moved along its ray to the running median of its
// distance from the camera over root_window_frames(window_s, fps) frames, the first and last repeated at the
// ends; frames whose root is not finite or at the camera centre are left out and left as they are. Nothing
// changes at window_s 0 or with fewer than two such frames. Memory: one window of doubles (at most 2 n + 1).
void median_root_depth(float* absolute_mm, int64_t n, double window_s, double fps);

}  // namespace posynda::core
