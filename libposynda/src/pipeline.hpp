// Pixels to 3D frame by frame for every person (posynda/runtime/live.py's LivePipeline): the people of each frame
// found and tracked (PeopleDetector), each person lifted by a stream of their own, created when they first appear,
// their poses oriented by and averaged with BlazePose's own 3D as they come (CausalDetector3D); a frame where a
// tracked person is not found is pushed as missing, and after `max_gap` such frames their stream is finished and
// the poses after their last detection dropped. The n-th stream opened draws the noise of sequence n, as in a
// keypoint file of the same detections. With a calibration (person_lift.py's LiveCalibration, PersonLift) each
// frame's H36M keypoints are levelled by the camera's gravity before their stream lifts them, each pose is sized
// by the floor of the person's frames so far and turned back into the real camera.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "floor_scale.hpp"
#include "lift.hpp"
#include "orientation.hpp"
#include "people.hpp"

namespace posynda::core {

// What a calibration gives the live pipeline (posynda/runtime/person_lift.py LiveCalibration).
struct LiveCalibration {
  bool level = false;                          // lift through the level camera of `up`
  std::array<double, 3> up = {0.0, -1.0, 0.0};  // camera-frame direction against gravity
  bool size_by_floor = false;                  // size people by the floor height_mm below the camera
  double height_mm = 0.0;
  int floor_window = 600;  // frames the floor's median is over
};

class Pipeline {
 public:
  Pipeline(Model& model, PeopleDetector& detector, const posynda_camera& camera, const posynda_settings& settings,
           int max_gap, bool orient, double detector_weight, const LiveCalibration& calibration = {});
  // The next RGB frame (its size must be the camera's): the poses that became final with it, by frame, then
  // person (their ids' decimal text, as Python sorts them).
  std::vector<posynda_person_pose> push(const Frame& frame);
  std::vector<posynda_person_pose> finish();  // the poses still in every person's stream
  // The floor's scale of person `id`'s last pose (1: the lifter's size) and whether the floor gave it, for a
  // person followed now or one of the last kEndedSizes who ended (live.py: LivePipeline.person_scale); false for
  // any other id.
  bool person_scale(int id, double* scale, bool* sized) const;
  static constexpr std::size_t kEndedSizes = 256;
  int width() const { return camera_.width; }
  int height() const { return camera_.height; }

 private:
  struct Person {
    std::unique_ptr<Stream> stream;
    std::unique_ptr<CausalDetector3D> use;
    std::unique_ptr<RunningFloorScale> size;  // with a calibration's floor
    int64_t first = 0, last_seen = 0;
    std::vector<bool> detected;
    std::map<int64_t, std::array<double, 17 * 3>> detector_3d;  // stream frame -> root-relative mm, until emitted
  };
  void emitted(int id, Person& person, const posynda_pose& pose, std::vector<posynda_person_pose>& out);
  void pushed(int id, Person& person, const float* keypoints, const float* confidence, bool detected,
              std::vector<posynda_person_pose>& out);
  void finished(int id, std::vector<posynda_person_pose>& out);
  static void sort_poses(std::vector<posynda_person_pose>& poses);
  std::array<double, 17 * 3> detector_pose(const Landmarks& landmarks) const;
  // One frame's BlazePose-33 keypoints [33, 2] and scores [33] (NaN, 0: missing) into the person's stream:
  // levelled H36M keypoints with a calibration, as they are without.
  bool stream_push(Person& person, const float* keypoints, const float* confidence, posynda_pose* pose) const;

  Model& model_;
  PeopleDetector& detector_;
  posynda_camera camera_;
  posynda_settings settings_;
  int max_gap_;
  bool orient_;
  double weight_;
  LiveCalibration calibration_;
  Mat3 level_{};                   // Q: the real camera's frame -> the level camera's
  std::vector<double> intrinsics_;  // the real camera's 9, float64
  posynda_camera stream_camera_;   // the camera the streams lift in: the level one with a calibration
  int64_t frame_ = -1;
  uint32_t streams_opened_ = 0;  // the next stream's noise sequence
  std::vector<std::pair<int, Person>> people_;  // in the order they appeared (Python's dict)
  struct EndedSize {
    int id;
    double scale;
    bool sized;
  };
  std::deque<EndedSize> ended_;  // the last kEndedSizes people who ended, oldest first
};

}  // namespace posynda::core
