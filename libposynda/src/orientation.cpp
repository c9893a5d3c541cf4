#include "orientation.hpp"

#include <algorithm>
#include <cmath>

namespace posynda::core {
namespace {

constexpr int J = 17;
constexpr int kMinFrames = 5;         // orientation.MIN_FRAMES
constexpr double kMinTiltDeg = 5.0;   // orientation.MIN_TILT_DEG
constexpr double kPi = 3.14159265358979323846;

// Eigen-decomposition of a symmetric 4 x 4 matrix by cyclic Jacobi rotations: eigenvalues in `values`, the
// eigenvectors in the columns of `vectors`.
void jacobi4(std::array<double, 16> a, std::array<double, 4>& values, std::array<double, 16>& vectors) {
  vectors = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  for (int sweep = 0; sweep < 64; ++sweep) {
    double off = 0;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) off += a[p * 4 + q] * a[p * 4 + q];
    if (off < 1e-300) break;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) {
        const double apq = a[p * 4 + q];
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (a[q * 4 + q] - a[p * 4 + p]) / (2 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 4; ++k) {  // a = G^T a G
          const double akp = a[k * 4 + p], akq = a[k * 4 + q];
          a[k * 4 + p] = c * akp - s * akq, a[k * 4 + q] = s * akp + c * akq;
        }
        for (int k = 0; k < 4; ++k) {
          const double apk = a[p * 4 + k], aqk = a[q * 4 + k];
          a[p * 4 + k] = c * apk - s * aqk, a[q * 4 + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 4; ++k) {
          const double vkp = vectors[k * 4 + p], vkq = vectors[k * 4 + q];
          vectors[k * 4 + p] = c * vkp - s * vkq, vectors[k * 4 + q] = s * vkp + c * vkq;
        }
      }
  }
  for (int k = 0; k < 4; ++k) values[k] = a[k * 4 + k];
}

}  // namespace

Mat3 rotation_of(const Mat3& m) {
  const double sxx = m[0], sxy = m[1], sxz = m[2], syx = m[3], syy = m[4], syz = m[5], szx = m[6], szy = m[7],
               szz = m[8];
  const std::array<double, 16> n = {sxx + syy + szz, syz - szy,        szx - sxz,        sxy - syx,
                                    syz - szy,       sxx - syy - szz,  sxy + syx,        szx + sxz,
                                    szx - sxz,       sxy + syx,        -sxx + syy - szz, syz + szy,
                                    sxy - syx,       szx + sxz,        syz + szy,        -sxx - syy + szz};
  std::array<double, 4> values{};
  std::array<double, 16> vectors{};
  jacobi4(n, values, vectors);
  const int best = static_cast<int>(std::max_element(values.begin(), values.end()) - values.begin());
  double a = vectors[0 * 4 + best], b = vectors[1 * 4 + best], c = vectors[2 * 4 + best], d = vectors[3 * 4 + best];
  const double norm = std::sqrt(a * a + b * b + c * c + d * d);
  a /= norm, b /= norm, c /= norm, d /= norm;
  // Q (column vectors, Q p ~ d) from the unit quaternion; R = Q^T for row vectors
  const Mat3 q = {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
                  2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b),
                  2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d};
  return {q[0], q[3], q[6], q[1], q[4], q[7], q[2], q[5], q[8]};
}

double tilt_degrees(const Mat3& r) {
  // turned = (0, -1, 0) R = -row 1 of R; its dot with (0, -1, 0) is R[1][1]
  return std::acos(std::min(std::max(r[4], -1.0), 1.0)) * 180.0 / kPi;
}

bool CausalDetector3D::apply(float* rel, const double* detector) {
  if (!detector || !(orient_ || weight_ > 0)) return false;
  const bool have_rotation = frames_ >= kMinFrames;
  const Mat3 rotation = have_rotation ? rotation_of(cross_) : Mat3{};
  bool complete = true;  // every joint finite in both: this frame's pair goes into the sums (for the frames after)
  for (int k = 0; k < J * 3; ++k) complete = complete && std::isfinite(rel[k]) && std::isfinite(detector[k]);
  if (complete) {
    for (int j = 0; j < J; ++j)
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) cross_[a * 3 + b] += static_cast<double>(rel[j * 3 + a]) * detector[j * 3 + b];
    ++frames_;
  }
  bool detector_complete = true;
  for (int k = 0; k < J * 3; ++k) detector_complete = detector_complete && std::isfinite(detector[k]);
  if (!have_rotation || !detector_complete) return false;  // fusion.one_frame: the pose unchanged
  const bool turned = orient_ && tilt_degrees(rotation) >= kMinTiltDeg;
  for (int j = 0; j < J; ++j) {
    double ours[3], theirs[3];
    for (int b = 0; b < 3; ++b) {
      ours[b] = turned ? 0.0 : static_cast<double>(rel[j * 3 + b]);
      theirs[b] = turned ? detector[j * 3 + b] : 0.0;
    }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        if (turned)
          ours[b] += static_cast<double>(rel[j * 3 + a]) * rotation[a * 3 + b];  // p R
        else
          theirs[a] += detector[j * 3 + b] * rotation[a * 3 + b];  // d R^T
      }
    for (int b = 0; b < 3; ++b)
      rel[j * 3 + b] = static_cast<float>((1.0 - weight_) * ours[b] + weight_ * theirs[b]);
  }
  return true;
}

}  // namespace posynda::core
