#include "geometry.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace posynda::core {
namespace {

constexpr double kRidge = 1e-9;        // camera.solve_root_translation's relative Tikhonov term
constexpr int kUndistortIterations = 20;

// Ideal image-plane (x/z, y/z) of pixel (u, v): fixed-point inversion of the distortion (float64).
void undistort(double u, double v, const double* cam, bool distorted_lens, double* x, double* y) {
  const double dx = (u - cam[2]) / cam[0], dy = (v - cam[3]) / cam[1];
  *x = dx;
  *y = dy;
  if (!distorted_lens) return;
  for (int i = 0; i < kUndistortIterations; ++i) {
    const double r2 = *x * *x + *y * *y;
    const double radial = 1.0 + cam[4] * r2 + cam[5] * (r2 * r2) + cam[6] * (r2 * r2 * r2);
    const double tangential = cam[7] * *x + cam[8] * *y;
    const double nx = (dx - cam[7] * r2) / (radial + tangential);
    const double ny = (dy - cam[8] * r2) / (radial + tangential);
    *x = nx;
    *y = ny;
  }
}

// Pixel of camera-frame point p [3] (float32 as camera.project; depth clamped at 1e-6).
void project(const float* p, const float* cam, float* uv) {
  const float z = std::max(p[2], 1e-6f);
  const float x = p[0] / z, y = p[1] / z;
  const float r2 = x * x + y * y;
  const float radial = 1.0f + cam[4] * r2 + cam[5] * (r2 * r2) + cam[6] * (r2 * r2 * r2);
  const float tangential = cam[7] * x + cam[8] * y;
  const float scale = radial + tangential;
  uv[0] = cam[0] * (x * scale + cam[7] * r2) + cam[2];
  uv[1] = cam[1] * (y * scale + cam[8] * r2) + cam[3];
}

}  // namespace

void undistort_pixel(double u, double v, const double* cam, double* x, double* y) {
  const bool distorted_lens = cam[4] != 0 || cam[5] != 0 || cam[6] != 0 || cam[7] != 0 || cam[8] != 0;
  undistort(u, v, cam, distorted_lens, x, y);
}

void solve_root_translation(const double* relative, const double* kp, const double* cam, const double* weights, int J,
                            double* translation) {
  const bool distorted_lens = cam[4] != 0 || cam[5] != 0 || cam[6] != 0 || cam[7] != 0 || cam[8] != 0;
  // Normal equations M t = r of t_x - u_j t_z = u_j Z_j - X_j, t_y - v_j t_z = v_j Z_j - Y_j (camera.py).
  double s = 0, su = 0, sv = 0, q = 0, r1 = 0, r2 = 0, r3 = 0;
  for (int j = 0; j < J; ++j) {
    const double* X = relative + 3 * j;
    const bool valid = std::isfinite(kp[2 * j]) && std::isfinite(kp[2 * j + 1]) && std::isfinite(X[0]) &&
                       std::isfinite(X[1]) && std::isfinite(X[2]);
    if (!valid) continue;
    const double w = std::isnan(weights[j]) ? 0.0 : std::max(weights[j], 0.0);
    double u, v;
    undistort(kp[2 * j], kp[2 * j + 1], cam, distorted_lens, &u, &v);
    const double bx = u * X[2] - X[0], by = v * X[2] - X[1];
    s += w;
    su += w * u;
    sv += w * v;
    q += w * (u * u + v * v);
    r1 += w * bx;
    r2 += w * by;
    r3 += w * (u * bx + v * by);
  }
  r3 = -r3;
  const double lam = kRidge * std::max(2 * s + q, 1.0);
  const double a = s + lam, e = q + lam;
  const double tz = (a * r3 + su * r1 + sv * r2) / (a * e - su * su - sv * sv);
  translation[0] = (r1 + su * tz) / a;
  translation[1] = (r2 + sv * tz) / a;
  translation[2] = tz;
}

void aggregate_frame(const float* hyp, int H, int J, int mode, const float* kp, const float* weights,
                     const float* cam, float* out) {
  if (H == 1 || mode == 0) {  // mean over H (aggregate_hypotheses: poses.mean(dim=1))
    for (int i = 0; i < J * 3; ++i) {
      float sum = 0.0f;
      for (int h = 0; h < H; ++h) sum += hyp[h * J * 3 + i];
      out[i] = sum / static_cast<float>(H);
    }
    return;
  }
  std::vector<float> weight(J), error(static_cast<size_t>(H) * J), frame_error(H);
  std::vector<double> kp64(2 * J), cam64(cam, cam + 9), rel64(3 * J), w64(J);
  float weight_sum = 0.0f;
  for (int j = 0; j < J; ++j) {
    const bool finite = std::isfinite(kp[2 * j]) && std::isfinite(kp[2 * j + 1]);
    weight[j] = finite ? 1.0f * weights[j] : 0.0f;
    weight_sum += weight[j];
    kp64[2 * j] = kp[2 * j];
    kp64[2 * j + 1] = kp[2 * j + 1];
    w64[j] = weight[j];
  }
  for (int h = 0; h < H; ++h) {
    const float* pose = hyp + h * J * 3;
    for (int i = 0; i < 3 * J; ++i) rel64[i] = pose[i];
    double t64[3];
    solve_root_translation(rel64.data(), kp64.data(), cam64.data(), w64.data(), J, t64);
    const float t[3] = {static_cast<float>(t64[0]), static_cast<float>(t64[1]), static_cast<float>(t64[2])};
    float weighted = 0.0f;
    for (int j = 0; j < J; ++j) {
      const float p[3] = {pose[3 * j] + t[0], pose[3 * j + 1] + t[1], pose[3 * j + 2] + t[2]};
      float uv[2];
      project(p, cam, uv);
      const float du = uv[0] - (std::isnan(kp[2 * j]) ? 0.0f : kp[2 * j]);
      const float dv = uv[1] - (std::isnan(kp[2 * j + 1]) ? 0.0f : kp[2 * j + 1]);
      error[h * J + j] = std::sqrt(du * du + dv * dv);
      if (weight[j] != 0.0f) weighted += error[h * J + j] * weight[j];
    }
    frame_error[h] = weighted / std::max(weight_sum, 1e-12f);
    for (int j = 0; j < J; ++j)  // a joint without 2D evidence scores its hypothesis' mean error
      if (!(weight[j] > 0.0f)) error[h * J + j] = frame_error[h];
  }
  if (mode == 2) {  // per frame (paper Eq. 4): argmin over H of the masked mean error; ties -> first
    int best = 0;
    for (int h = 1; h < H; ++h)
      if (frame_error[h] < frame_error[best]) best = h;
    std::copy(hyp + best * J * 3, hyp + (best + 1) * J * 3, out);
    return;
  }
  for (int j = 0; j < J; ++j) {  // per joint (D3DP's JPMA)
    int best = 0;
    for (int h = 1; h < H; ++h)
      if (error[h * J + j] < error[best * J + j]) best = h;
    std::copy(hyp + (best * J + j) * 3, hyp + (best * J + j) * 3 + 3, out + 3 * j);
  }
}

}  // namespace posynda::core
