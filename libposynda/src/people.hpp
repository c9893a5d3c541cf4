// Every person in every frame, with an id that stays theirs: BlazePose's person detector and landmark model
// (the ONNX files `posynda export --detector` writes) run by ONNX Runtime per person and tracked -- the port of
// posynda/detectors (person_boxes.py, landmarks.py, people.py: the same decoding, regions and track rules).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "crops.hpp"
#include "posynda/posynda.h"

namespace posynda::core {

constexpr int kLandmarks = 33;

// One person's landmarks in one frame (posynda.detectors.landmarks.Landmarks).
struct Landmarks {
  std::array<double, kLandmarks * 2> keypoints{};  // image px
  std::array<double, kLandmarks> visibility{}, presence{};
  std::array<double, kLandmarks * 3> world{};  // m, origin between the hips, image axes
  double flag = 0;
  Region region, next_region;
};

struct DetectorSettings {  // posynda.detectors.people.DetectorSettings
  double min_detection = 0.5, min_tracking = 0.5;
  int detect_every = 8, max_people = 8, reid_frames = 120;
  bool tiles = true;
  bool side_by_side = true;  // PeopleDetector's side_by_side sessions (when there are 2 or more threads)
};

class PeopleDetector {
 public:
  // person_detector.onnx and landmarks.onnx in `folder`; throws Error (MODEL: missing or not those graphs).
  PeopleDetector(const std::string& folder, const DetectorSettings& settings, int threads);
  ~PeopleDetector();
  PeopleDetector(const PeopleDetector&) = delete;
  PeopleDetector& operator=(const PeopleDetector&) = delete;

  struct Found {
    int id;
    Landmarks landmarks;
  };
  // The people of the next frame, by id (an RGB frame of any size; throws Error(RUNTIME) from ONNX Runtime).
  std::vector<Found> detect(const Frame& frame);
  const DetectorSettings& settings() const { return settings_; }

 private:
  struct Box {
    double score;
    std::array<double, 4> box;
    std::array<double, 8> keypoints;  // 4 points (x, y), image px: 0 the mid-hip, 1 above the head
  };
  struct Track {
    int id;
    Landmarks landmarks;
    int64_t frame;  // the last frame tracked
    int64_t since;  // the first frame this id was tracked (before any dropout)
    double vx = 0, vy = 0;
  };
  struct Graphs;

  std::vector<Box> boxes_in(const Frame& frame);
  std::vector<Box> boxes(const Frame& frame);
  // The landmarks in `region` on the session of every thread (side -1) or side-by-side session `side` (0, 1).
  Landmarks landmarks(const Frame& frame, const Region& region, int side = -1);
  // Each region's landmarks (people.PeopleDetector._follow): two at once on the side-by-side sessions when
  // there are several regions and sessions (the same numbers as one after another), else one after another.
  std::vector<Landmarks> follow(const Frame& frame, const std::vector<Region>& regions);
  bool known(const Box& box) const;
  // The ended track `found` continues, taken out of ended_ (its id and since), or false.
  bool reidentified(const Landmarks& found, Track& earlier);
  // people.PeopleDetector._nearer: `track`'s landmarks in its region kNearerScale times larger, moved on by its
  // velocity, into `out` -- false when they lie on the body of a track in `still` too, or are unsure.
  bool nearer(const Frame& frame, const Track& track, const std::vector<Track>& still, Landmarks& out);

  std::unique_ptr<Graphs> graphs_;
  DetectorSettings settings_;
  int64_t frame_ = -1;
  int64_t search_until_ = -1;  // the person detector runs on every frame up to this one (a person was lost)
  std::vector<Track> active_, ended_;
  int next_id_ = 0;
  std::vector<float> detector_input_, landmark_input_;
};

}  // namespace posynda::core
