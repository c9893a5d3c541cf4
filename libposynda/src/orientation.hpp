// BlazePose's own 3D used on a stream's poses as they come (posynda/runtime/person_lift.py CausalDetector3D with
// posynda/runtime/orientation.py and fusion.py): each person's poses turned to the detector's orientation by the
// rotation of the frames before, and averaged with the detector's 3D turned onto them.
#pragma once

#include <array>

namespace posynda::core {

using Mat3 = std::array<double, 9>;  // row-major

// The proper rotation R maximising trace(R^T C) for a cross-covariance C = P^T D of row vectors (p R ~ d):
// Kabsch's rotation, by Horn's quaternion (the eigenvector of the largest eigenvalue of his 4 x 4 matrix).
Mat3 rotation_of(const Mat3& cross);
// How far R (row vectors) turns the camera's vertical (0, -1, 0), degrees.
double tilt_degrees(const Mat3& rotation);

class CausalDetector3D {
 public:
  CausalDetector3D(bool orient, double weight) : orient_(orient), weight_(weight) {}
  // One emitted pose (root-relative [17][3] mm, changed in place) and the detector's 3D of its frame ([17 * 3]
  // root-relative mm, or null): the rotation comes from the frames before. True when the pose changed (its root
  // is then to be fitted to the 2D again: Stream::place).
  bool apply(float* relative_mm, const double* detector);

 private:
  bool orient_;
  double weight_;
  Mat3 cross_{};  // summed P^T D of the complete pairs so far
  int frames_ = 0;
};

}  // namespace posynda::core
