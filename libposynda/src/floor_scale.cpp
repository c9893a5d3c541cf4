#include "floor_scale.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace posynda::core {
namespace {

constexpr double kClearanceMm = 80.0;               // floor_scale.CLEARANCE_MM
constexpr double kScaleMin = 0.6, kScaleMax = 1.4;  // floor_scale.SCALE_RANGE
constexpr size_t kMinFrames = 1;                    // floor_scale.LIVE_MIN_FRAMES
constexpr int kLeftAnkle = 6, kRightAnkle = 3;      // H36M

// np.median: the middle value, or the mean of the two middle values.
double median(std::vector<double> v) {
  const size_t n = v.size(), mid = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (n % 2) return upper;
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2.0;
}

}  // namespace

RunningFloorScale::RunningFloorScale(const std::array<double, 3>& up, double height_mm, int window)
    : height_(height_mm), window_(std::max<size_t>(static_cast<size_t>(std::max(window, 0)), kMinFrames)) {
  const double norm = std::sqrt(up[0] * up[0] + up[1] * up[1] + up[2] * up[2]);
  for (int i = 0; i < 3; ++i) up_[i] = up[i] / norm;
}

double RunningFloorScale::operator()(const float* absolute_mm) {
  double lower = INFINITY;  // np.min over the two ankles: NaN when either is
  for (int j : {kLeftAnkle, kRightAnkle}) {
    const float* x = absolute_mm + 3 * j;
    const double h = static_cast<double>(x[0]) * up_[0] + static_cast<double>(x[1]) * up_[1] +
                     static_cast<double>(x[2]) * up_[2];
    lower = std::isnan(h) || std::isnan(lower) ? NAN : std::min(lower, h);
  }
  if (std::isfinite(lower) && lower < -1e-6) {  // a foot below the camera: a sample
    samples_.push_back((kClearanceMm - height_) / lower);
    if (samples_.size() > window_) samples_.pop_front();
  }
  scale_ = 1.0, sized_ = false;
  if (height_ <= kClearanceMm || samples_.size() < kMinFrames) return scale_;
  const double scale = median(std::vector<double>(samples_.begin(), samples_.end()));
  if (scale >= kScaleMin && scale <= kScaleMax) scale_ = scale, sized_ = true;
  return scale_;
}

}  // namespace posynda::core
