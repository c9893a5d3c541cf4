#include "level_camera.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "error.hpp"
#include "geometry.hpp"
#include "pyformat.hpp"

namespace posynda::core {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxPitchDeg = 60.0;  // level_camera.MAX_PITCH_DEG

}  // namespace

Mat3 rotation_between(const double* a_in, const double* b_in) {
  const double na = std::sqrt(a_in[0] * a_in[0] + a_in[1] * a_in[1] + a_in[2] * a_in[2]);
  const double nb = std::sqrt(b_in[0] * b_in[0] + b_in[1] * b_in[1] + b_in[2] * b_in[2]);
  const double a[3] = {a_in[0] / na, a_in[1] / na, a_in[2] / na}, b[3] = {b_in[0] / nb, b_in[1] / nb, b_in[2] / nb};
  const double cos = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  Mat3 r{};
  if (cos < -1 + 1e-9) {  // opposite: a half turn 2 n n^T - I about an axis n perpendicular to a
    int k = 0;
    for (int i = 1; i < 3; ++i)
      if (std::abs(a[i]) < std::abs(a[k])) k = i;  // np.argmin: the first of equals
    double n[3] = {0.0, 0.0, 0.0};
    n[k] = 1.0;
    const double along = n[0] * a[0] + n[1] * a[1] + n[2] * a[2];
    for (int i = 0; i < 3; ++i) n[i] -= along * a[i];
    const double norm = std::sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    for (int i = 0; i < 3; ++i) n[i] /= norm;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) r[3 * i + j] = 2.0 * n[i] * n[j] - (i == j ? 1.0 : 0.0);
    return r;
  }
  const double v[3] = {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
  const double c[9] = {0.0, -v[2], v[1], v[2], 0.0, -v[0], -v[1], v[0], 0.0};  // [v]x
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double cc = 0.0;
      for (int k = 0; k < 3; ++k) cc += c[3 * i + k] * c[3 * k + j];
      r[3 * i + j] = (i == j ? 1.0 : 0.0) + c[3 * i + j] + cc / (1.0 + cos);  // I + [v]x + [v]x^2 / (1 + cos)
    }
  return r;
}

Mat3 level_rotation(const double* up) {
  const double norm = std::sqrt(up[0] * up[0] + up[1] * up[1] + up[2] * up[2]);
  if (!std::isfinite(norm) || norm < 1e-9)
    fail(POSYNDA_ERROR_ARGUMENT, "camera_up must be a finite nonzero direction, got [" + py_g(up[0]) + ", " +
                                     py_g(up[1]) + ", " + py_g(up[2]) + "]");
  // level_camera.MAX_PITCH_DEG: a steeper camera sees much of its picture behind the level camera at its place
  const double pitch = std::asin(std::clamp(-up[2] / norm, -1.0, 1.0)) * 180.0 / kPi;
  if (std::abs(pitch) > kMaxPitchDeg + 1e-9)
    fail(POSYNDA_ERROR_ARGUMENT, "camera_up makes the camera look " + std::to_string(std::lround(std::abs(pitch))) +
                                     " degrees " + (pitch > 0 ? "down" : "up") +
                                     ": lifting through a level camera needs at most 60 (is the up direction right?)");
  const double level_up[3] = {0.0, -1.0, 0.0};
  return rotation_between(up, level_up);
}

void levelled_pixels(const float* pixels, int J, const double* cam, const Mat3& Q, float* out) {
  for (int j = 0; j < J; ++j) {
    const double u = pixels[2 * j], v = pixels[2 * j + 1];
    out[2 * j] = out[2 * j + 1] = std::numeric_limits<float>::quiet_NaN();
    if (!std::isfinite(u) || !std::isfinite(v)) continue;
    double ray[3] = {0.0, 0.0, 1.0};
    undistort_pixel(u, v, cam, &ray[0], &ray[1]);
    double turned[3];
    for (int i = 0; i < 3; ++i) turned[i] = Q[3 * i] * ray[0] + Q[3 * i + 1] * ray[1] + Q[3 * i + 2] * ray[2];
    if (!(turned[2] > 1e-6)) continue;  // the level camera sees it behind
    out[2 * j] = static_cast<float>(turned[0] / turned[2] * cam[0] + cam[2]);
    out[2 * j + 1] = static_cast<float>(turned[1] / turned[2] * cam[1] + cam[3]);
  }
}

}  // namespace posynda::core
