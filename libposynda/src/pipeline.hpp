// Pixels to 3D frame by frame for every person (posynda/runtime/live.py's LivePipeline): the people of each frame
// found and tracked (PeopleDetector), each person lifted by a stream of their own, created when they first appear,
// their poses oriented by and averaged with BlazePose's own 3D as they come (CausalDetector3D); a frame where a
// tracked person is not found is pushed as missing, and after `max_gap` such frames their stream is finished and
// the poses after their last detection dropped.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "lift.hpp"
#include "orientation.hpp"
#include "people.hpp"

namespace posynda::core {

class Pipeline {
 public:
  Pipeline(Model& model, PeopleDetector& detector, const posynda_camera& camera, const posynda_settings& settings,
           int max_gap, bool orient, double detector_weight);
  // The next RGB frame (its size must be the camera's): the poses that became final with it, by frame, then
  // person (their ids' decimal text, as Python sorts them).
  std::vector<posynda_person_pose> push(const Frame& frame);
  std::vector<posynda_person_pose> finish();  // the poses still in every person's stream
  int width() const { return camera_.width; }
  int height() const { return camera_.height; }

 private:
  struct Person {
    std::unique_ptr<Stream> stream;
    std::unique_ptr<CausalDetector3D> use;
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

  Model& model_;
  PeopleDetector& detector_;
  posynda_camera camera_;
  posynda_settings settings_;
  int max_gap_;
  bool orient_;
  double weight_;
  int64_t frame_ = -1;
  std::vector<std::pair<int, Person>> people_;  // in the order they appeared (Python's dict)
};

}  // namespace posynda::core
