#include "crops.hpp"

#include <cmath>

namespace posynda::core {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

double normalise_angle(double angle) {
  const double y = 2.0 * kPi;
  double r = std::fmod(angle + kPi, y);  // Python's float %: the sign of the divisor
  if (r != 0.0) {
    if (r < 0.0) r += y;
  } else {
    r = std::copysign(0.0, y);
  }
  return r - kPi;
}

Region aligned_region(double sx, double sy, double ex, double ey, double scale) {
  const double dx = ex - sx, dy = ey - sy;
  const double rotation = normalise_angle(kPi / 2 - std::atan2(-dy, dx));  // target angle 90 degrees
  return {sx, sy, 2.0 * std::hypot(dx, dy) * scale, rotation};
}

Affine crop_transform(const Region& region, int side) {
  const double c = std::cos(region.rotation), s = std::sin(region.rotation), k = region.size / side;
  const double a = c * k, b = -s * k, d = s * k, e = c * k, half = side / 2.0;
  return {a, b, region.cx - (a * half + b * half), d, e, region.cy - (d * half + e * half)};
}

Affine letterbox_transform(int width, int height, int side) {
  const double scale = static_cast<double>(width > height ? width : height) / side;
  return {scale, 0.0, (width - side * scale) / 2, 0.0, scale, (height - side * scale) / 2};
}

void to_image(const Affine& m, double x, double y, double& out_x, double& out_y) {
  out_x = x * m[0] + y * m[1] + m[2];
  out_y = x * m[3] + y * m[4] + m[5];
}

void warp(const Frame& frame, const Affine& m, int out_w, int out_h, float* crop) {
  auto pixel = [&](int64_t x, int64_t y, int c) -> float {  // zero outside the frame
    if (x < 0 || y < 0 || x >= frame.width || y >= frame.height) return 0.0f;
    return static_cast<float>(frame.data[y * frame.row_bytes + 3 * x + c]);
  };
  for (int v = 0; v < out_h; ++v) {
    for (int u = 0; u < out_w; ++u) {
      float* out = crop + (static_cast<int64_t>(v) * out_w + u) * 3;
      const double x = m[0] * u + m[1] * v + m[2], y = m[3] * u + m[4] * v + m[5];
      if (!(std::isfinite(x) && std::isfinite(y)) || std::fabs(x) > 1e9 || std::fabs(y) > 1e9) {
        out[0] = out[1] = out[2] = 0.0f;  // nowhere near the frame (a degenerate region)
        continue;
      }
      const double fx0 = std::floor(x), fy0 = std::floor(y);
      const float fx = static_cast<float>(x - fx0), fy = static_cast<float>(y - fy0);
      const float wx0 = 1.0f - fx, wy0 = 1.0f - fy;
      const int64_t x0 = static_cast<int64_t>(fx0), y0 = static_cast<int64_t>(fy0);
      const float w00 = wx0 * wy0, w10 = fx * wy0, w01 = wx0 * fy, w11 = fx * fy;
      for (int c = 0; c < 3; ++c) {  // numpy's order: four products summed left to right, float32
        float value = pixel(x0, y0, c) * w00;
        value += pixel(x0 + 1, y0, c) * w10;
        value += pixel(x0, y0 + 1, c) * w01;
        value += pixel(x0 + 1, y0 + 1, c) * w11;
        out[c] = value;
      }
    }
  }
}

}  // namespace posynda::core
