// DDIM sampling of a posynda denoiser, the same math as posynda/diffusion (sampler.py,
// scheduling_ddim.py, schedule.py): cosine schedule in float64, K (t, t_next) pairs from a float32
// linspace truncated to integers, clamp of x_t and x0 to +-clip_sample, root joint zeroed, optional
// flip averaging, eta-DDIM update with the caller's noise, mean over the H hypotheses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace posynda {

struct SchedulerConfig {
  int num_train_timesteps = 1000;
  double cosine_s = 0.008;
  double eta = 1.0;
  double clip_sample = 1.1;
};

// A number after "key" in a JSON text; tolerates the escaped quotes of JSON nested in a string.
inline bool json_number(const std::string& text, const std::string& key, double* value) {
  size_t pos = text.find("\"" + key);
  while (pos != std::string::npos) {
    size_t i = pos + 1 + key.size();
    while (i < text.size() && (text[i] == '\\' || text[i] == '"' || text[i] == ' ')) ++i;
    if (i < text.size() && text[i] == ':') {
      ++i;
      while (i < text.size() && text[i] == ' ') ++i;
      char* end = nullptr;
      double v = std::strtod(text.c_str() + i, &end);
      if (end != text.c_str() + i) {
        *value = v;
        return true;
      }
    }
    pos = text.find("\"" + key, pos + 1);
  }
  return false;
}

inline SchedulerConfig parse_scheduler(const std::string& json) {
  SchedulerConfig c;
  double v;
  if (json_number(json, "num_train_timesteps", &v)) c.num_train_timesteps = static_cast<int>(v);
  if (json_number(json, "cosine_s", &v)) c.cosine_s = v;
  if (json_number(json, "eta", &v)) c.eta = v;
  if (json_number(json, "clip_sample", &v)) c.clip_sample = v;
  return c;
}

// alpha_bar_t, t = 0..T-1 (schedule.py::cosine_alphas_cumprod), float64.
inline std::vector<double> cosine_alphas_cumprod(int T, double s) {
  const double pi = 3.141592653589793;
  std::vector<double> ac(T + 1);
  for (int i = 0; i <= T; ++i) {
    double c = std::cos(((static_cast<double>(i) / T) + s) / (1 + s) * pi * 0.5);
    ac[i] = c * c;
  }
  double a0 = ac[0];
  for (auto& a : ac) a /= a0;
  std::vector<double> out(T);
  double prod = 1.0;
  for (int i = 0; i < T; ++i) {
    double beta = std::min(std::max(1.0 - ac[i + 1] / ac[i], 0.0), 0.999);
    prod *= 1.0 - beta;
    out[i] = prod;
  }
  return out;
}

// The K (t, t_next) pairs of DDIMScheduler.set_timesteps: torch.linspace(-1, T-1, K+1) in float32
// (torch's symmetric CPU formula), truncated toward zero, reversed.
inline std::vector<std::pair<int, int>> ddim_timesteps(int T, int K) {
  const int steps = K + 1;
  const float start = -1.0f, end = static_cast<float>(T - 1);
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int halfway = steps / 2;
  std::vector<int> times(steps);
  for (int i = 0; i < steps; ++i) {
    volatile float v = i < halfway ? start + step * static_cast<float>(i) : end - step * static_cast<float>(steps - i - 1);
    times[i] = static_cast<int>(static_cast<int64_t>(v));
  }
  std::vector<std::pair<int, int>> pairs;
  for (int i = steps - 1; i > 0; --i) pairs.emplace_back(times[i], times[i - 1]);
  return pairs;
}

// H36M left/right swap (skeleton.py::FLIP_PERMUTATION): flipped[j] = x[FLIP[j]], x coordinate negated.
constexpr int kFlip[17] = {0, 4, 5, 6, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 11, 12, 13};

inline void flip_poses(const float* in, float* out, int64_t rows, int joints, int channels) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = in + r * joints * channels;
    float* dst = out + r * joints * channels;
    for (int j = 0; j < joints; ++j) {
      const float* p = src + kFlip[j] * channels;
      dst[j * channels] = p[0] * -1.0f;
      for (int c = 1; c < channels; ++c) dst[j * channels + c] = p[c];
    }
  }
}

