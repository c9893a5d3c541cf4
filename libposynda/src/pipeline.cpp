#include "pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "error.hpp"
#include "keypoints.hpp"
#include "level_camera.hpp"
#include "pyformat.hpp"

namespace posynda::core {

// BlazePose's own 3D of one person as H36M-17, root-relative mm (live.py: convert_joints of the world landmarks).
std::array<double, 17 * 3> Pipeline::detector_pose(const Landmarks& landmarks) const {
  std::array<double, 17 * 3> out{};
  const auto& rules = model_.meta().blazepose33;
  for (int j = 0; j < 17; ++j)
    for (size_t k = 0; k < rules[j].sources.size(); ++k)
      for (int a = 0; a < 3; ++a)
        out[j * 3 + a] += landmarks.world[rules[j].sources[k] * 3 + a] * 1000.0 * rules[j].weights[k];
  const std::array<double, 3> root = {out[0], out[1], out[2]};
  for (int j = 0; j < 17; ++j)
    for (int a = 0; a < 3; ++a) out[j * 3 + a] -= root[a];
  return out;
}

Pipeline::Pipeline(Model& model, PeopleDetector& detector, const posynda_camera& camera,
                   const posynda_settings& settings, int max_gap, bool orient, double detector_weight,
                   const LiveCalibration& calibration)
    : model_(model), detector_(detector), camera_(camera), settings_(settings), max_gap_(max_gap), orient_(orient),
      weight_(detector_weight), calibration_(calibration), stream_camera_(camera) {
  if (max_gap < 0 || max_gap > 100000)
    fail(POSYNDA_ERROR_ARGUMENT, "max_gap must be in [0, 100000] frames, got " + std::to_string(max_gap));
  if (settings.sequence != 0)
    fail(POSYNDA_ERROR_ARGUMENT, "settings.sequence must be 0 for a pipeline, which numbers its streams itself, got " +
                                     std::to_string(settings.sequence));
  if (!(detector_weight >= 0.0 && detector_weight <= 1.0))  // fusion.check_weight (NaN fails too)
    fail(POSYNDA_ERROR_ARGUMENT, "detector_weight must lie in [0, 1], got " + py_g(detector_weight));
  const std::vector<float> intrinsics = camera_intrinsics(camera_);  // a bad camera fails here, not at a person
  intrinsics_.assign(intrinsics.begin(), intrinsics.end());
  if (calibration.size_by_floor && !calibration.level)
    fail(POSYNDA_ERROR_ARGUMENT, "size_by_floor needs level: the floor is the calibration's, with its gravity");
  if (calibration.size_by_floor && !std::isfinite(calibration.height_mm))
    fail(POSYNDA_ERROR_ARGUMENT, "camera_height_mm must be finite, got " + py_g(calibration.height_mm));
  if (calibration.size_by_floor && (calibration.floor_window < 1 || calibration.floor_window > 100000))
    fail(POSYNDA_ERROR_ARGUMENT,
         "floor_window must be in [1, 100000] frames, got " + std::to_string(calibration.floor_window));
  if (calibration.level) {  // the streams lift what the level camera sees: no distortion (level_intrinsics)
    level_ = level_rotation(calibration.up.data());
    stream_camera_.has_intrinsics = 1;
    for (int i = 0; i < 9; ++i) stream_camera_.intrinsics[i] = i < 4 ? intrinsics[i] : 0.0f;
  }
}

bool Pipeline::stream_push(Person& person, const float* keypoints, const float* confidence, posynda_pose* pose) const {
  if (!calibration_.level) return person.stream->push(keypoints, confidence, pose);
  float h36m[17 * 2], weights[17], levelled[17 * 2];  // convert_joints, then PersonLift levels them
  to_model_joints(model_.meta(), POSYNDA_ORDER_BLAZEPOSE33, keypoints, confidence, 1, h36m, weights);
  levelled_pixels(h36m, 17, intrinsics_.data(), level_, levelled);
  return person.stream->push(levelled, weights, pose);
}

void Pipeline::sort_poses(std::vector<posynda_person_pose>& poses) {
  std::stable_sort(poses.begin(), poses.end(), [](const posynda_person_pose& a, const posynda_person_pose& b) {
    if (a.pose.frame != b.pose.frame) return a.pose.frame < b.pose.frame;
    return std::to_string(a.person) < std::to_string(b.person);
  });
}

void Pipeline::emitted(int id, Person& person, const posynda_pose& pose, std::vector<posynda_person_pose>& out) {
  posynda_person_pose p{};
  p.person = id;
  p.detected = person.detected[static_cast<size_t>(pose.frame)] ? 1 : 0;
  p.pose = pose;
  auto found = person.detector_3d.find(pose.frame);
  if (person.use->apply(&p.pose.root_relative_mm[0][0],
                        found == person.detector_3d.end() ? nullptr : found->second.data()))
    person.stream->place(p.pose.frame, &p.pose.root_relative_mm[0][0], &p.pose.absolute_mm[0][0]);
  if (found != person.detector_3d.end()) person.detector_3d.erase(found);
  if (person.size) {  // scaled about the camera centre: the 2D stays (floor_scale.py)
    const float scale = static_cast<float>((*person.size)(&p.pose.absolute_mm[0][0]));
    for (int j = 0; j < 17; ++j)
      for (int a = 0; a < 3; ++a) {
        p.pose.root_relative_mm[j][a] *= scale;
        p.pose.absolute_mm[j][a] *= scale;
      }
  }
  if (calibration_.level) {  // Q^T X back into the real camera (row vectors: X^T Q, float32 as PersonLift's)
    float q[9];
    for (int i = 0; i < 9; ++i) q[i] = static_cast<float>(level_[i]);
    for (float(*pose)[3] : {p.pose.root_relative_mm, p.pose.absolute_mm})
      for (int j = 0; j < 17; ++j) {
        const float x = pose[j][0], y = pose[j][1], z = pose[j][2];
        for (int a = 0; a < 3; ++a) pose[j][a] = x * q[a] + y * q[3 + a] + z * q[6 + a];
      }
  }
  p.pose.frame += person.first;
  out.push_back(p);
}

void Pipeline::pushed(int id, Person& person, const float* keypoints, const float* confidence, bool detected,
                      std::vector<posynda_person_pose>& out) {
  person.detected.push_back(detected);
  posynda_pose pose{};
  if (stream_push(person, keypoints, confidence, &pose)) emitted(id, person, pose, out);
}

void Pipeline::finished(int id, std::vector<posynda_person_pose>& out) {
  auto it = std::find_if(people_.begin(), people_.end(), [&](const auto& p) { return p.first == id; });
  Person person = std::move(it->second);
  people_.erase(it);
  int64_t last = -1;
  for (size_t i = 0; i < person.detected.size(); ++i)
    if (person.detected[i]) last = static_cast<int64_t>(i);
  std::vector<posynda_pose> rest(static_cast<size_t>(person.stream->latency()) + 1);
  const int count = person.stream->finish(rest.data(), static_cast<int>(rest.size()));
  for (int k = 0; k < count; ++k)
    if (rest[k].frame <= last) emitted(id, person, rest[k], out);  // the frames after they left are not invented
  const auto same = [&](const EndedSize& e) { return e.id == id; };  // one entry per person, as Python's dict
  ended_.erase(std::remove_if(ended_.begin(), ended_.end(), same), ended_.end());
  ended_.push_back({id, person.size ? person.size->scale() : 1.0, person.size && person.size->sized()});
  if (ended_.size() > kEndedSizes) ended_.pop_front();
}

bool Pipeline::person_scale(int id, double* scale, bool* sized) const {
  auto it = std::find_if(people_.begin(), people_.end(), [&](const auto& p) { return p.first == id; });
  if (it != people_.end()) {
    const RunningFloorScale* size = it->second.size.get();
    *scale = size ? size->scale() : 1.0;
    *sized = size && size->sized();
    return true;
  }
  auto ended = std::find_if(ended_.begin(), ended_.end(), [&](const EndedSize& e) { return e.id == id; });
  if (ended == ended_.end()) return false;
  *scale = ended->scale;
  *sized = ended->sized;
  return true;
}

std::vector<posynda_person_pose> Pipeline::push(const Frame& frame) {
  if (frame.width != camera_.width || frame.height != camera_.height)
    fail(POSYNDA_ERROR_INPUT, "a frame of " + std::to_string(frame.width) + " x " + std::to_string(frame.height) +
                                  " px, the camera is " + std::to_string(camera_.width) + " x " +
                                  std::to_string(camera_.height));
  ++frame_;
  const std::vector<PeopleDetector::Found> found = detector_.detect(frame);
  std::vector<posynda_person_pose> out;
  for (const auto& f : found) {
    auto it = std::find_if(people_.begin(), people_.end(), [&](const auto& p) { return p.first == f.id; });
    if (it == people_.end()) {
      Person person;
      posynda_settings numbered = settings_;  // the n-th stream opened draws sequence n's noise (live.py)
      numbered.sequence = streams_opened_++;   // uint32_t: mod 2^32, as Python's
      person.stream = std::make_unique<Stream>(model_, stream_camera_, numbered,
                                               calibration_.level ? POSYNDA_ORDER_H36M : POSYNDA_ORDER_BLAZEPOSE33);
      person.use = std::make_unique<CausalDetector3D>(orient_, weight_);
      if (calibration_.size_by_floor)  // sized in the level camera, whose up is (0, -1, 0)
        person.size = std::make_unique<RunningFloorScale>(std::array<double, 3>{0.0, -1.0, 0.0},
                                                          calibration_.height_mm, calibration_.floor_window);
      person.first = frame_;
      people_.emplace_back(f.id, std::move(person));
      it = people_.end() - 1;
    }
    it->second.last_seen = frame_;
    it->second.detector_3d[static_cast<int64_t>(it->second.detected.size())] = detector_pose(f.landmarks);
    float keypoints[kLandmarks * 2], confidence[kLandmarks];
    for (int k = 0; k < kLandmarks; ++k) {
      keypoints[2 * k] = static_cast<float>(f.landmarks.keypoints[2 * k]);
      keypoints[2 * k + 1] = static_cast<float>(f.landmarks.keypoints[2 * k + 1]);
      confidence[k] = static_cast<float>(std::min(f.landmarks.visibility[k], f.landmarks.presence[k]));
    }
    pushed(f.id, it->second, keypoints, confidence, true, out);
  }
  float missing[kLandmarks * 2], zeros[kLandmarks] = {};
  std::fill_n(missing, kLandmarks * 2, std::numeric_limits<float>::quiet_NaN());
  std::vector<int> ids;
  for (const auto& p : people_) ids.push_back(p.first);
  for (int id : ids) {
    if (std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.id == id; })) continue;
    auto it = std::find_if(people_.begin(), people_.end(), [&](const auto& p) { return p.first == id; });
    if (frame_ - it->second.last_seen > max_gap_) {
      finished(id, out);
    } else {
      pushed(id, it->second, missing, zeros, false, out);
    }
  }
  sort_poses(out);
  return out;
}

std::vector<posynda_person_pose> Pipeline::finish() {
  std::vector<posynda_person_pose> out;
  while (!people_.empty()) finished(people_.front().first, out);
  sort_poses(out);
  return out;
}

}  // namespace posynda::core
