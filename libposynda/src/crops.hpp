// Rotated square regions of an RGB frame and the bilinear warp that cuts them out, as BlazePose uses them
// (posynda/detectors/crops.py: the same float32 arithmetic, in the same order, so the crops are equal).
#pragma once

#include <array>
#include <cstdint>

namespace posynda::core {

// An RGB uint8 frame: rows of `row_bytes` bytes (>= 3 width), pixel (x, y) at data[y * row_bytes + 3 x].
struct Frame {
  const uint8_t* data = nullptr;
  int width = 0, height = 0;
  int64_t row_bytes = 0;
  Frame window(int x0, int y0, int w, int h) const {  // a sub-rectangle, no copy
    return {data + y0 * row_bytes + 3 * static_cast<int64_t>(x0), w, h, row_bytes};
  }
};

// A square of `size` px centred at (cx, cy), turned by `rotation` rad (clockwise on the screen, y down).
struct Region {
  double cx = 0, cy = 0, size = 0, rotation = 0;
};

// [2, 3] affine map (row-major) from a crop's pixels to the frame's.
using Affine = std::array<double, 6>;

double normalise_angle(double angle);  // in [-pi, pi), Python's (a + pi) % (2 pi) - pi
// aligned_region: centred at `start` (mid-hip), turned so that start -> end points up, side 2 |end - start| scale.
Region aligned_region(double sx, double sy, double ex, double ey, double scale = 1.25);
Affine crop_transform(const Region& region, int side);
Affine letterbox_transform(int width, int height, int side);
void to_image(const Affine& m, double x, double y, double& out_x, double& out_y);

// crop [out_h, out_w, 3] float32: the frame sampled bilinearly at m (u, v, 1), zero outside it (crops.warp).
void warp(const Frame& frame, const Affine& m, int out_w, int out_h, float* crop);

}  // namespace posynda::core
