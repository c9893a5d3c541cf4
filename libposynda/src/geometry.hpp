// Camera geometry of posynda/camera.py and posynda/hypotheses/reference.py in the same precision:
// projection with the Human3.6M distortion model (float32), the closed-form root translation from
// 2D keypoints (float64 normal equations), and reprojection-based selection of hypotheses.
#pragma once

#include <cstdint>

namespace posynda::core {

// Ideal image-plane (x/z, y/z) of pixel (u, v) under intrinsics cam [9] (camera.undistort_image_plane, float64).
void undistort_pixel(double u, double v, const double* cam, double* x, double* y);

// Root translation [3] (unit of `relative`) that best explains the pixels kp [J,2] (NaN = missing)
// with the root-relative pose relative [J,3] under intrinsics [9], weighted by weights [J].
void solve_root_translation(const double* relative, const double* kp, const double* intrinsics, const double* weights,
                            int J, double* translation);

// Aggregate H hypotheses [H,J,3] (metres) of one frame into out [J,3]: mode 0 mean, 1 per joint,
// 2 per frame by 2D reprojection error against kp [J,2] pixels (NaN = missing) with weights [J].
void aggregate_frame(const float* hypotheses, int H, int J, int mode, const float* kp, const float* weights,
                     const float* intrinsics, float* out);

}  // namespace posynda::core