// denoiser(keypoints [N,T,J,2], noisy [N,T,J,3], t [N], N) -> x0 [N,T,J,3]
using Denoiser = std::function<std::vector<float>(const std::vector<float>&, const std::vector<float>&,
                                                  const std::vector<int64_t>&, int64_t)>;

// keypoints [B,T,J,2], noise [K+1,B,H,T,J,3] -> hypotheses [B,H,T,J,3] (root-relative metres).
inline std::vector<float> sample_poses(const Denoiser& denoiser, const std::vector<float>& keypoints,
                                       const std::vector<float>& noise, int64_t B, int64_t H, int64_t T, int J,
                                       int K, bool flip, const SchedulerConfig& cfg) {
  const int64_t rows = B * H;                 // hypotheses folded into the batch
  const int64_t pose3 = T * J * 3, pose2 = T * J * 2;
  const int64_t n_in = flip ? 2 * rows : rows;
  const float clip = static_cast<float>(cfg.clip_sample);
  const auto alphas = cosine_alphas_cumprod(cfg.num_train_timesteps, cfg.cosine_s);
  const auto pairs = ddim_timesteps(cfg.num_train_timesteps, K);
  if (static_cast<int64_t>(noise.size()) != (K + 1) * rows * pose3) throw std::runtime_error("noise size mismatch");

  std::vector<float> cond(n_in * pose2);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      std::copy(keypoints.begin() + b * pose2, keypoints.begin() + (b + 1) * pose2, cond.begin() + (b * H + h) * pose2);
  if (flip) flip_poses(cond.data(), cond.data() + rows * pose2, rows * T, J, 2);

  std::vector<float> x_t(noise.begin(), noise.begin() + rows * pose3);
  std::vector<float> x0(x_t), model_in(n_in * pose3), mirrored(rows * pose3);
  int k = 0;
  for (const auto& [t, t_next] : pairs) {
    ++k;
    for (auto& v : x_t) v = std::min(std::max(v, -clip), clip);
    std::copy(x_t.begin(), x_t.end(), model_in.begin());
    if (flip) flip_poses(x_t.data(), model_in.data() + rows * pose3, rows * T, J, 3);
    std::vector<int64_t> t_batch(n_in, t);
    std::vector<float> pred = denoiser(cond, model_in, t_batch, n_in);
    if (flip) {
      flip_poses(pred.data() + rows * pose3, mirrored.data(), rows * T, J, 3);
      for (int64_t i = 0; i < rows * pose3; ++i) pred[i] = (pred[i] + mirrored[i]) / 2.0f;
    }
    for (int64_t i = 0; i < rows * pose3; ++i) {
      const bool root = (i / 3) % J == 0;
      x0[i] = root ? 0.0f : std::min(std::max(pred[i], -clip), clip);
    }
    if (t_next < 0) {
      x_t = x0;
      continue;
    }
    const double a_t = alphas[t], a_next = alphas[t_next];
    const float s1 = static_cast<float>(std::sqrt(1 / a_t));
    const float s2 = static_cast<float>(std::sqrt(1 / a_t - 1));
    const double sigma = cfg.eta * std::sqrt((1 - a_t / a_next) * (1 - a_next) / (1 - a_t));
    const float c = static_cast<float>(std::sqrt(std::max(1 - a_next - sigma * sigma, 0.0)));
    const float sq_next = static_cast<float>(std::sqrt(a_next));
    const float sig = static_cast<float>(sigma);
    const float* z = noise.data() + k * rows * pose3;
    for (int64_t i = 0; i < rows * pose3; ++i) {
      const float eps = (x_t[i] * s1 - x0[i]) / s2;
      float next = x0[i] * sq_next + c * eps;
      if (sigma > 0) next = next + sig * z[i];
      x_t[i] = next;
    }
  }
  return x0;
}

// [B,H,T,J,3] -> mean over H -> [B,T,J,3]
inline std::vector<float> mean_hypotheses(const std::vector<float>& poses, int64_t B, int64_t H, int64_t pose3) {
  std::vector<float> out(B * pose3, 0.0f);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < H; ++h)
      for (int64_t i = 0; i < pose3; ++i) out[b * pose3 + i] += poses[(b * H + h) * pose3 + i];
    for (int64_t i = 0; i < pose3; ++i) out[b * pose3 + i] /= static_cast<float>(H);
  }
  return out;
}

}  // namespace posynda
