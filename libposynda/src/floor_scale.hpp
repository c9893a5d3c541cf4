// Each person's size from a calibrated floor as their poses come (posynda/runtime/floor_scale.py,
// RunningFloorScale): scaling a camera-frame pose about the camera centre keeps its 2D and moves its height above
// the floor; in a frame where the lower ankle rests on the floor, s_t = (CLEARANCE_MM - h_cam) / (u . X_ankle).
// A pose's scale is the median of s_t over the person's frames so far (the last `window`), from the first frame
// with a foot below the camera (LIVE_MIN_FRAMES); 1 before it, or while the median lies outside SCALE_RANGE.
#pragma once

#include <array>
#include <cstddef>
#include <deque>

namespace posynda::core {

class RunningFloorScale {
 public:
  // up [3]: the camera-frame direction against gravity; height_mm: the camera centre above the floor; window:
  // the frames the median is over.
  RunningFloorScale(const std::array<double, 3>& up, double height_mm, int window);
  // The scale of the next frame's pose absolute_mm [17][3] (camera frame, the lifter's size).
  double operator()(const float* absolute_mm);
  double scale() const { return scale_; }  // the last pose's scale (1: the lifter's size)
  bool sized() const { return sized_; }    // whether the floor gave it (false: none yet, or outside SCALE_RANGE)

 private:
  std::array<double, 3> up_;
  double height_;
  std::size_t window_;
  std::deque<double> samples_;
  double scale_ = 1.0;
  bool sized_ = false;
};

}  // namespace posynda::core
