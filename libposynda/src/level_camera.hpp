// Lifting through a level virtual camera (posynda/runtime/level_camera.py): with the direction of gravity in the
// camera known (a calibration), each frame's 2D is turned into what a camera at the same place, level, would see
// (the homography K Q K^-1 of a pure rotation, Hartley & Zisserman eq. 8.8, lens distortion removed first), the
// lifter lifts that, and the poses are turned back (Q^T X).
#pragma once

#include "orientation.hpp"

namespace posynda::core {

// The smallest rotation R with R a = b for directions a, b [3] of any nonzero length (posynda.camera.
// rotation_between: Rodrigues about a x b; opposite directions: a half turn about the axis least aligned with a).
Mat3 rotation_between(const double* a, const double* b);

// Q: the smallest rotation taking the camera-frame up [3] (against gravity) to a level camera's (0, -1, 0).
// Throws Error(ARGUMENT) unless `up` is a finite nonzero direction that puts the camera within 60 degrees of level.
Mat3 level_rotation(const double* up);

// Pixels [J, 2] of a camera with intrinsics cam [9] -> the pixels the level camera Q sees, with the same focal
// lengths and principal point and no distortion (levelled_pixels): NaN where a pixel is missing or its ray is
// behind the level camera.
void levelled_pixels(const float* pixels, int J, const double* cam, const Mat3& Q, float* out);

}  // namespace posynda::core
