#include "sampler.hpp"

#include <algorithm>
#include <cmath>

#include "error.hpp"

namespace posynda::core {

std::vector<double> cosine_alphas_cumprod(int timesteps, double s) {
  const double pi = 3.141592653589793;
  std::vector<double> ac(timesteps + 1);
  for (int i = 0; i <= timesteps; ++i) {
    // torch.linspace(0, T, T + 1) in float64 is exactly i; x / T + s, / (1 + s), * pi * 0.5
    const double c = std::cos(((static_cast<double>(i) / timesteps) + s) / (1 + s) * pi * 0.5);
    ac[i] = c * c;
  }
  const double a0 = ac[0];
  for (auto& a : ac) a /= a0;
  std::vector<double> out(timesteps);
  double prod = 1.0;
  for (int i = 0; i < timesteps; ++i) {
    const double beta = std::min(std::max(1.0 - ac[i + 1] / ac[i], 0.0), 0.999);
    prod *= 1.0 - beta;
    out[i] = prod;
  }
  return out;
}

std::vector<std::pair<int, int>> ddim_timesteps(int timesteps, int steps) {
  const int n = steps + 1;
  const float start = -1.0f, end = static_cast<float>(timesteps - 1);
  const float step = (end - start) / static_cast<float>(n - 1);
  const int halfway = n / 2;  // torch's symmetric CPU linspace
  std::vector<int> times(n);
  for (int i = 0; i < n; ++i) {
    volatile float v = i < halfway ? start + step * static_cast<float>(i) : end - step * static_cast<float>(n - i - 1);
    times[i] = static_cast<int>(static_cast<int64_t>(v));
  }
  std::vector<std::pair<int, int>> pairs;
  for (int i = n - 1; i > 0; --i) pairs.emplace_back(times[i], times[i - 1]);
  return pairs;
}

void flip_poses(const float* in, float* out, int64_t rows, const std::vector<int>& flip, int channels) {
  const int J = static_cast<int>(flip.size());
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = in + r * J * channels;
    float* dst = out + r * J * channels;
    for (int j = 0; j < J; ++j) {
      const float* p = src + flip[j] * channels;
      dst[j * channels] = p[0] * -1.0f;
      for (int c = 1; c < channels; ++c) dst[j * channels + c] = p[c];
    }
  }
}

std::vector<float> sample_poses(const Denoise& denoise, const ModelMetadata& meta, const float* keypoints,
                                const float* noise, int64_t B, int H, int K, bool flip) {
  const int64_t T = meta.frames, J = meta.joints;
  // hypotheses folded into the batch (paper Algorithm 1 l.9-11)
  const int64_t rows = static_cast<int64_t>(elements<float>("hypotheses", {B, H}));
  const int64_t pose3 = T * J * 3, pose2 = T * J * 2;  // T <= MAX_WINDOW_FRAMES, J = 17 (metadata.cpp)
  const int64_t n_in = static_cast<int64_t>(elements<float>("hypotheses", {rows, flip ? 2 : 1}));
  const float clip = static_cast<float>(meta.scheduler.clip_sample);
  const auto alphas = cosine_alphas_cumprod(meta.scheduler.num_train_timesteps, meta.scheduler.cosine_s);
  const auto pairs = ddim_timesteps(meta.scheduler.num_train_timesteps, K);

  std::vector<float> cond(elements<float>("keypoints", {n_in, pose2}));
  for (int64_t b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) std::copy(keypoints + b * pose2, keypoints + (b + 1) * pose2, cond.begin() + (b * H + h) * pose2);
  if (flip) flip_poses(cond.data(), cond.data() + rows * pose2, rows * T, meta.flip, 2);

  const size_t state = elements<float>("poses", {rows, pose3}), input = elements<float>("poses", {n_in, pose3});
  std::vector<float> x_t(noise, noise + state);
  std::vector<float> x0(x_t), model_in(input), pred(input), mirrored(state);
  std::vector<int64_t> t_batch(n_in);
  int k = 0;
  for (const auto& [t, t_next] : pairs) {
    ++k;
    for (auto& v : x_t) v = std::min(std::max(v, -clip), clip);
    std::copy(x_t.begin(), x_t.end(), model_in.begin());
    if (flip) flip_poses(x_t.data(), model_in.data() + rows * pose3, rows * T, meta.flip, 3);
    std::fill(t_batch.begin(), t_batch.end(), static_cast<int64_t>(t));
    denoise(cond.data(), model_in.data(), t_batch.data(), n_in, pred.data());
    if (flip) {  // average with the un-mirrored prediction on mirrored inputs
      flip_poses(pred.data() + rows * pose3, mirrored.data(), rows * T, meta.flip, 3);
      for (int64_t i = 0; i < rows * pose3; ++i) pred[i] = (pred[i] + mirrored[i]) / 2.0f;
    }
    for (int64_t i = 0; i < rows * pose3; ++i) {
      const bool root = (i / 3) % J == meta.root;  // root-relative by contract: the root joint is exactly 0
      x0[i] = root ? 0.0f : std::min(std::max(pred[i], -clip), clip);
    }
    if (t_next < 0) continue;  // the last step returns x0
    // DDIM Eq. 12: eps = (x_t / sqrt(a_t) - x0) / sqrt(1 / a_t - 1), x_next = sqrt(a_next) x0 + c eps + sigma z
    const double a_t = alphas[t], a_next = alphas[t_next];
    const float s1 = static_cast<float>(std::sqrt(1 / a_t));
    const float s2 = static_cast<float>(std::sqrt(1 / a_t - 1));
    const double sigma = meta.scheduler.eta * std::sqrt((1 - a_t / a_next) * (1 - a_next) / (1 - a_t));
    const float c = static_cast<float>(std::sqrt(std::max(1 - a_next - sigma * sigma, 0.0)));
    const float sq_next = static_cast<float>(std::sqrt(a_next)), sig = static_cast<float>(sigma);
    const float* z = noise + k * rows * pose3;
    for (int64_t i = 0; i < rows * pose3; ++i) {
      const float eps = (x_t[i] * s1 - x0[i]) / s2;
      float next = x0[i] * sq_next + c * eps;
      if (sigma > 0) next = next + sig * z[i];
      x_t[i] = next;
    }
  }
  return x0;
}

}  // namespace posynda::core
