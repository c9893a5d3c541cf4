#include "root_depth.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "posynda/posynda.h"

namespace posynda::core {

int64_t root_window_frames(double window_s, double fps) {
  // Python: max(1, 2 * int(math.floor((window_s * fps - 1.0) / 2.0 + 0.5)) + 1); window_s <= 10 s and
  // fps <= 1000 (checked before), so the count fits
  return std::max<int64_t>(1, 2 * static_cast<int64_t>(std::floor((window_s * fps - 1.0) / 2.0 + 0.5)) + 1);
}

void median_root_depth(float* absolute_mm, int64_t n, double window_s, double fps) {
  constexpr int J = POSYNDA_JOINTS;
  if (!absolute_mm || window_s == 0.0) return;
  std::vector<int64_t> seen;  // frames with a finite root away from the camera centre
  std::vector<double> distance;
  for (int64_t f = 0; f < n; ++f) {
    const float* root = absolute_mm + f * J * 3;
    const double x = root[0], y = root[1], z = root[2];
    const double d = std::sqrt(x * x + y * y + z * z);  // numpy's norm: ((x^2 + y^2) + z^2)
    if (std::isfinite(d) && d > 0.0) seen.push_back(f), distance.push_back(d);
  }
  const int64_t m = static_cast<int64_t>(seen.size());
  if (m < 2) return;
  // a window wider than 2 m + 1 gives what 2 m + 1 gives (posynda.runtime.root_depth.running_median)
  const int64_t half = std::min(root_window_frames(window_s, fps) / 2, m);
  if (half == 0) return;
  std::vector<double> window(static_cast<size_t>(2 * half + 1)), median(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t k = 0; k <= 2 * half; ++k) window[k] = distance[std::clamp<int64_t>(i - half + k, 0, m - 1)];
    std::nth_element(window.begin(), window.begin() + half, window.end());
    median[i] = window[half];  // an odd count: the middle value itself, as numpy's median gives it
  }
  for (int64_t i = 0; i < m; ++i) {
    float* pose = absolute_mm + seen[i] * J * 3;
    const double factor = median[i] / distance[i] - 1.0;
    float delta[3];
    for (int c = 0; c < 3; ++c) delta[c] = static_cast<float>(factor * static_cast<double>(pose[c]));
    for (int j = 0; j < J; ++j)
      for (int c = 0; c < 3; ++c) pose[j * 3 + c] += delta[c];
  }
}

}  // namespace posynda::core
