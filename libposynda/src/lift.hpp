// Whole-sequence lifting and the live stream behind the C API (posynda/runtime/windowed_lift.py and
// posynda/runtime/stream.py: the same windows, noise, aggregation and overlap rule; a causal model's one
// window per frame, posynda/data/windows.py causal_windows).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine.hpp"
#include "keypoints.hpp"

namespace posynda::core {

// posynda_lift: sequence -> root-relative and (if non-null) absolute mm [n, 17, 3].
void lift_sequence(Model& model, const posynda_camera& camera, const posynda_settings& settings,
                   const posynda_sequence& sequence, float* root_relative_mm, float* absolute_mm);

class Stream {
 public:
  Stream(Model& model, const posynda_camera& camera, const posynda_settings& settings, posynda_joint_order order);
  int latency() const { return engine_.causal() ? 0 : engine_.frames() - 1; }
  bool push(const float* keypoints, const float* confidence, posynda_pose* pose);  // true: *pose is frame t - L
  int finish(posynda_pose* poses, int capacity);                                  // poses written
  // A root-relative pose [17,3] mm of stream frame `frame` placed as the stream places its own (stream.py
  // LiftStream.place), into absolute [17,3] mm: for a pose changed after it was emitted. The frame must still be
  // buffered (one returned by the last push or by finish).
  void place(int64_t frame, const float* root_relative_mm, float* absolute_mm) const;

 private:
  bool advance(const float* keypoints, const float* confidence, posynda_pose* pose);
  // the next window: position i holds segment frame positions[i] (the segment starts at stream frame `first`)
  void sample(int64_t first, const std::vector<float>& seg, const std::vector<int64_t>& positions,
              std::vector<float>& mm);
  void lift_window(int64_t start, bool tail, const std::vector<int64_t>& local);
  void lift_causal(int64_t t, posynda_pose* pose);  // a causal model: frame t from the window ending at it
  void filled(int64_t first, int64_t count, std::vector<float>& out) const;
  void emit(int64_t frame, posynda_pose* pose);

  Engine engine_;
  posynda_joint_order order_;
  int64_t T_;
  std::vector<float> pixels_, weights_;  // ring buffers of the T newest frames [T,17,2], [T,17]
  std::vector<double> sum_, count_;       // overlap sums of frames not yet emitted [T,17,3], [T]
  std::vector<Observation> before_;       // each joint's last observation older than the buffer (absolute frame)
  int64_t pushed_ = 0;
  uint32_t windows_ = 0;
  bool finished_ = false;
  std::string failure_;  // set when a push failed after the buffers moved on
};

}  // namespace posynda::core
